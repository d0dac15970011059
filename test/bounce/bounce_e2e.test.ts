/**
 * Bounces end to end through the daemon frame: master.cf runs cleanup,
 * qmgr, the bounce/defer/trace services, local and error. A message to an
 * unknown local user bounces, and the notification is queued through
 * cleanup from `<>`, delivered by local into the sender's mailbox, and
 * logged as Postfix logs it; a bounce that fails goes to the postmaster
 * only with notify_classes = 2bounce, and is dropped otherwise; with
 * notify_classes = bounce the postmaster gets a copy; NOTIFY=SUCCESS gives
 * a success notice after local delivery; values an attacker
 * controls (ORCPT, ENVID, the recipient) never add a header line.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { CleanupRequest, CleanupService } from '../../src/cleanup/cleanup_service.ts';
import { ServiceHub } from '../../src/cli/master_programs.ts';
import { DSN_NOTIFY } from '../../src/queue/queue_envelope.ts';
import { type AffixInstance, affixInstance } from '../peers/affix_instance.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { normaliseNotice, postfixSamples } from './bounce_fixtures.ts';

const MASTER_CF = [
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'local     unix  -       n       n       -       -       local',
  '',
].join('\n');

interface Daemon {
  readonly inst: AffixInstance;
  readonly cleanup: CleanupService;
  readonly spool: string;
  mailbox(user: string): string;
  waitForMailbox(user: string, pattern: RegExp): Promise<string>;
}

async function startDaemon(t: TestContext, mainCf: readonly string[] = []): Promise<Daemon> {
  const inst = affixInstance(t, '', MASTER_CF);
  const spool = join(inst.dir, 'mail');
  mkdirSync(spool);
  chmodSync(inst.dir, 0o755);
  chmodSync(spool, 0o1777);
  const settings = [
    'mydomain = example.test',
    'myorigin = example.test',
    'mydestination = mx.example.test, example.test',
    'mail_name = Postfix',
    `mail_spool_directory = ${spool}`,
    'alias_maps = inline:{ postmaster=root }',
    'transport_maps = inline:{ {fail.test = error:5.1.1 test domain always fails} }',
    ...mainCf,
  ];
  const { appendFileSync } = await import('node:fs');
  appendFileSync(join(inst.configDir, 'main.cf'), `${settings.join('\n')}\n`);
  const hub = new ServiceHub();
  await startTestMaster(t, inst.configDir, hub);
  const cleanup = hub.cleanup('cleanup');
  assert.ok(cleanup !== undefined);
  const mailbox = (user: string) => {
    const path = join(spool, user);
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  };
  return {
    inst,
    cleanup,
    spool,
    mailbox,
    async waitForMailbox(user, pattern) {
      for (let i = 0; i < 200; i++) {
        const text = mailbox(user);
        if (pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no mail matching ${pattern} for ${user}:\n${mailbox(user)}\n${inst.log()}`);
    },
  };
}

function request(
  cleanup: CleanupService,
  sender: string,
  rcpts: readonly { address: string; orcpt?: string | null; notify?: number }[],
  over: Partial<CleanupRequest> = {},
): CleanupRequest {
  return {
    queueId: cleanup.newQueueId(),
    sender,
    recipients: rcpts.map((r) => ({ address: r.address, orcpt: r.orcpt ?? null, notify: r.notify ?? 0 })),
    client: null,
    origin: 'pickup',
    envid: null,
    ret: null,
    smtputf8: false,
    body8bit: false,
    fullName: '',
    actions: {},
    logContext: 'local',
    uid: 5002,
    ...over,
  };
}

async function* text(s: string) {
  yield Buffer.from(s);
}

/** The mbox messages of a mailbox, each without its From_ line. */
const messages = (mbox: string) =>
  mbox
    .split(/^From \S+ {2}.*\n/m)
    .slice(1)
    .map((m) => m.replace(/\n+$/, '\n'));

test("a message to an unknown local user bounces into the sender's mailbox, as Postfix writes and logs it", async (t) => {
  const d = await startDaemon(t);
  const r = await d.cleanup.submit(
    request(d.cleanup, 'daemon@example.test', [{ address: 'nosuchuser@example.test' }]),
    text('Subject: unknown local\n\nx\n'),
  );
  const id = r.queueId;
  const mbox = await d.waitForMailbox('daemon', /Undelivered Mail Returned to Sender/);
  const notice = messages(mbox)[0]!;
  await d.inst.waitForLog(/postfix\/local\[\d+\]: \w+: to=<daemon@example.test>, relay=local, .*status=sent/);
  const log = d.inst.log();
  const m = new RegExp(`postfix/bounce\\[\\d+\\]: ${id}: sender non-delivery notification: (\\w+)\\n`).exec(log);
  assert.ok(m !== null, log);
  const newId = m[1]!;
  assert.match(
    log,
    new RegExp(
      `postfix/local\\[\\d+\\]: ${id}: to=<nosuchuser@example.test>, relay=local, .*dsn=5\\.1\\.1, status=bounced \\(unknown user: "nosuchuser"\\)`,
    ),
  );
  assert.match(log, new RegExp(`postfix/qmgr\\[\\d+\\]: ${newId}: from=<>, size=\\d+, nrcpt=1 \\(queue active\\)`));
  assert.match(
    log,
    new RegExp(
      `postfix/local\\[\\d+\\]: ${newId}: to=<daemon@example.test>, relay=local, .*status=sent \\(delivered to mailbox\\)`,
    ),
  );
  assert.match(log, new RegExp(`postfix/qmgr\\[\\d+\\]: ${id}: removed`));
  assert.match(mbox, /^From MAILER-DAEMON {2}/, 'the envelope sender is <>');
  assert.match(notice, /^Return-Path: <>$/m);

  // The same structure as Postfix's notification for the same failure (sample 2), after cleanup and local delivery.
  const sample = postfixSamples()[1]!;
  // The sample's sender is dave (uid 5002); here it is daemon.
  assert.equal(normaliseNotice(notice), normaliseNotice(sample).replaceAll('dave@example.test', 'daemon@example.test'));
  assert.doesNotMatch(log, /panic:|fatal:/);
});

test('a failed bounce is dropped by default, and goes to the postmaster with notify_classes = 2bounce', async (t) => {
  const quiet = await startDaemon(t);
  const a = await quiet.cleanup.submit(
    request(quiet.cleanup, '', [{ address: 'nosuchuser@example.test' }]),
    text('Subject: x\n\nx\n'),
  );
  await quiet.inst.waitForLog(`${a.queueId}: removed`);
  assert.doesNotMatch(quiet.inst.log(), /notification/);
  assert.equal(quiet.mailbox('root'), '');

  const d = await startDaemon(t, ['notify_classes = 2bounce']);
  const b = await d.cleanup.submit(
    request(d.cleanup, '', [{ address: 'nosuchuser@example.test' }]),
    text('Subject: bounced bounce\n\nbody\n'),
  );
  const mbox = await d.waitForMailbox('root', /Postmaster Copy: Undelivered Mail/);
  assert.match(
    d.inst.log(),
    new RegExp(`postfix/bounce\\[\\d+\\]: ${b.queueId}: postmaster non-delivery notification: \\w+`),
  );
  assert.match(d.inst.log(), /postfix\/qmgr\[\d+\]: \w+: from=<double-bounce@mx\.example\.test>, size=\d+, nrcpt=1/);
  assert.match(mbox, /^From double-bounce@mx\.example\.test {2}/);
  assert.match(mbox, /^To: postmaster@example\.test$/m);
  assert.match(mbox, /^Auto-Submitted: auto-generated$/m);
  assert.match(mbox, /^X-Postfix-Sender: rfc822; MAILER-DAEMON@mx\.example\.test$/m);
});

test('notify_classes = bounce: the sender gets the notice and the postmaster a copy with the headers', async (t) => {
  const d = await startDaemon(t, ['notify_classes = bounce']);
  const r = await d.cleanup.submit(
    request(d.cleanup, 'daemon@example.test', [{ address: 'user@fail.test' }]),
    text('Subject: to the error transport\n\nsecret body\n'),
  );
  await d.waitForMailbox('daemon', /Undelivered Mail Returned to Sender/);
  const copy = await d.waitForMailbox('root', /Postmaster Copy: Undelivered Mail/);
  assert.match(copy, /Content-Type: text\/rfc822-headers\n/);
  assert.doesNotMatch(copy, /secret body/);
  const log = d.inst.log();
  assert.match(log, new RegExp(`${r.queueId}: sender non-delivery notification: \\w+\\n`));
  assert.match(log, new RegExp(`${r.queueId}: postmaster non-delivery notification: \\w+\\n`));
});

test('ORCPT, ENVID and recipient values with CR/LF never add a header line to the notification', async (t) => {
  const d = await startDaemon(t);
  const evil = '\r\nX-Injected: yes\r\n';
  await d.cleanup.submit(
    request(
      d.cleanup,
      'daemon@example.test',
      [{ address: 'nosuch1@example.test', orcpt: `rfc822;a@b${evil}` }, { address: `nosuch2${evil}@example.test` }],
      { envid: `env${evil}Content-Type: text/html` },
    ),
    text('Subject: injection\n\nx\n'),
  );
  const mbox = await d.waitForMailbox('daemon', /Undelivered Mail Returned to Sender/);
  assert.doesNotMatch(mbox, /^X-Injected:/m);
  assert.doesNotMatch(mbox, /^Content-Type: text\/html/m);
  // cleanup already makes CR and LF blanks in addresses; bounce makes them `?` in what is left.
  assert.match(mbox, /^Original-Envelope-Id: env[ ?]{2}X-Injected: yes[ ?]{2}Content-Type: text\/html$/m);
  assert.match(mbox, /^Original-Recipient: rfc822;a@b[ ?]{2}X-Injected: yes[ ?]{2}$/m);
  // Each header block of the delivery-status part holds only fields and continuation lines.
  const dsn = /Content-Type: message\/delivery-status\n\n([\s\S]*?)\n\n--/.exec(mbox)![1]!;
  for (const line of dsn.split('\n')) {
    assert.match(line, /^(|[A-Za-z-]+: .*|[ \t]+\S.*)$/, `a field line: ${JSON.stringify(line)}`);
  }
});

test('NOTIFY=SUCCESS: after local delivery the sender gets a success notice (Action: delivered)', async (t) => {
  const d = await startDaemon(t);
  const r = await d.cleanup.submit(
    request(d.cleanup, 'daemon@example.test', [{ address: 'daemon@example.test', notify: DSN_NOTIFY.SUCCESS }]),
    text('Subject: tell me\n\nx\n'),
  );
  const mbox = await d.waitForMailbox('daemon', /Successful Mail Delivery Report/);
  assert.match(mbox, /^Subject: tell me$/m, 'the message itself was delivered');
  assert.match(mbox, /^<daemon@example.test>: delivered to mailbox$/m);
  assert.match(mbox, /^Action: delivered\nStatus: 2\.0\.0\nDiagnostic-Code: X-Postfix; delivered to mailbox$/m);
  assert.match(mbox, /Content-Description: Message Headers\nContent-Type: text\/rfc822-headers\n/);
  assert.match(
    d.inst.log(),
    new RegExp(`postfix/bounce\\[\\d+\\]: ${r.queueId}: sender delivery status notification: \\w+\\n`),
  );
});
