/**
 * End to end through the daemon frame: master.cf runs cleanup, qmgr, and the
 * error, retry and discard agents; a message submitted to the published
 * cleanup service is queued, scheduled and delivered, with Postfix's log
 * lines from each program.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { CleanupRequest } from '../../src/cleanup/cleanup_service.ts';
import { startMaster } from '../../src/cli/master.ts';
import { controlRequest, controlSocketPath } from '../../src/cli/master_control.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';
import { MailError } from '../../src/global/reply.ts';
import { affixInstance } from '../peers/affix_instance.ts';

const MASTER_CF = [
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  '',
].join('\n');

function request(hubCleanup: { newQueueId(): CleanupRequest['queueId'] }, rcpts: string[]): CleanupRequest {
  return {
    queueId: hubCleanup.newQueueId(),
    sender: 'sender@example.org',
    recipients: rcpts.map((address) => ({ address, orcpt: null, notify: 0 })),
    client: {
      name: 'client.example.org',
      address: '127.0.0.5',
      port: '40000',
      helo: 'client.example.org',
      protocol: 'ESMTP',
      saslMethod: '',
      saslUsername: '',
      saslSender: '',
    },
    origin: 'smtpd',
    envid: null,
    ret: null,
    smtputf8: false,
    body8bit: false,
    fullName: '',
    actions: {},
    logContext: 'client.example.org[127.0.0.5]',
  };
}

async function* content(text: string) {
  yield Buffer.from(text);
}

test('a message goes cleanup -> incoming -> qmgr -> error and discard agents, and leaves the queue', async (t) => {
  const inst = affixInstance(
    t,
    [
      'transport_maps = inline:{ {fail.test = error:5.1.1 test domain always fails}, gone.test=discard:silently }',
      'header_checks = regexp:{{/^Subject: forbidden/ REJECT 5.7.1 forbidden subject}}',
      '',
    ].join('\n'),
    MASTER_CF,
  );
  const hub = new ServiceHub();
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: createPrograms(hub) });
  t.after(() => master.stop('immediate'));
  const cleanup = hub.cleanup('cleanup');
  assert.ok(cleanup !== undefined, 'cleanup is published under its master.cf name');

  const r = await cleanup.submit(
    request(cleanup, ['user@fail.test', 'someone@gone.test']),
    content('Subject: hello\r\nMessage-Id: <e2e@client.example.org>\r\n\r\nbody\r\n'),
  );
  assert.equal(r.outcome, 'queued');
  const id = r.queueId;
  // No bounce service yet: the notice cannot be sent, so the message is kept and says why.
  await inst.waitForLog(`${id}: status=deferred (bounce failed)`);
  const log = inst.log();
  for (const line of [
    new RegExp(`postfix/cleanup\\[\\d+\\]: ${id}: message-id=<e2e@client.example.org>\\n`),
    new RegExp(`postfix/qmgr\\[\\d+\\]: ${id}: from=<sender@example.org>, size=\\d+, nrcpt=2 \\(queue active\\)\\n`),
    new RegExp(
      `postfix/error\\[\\d+\\]: ${id}: to=<user@fail.test>, relay=none, delay=[\\d.]+, delays=[\\d./]+, dsn=5.1.1, status=bounced \\(test domain always fails\\)\\n`,
    ),
    new RegExp(
      `postfix/discard\\[\\d+\\]: ${id}: to=<someone@gone.test>, relay=none, delay=[\\d.]+, delays=[\\d./]+, dsn=2.0.0, status=sent \\(silently\\)\\n`,
    ),
  ]) {
    assert.match(log, line);
  }
  // With a bounce service, `postqueue -f` finishes the message: the notice goes out and the file is removed.
  const flushed: string[] = [];
  hub.bounce = {
    flush: async (m) => {
      flushed.push(m.id);
    },
    flushDeferred: async () => undefined,
    warn: async () => undefined,
    trace: async () => undefined,
  };
  const socket = controlSocketPath(master.config.params.queue_directory);
  assert.deepEqual(await controlRequest(socket, { command: 'qmgr', trigger: 'FADI' }), { ok: true });
  await inst.waitForLog(`${id}: removed`);
  assert.deepEqual(await controlRequest(socket, { command: 'qmgr', site: 'elsewhere.test' }), {
    ok: false,
    error: 'Flush service is not configured for destination "elsewhere.test"',
  });
  assert.deepEqual(flushed, [id]);

  await assert.rejects(
    cleanup.submit(request(cleanup, ['x@gone.test']), content('Subject: forbidden stuff\n\nbody\n')),
    (err: unknown) => err instanceof MailError && err.message === '550 5.7.1 forbidden subject',
  );
  await inst.waitForLog('reject: header Subject: forbidden stuff');
  assert.match(
    inst.log(),
    /postfix\/cleanup\[\d+\]: \w+: reject: header Subject: forbidden stuff from client\.example\.org\[127\.0\.0\.5\]; from=<sender@example\.org> to=<x@gone\.test> proto=ESMTP helo=<client\.example\.org>: 5\.7\.1 forbidden subject\n/,
  );
});

test('after postfix reload a new cleanup and qmgr take the new configuration and mail still flows', async (t) => {
  const inst = affixInstance(t, 'transport_maps = inline:{ gone.test=discard:first }\n', MASTER_CF);
  const hub = new ServiceHub();
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: createPrograms(hub) });
  t.after(() => master.stop('immediate'));
  const first = hub.cleanup('cleanup')!;
  const a = await first.submit(request(first, ['x@gone.test']), content('Subject: one\n\nbody\n'));
  await inst.waitForLog(`${a.queueId}: removed`);
  const mainCf = `${inst.configDir}/main.cf`;
  writeFileSync(mainCf, readFileSync(mainCf, 'utf8').replace('discard:first', 'discard:second'));
  await master.reload();
  const cleanup = hub.cleanup('cleanup')!;
  const b = await cleanup.submit(request(cleanup, ['x@gone.test']), content('Subject: two\n\nbody\n'));
  await inst.waitForLog(`${b.queueId}: removed`);
  assert.match(inst.log(), new RegExp(`${a.queueId}: to=<x@gone.test>, .* status=sent \\(first\\)`));
  assert.match(inst.log(), new RegExp(`${b.queueId}: to=<x@gone.test>, .* status=sent \\(second\\)`));
});
