/**
 * pickup: mail that sendmail dropped while the daemon was down is picked up
 * when it starts; with the daemon up, sendmail's poke brings it in at once;
 * `-t` recipients come from the headers through cleanup; mail requeued by
 * postsuper -r is logged with orig_id; a damaged maildrop file is set
 * aside while other mail flows; and Debian's bsd-mailx, pointed at affix's
 * sendmail, gets a message into the log (the seed's test step).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { main as postsuper } from '../../src/cli/postsuper.ts';
import { main as sendmail } from '../../src/cli/sendmail.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { affixInstance } from '../peers/affix_instance.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { runCli } from '../peers/cli_capture.ts';
import { missingPrograms } from '../peers/programs.ts';

const MASTER_CF = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  '',
].join('\n');

const MAIN_CF = [
  'transport_maps = inline:{ gone.test=discard:silently }',
  'header_checks = regexp:{{/^Subject: hold/ HOLD}}',
  'mydestination = $myhostname, localhost',
  'local_transport = discard:local',
  '',
].join('\n');

const uid = process.getuid?.() ?? 0;

function setup(t: import('node:test').TestContext) {
  const inst = affixInstance(t, MAIN_CF, MASTER_CF);
  const store = new FsQueueStore({
    queue_directory: join(inst.dir, 'spool'),
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  const submit = (args: string[], input: string) =>
    runCli(sendmail, ['-C', inst.configDir, ...args], { stdin: input, env: { LANG: 'C', NAME: '' } });
  const start = () => startTestMaster(t, inst.configDir);
  const dropped = () => readdirSync(join(inst.dir, 'spool', 'maildrop'));
  // cleanup logs `hold:` while it reads the headers, before the file is committed to hold/.
  /** The held message `id`, once its file is complete (the hold is logged before the file is written). */
  const readHeld = async (id: QueueId) => {
    const path = join(inst.dir, 'spool', 'hold', id);
    const complete = () => existsSync(path) && (statSync(path).mode & 0o100) !== 0;
    for (let waited = 0; !complete() && waited < 10_000; waited += 50) await delay(50);
    return store.read('hold', id);
  };
  return { inst, store, submit, start, dropped, readHeld };
}

test('mail dropped while the daemon is down is picked up when it starts, with Postfix log lines', async (t) => {
  const s = setup(t);
  const r = await s.submit(['-f', 'dave@example.test', 'someone@gone.test'], 'Subject: early\n\nbody\n');
  assert.equal(r.status, 0);
  assert.equal(s.dropped().length, 1, 'a complete file waits in maildrop');
  await s.start();
  const line = await s.inst.waitForLog(/postfix\/pickup\[\d+\]: \w+: uid=\d+ from=<dave@example.test>/);
  const id = /: (\w+): uid=/.exec(line)![1]!;
  assert.match(line, new RegExp(`: ${id}: uid=${uid} from=<dave@example.test>$`));
  await s.inst.waitForLog(`${id}: removed`);
  const log = s.inst.log();
  assert.match(
    log,
    new RegExp(`postfix/cleanup\\[\\d+\\]: ${id}: message-id=<\\d{14}\\.${id}@mx\\.example\\.test>\\n`),
  );
  assert.match(
    log,
    new RegExp(`postfix/qmgr\\[\\d+\\]: ${id}: from=<dave@example.test>, size=\\d+, nrcpt=1 \\(queue active\\)\\n`),
  );
  assert.match(
    log,
    new RegExp(`postfix/discard\\[\\d+\\]: ${id}: to=<someone@gone.test>, .*status=sent \\(silently\\)\\n`),
  );
  assert.deepEqual(s.dropped(), []);
});

test('with the daemon up, sendmail pokes pickup; -t takes To/Cc/Bcc, drops Bcc, and cleanup adds the local headers', async (t) => {
  const s = setup(t);
  await s.start();
  const r = await s.submit(
    ['-t', '-f', 'dave@example.test', '-F', 'Dave Smith', 'extra@gone.test'],
    'Subject: hold this\nTo: a@gone.test, "B" <b@gone.test>\nCc: c@gone.test\nBcc: hidden@gone.test\n\nbody\n',
  );
  assert.equal(r.status, 0);
  // Well before pickup's 60 s wakeup: the poke brought it in.
  const line = await s.inst.waitForLog(
    /postfix\/cleanup\[\d+\]: \w+: hold: header Subject: hold this from local;/,
    10_000,
  );
  const id = /: (\w+): hold:/.exec(line)![1]! as QueueId;
  const m = await s.readHeld(id);
  assert.deepEqual(m.recipients.map((x) => x.recipient.address).sort(), [
    'a@gone.test',
    'b@gone.test',
    'c@gone.test',
    'extra@gone.test',
    'hidden@gone.test',
  ]);
  const content = await text(s.store.content(m));
  assert.match(
    content,
    new RegExp(`^Received: by mx\\.example\\.test \\(affix, from userid ${uid}\\)\\n\\tid ${id}; `),
  );
  assert.doesNotMatch(content, /Bcc:|hidden@/);
  assert.match(content, /\nFrom: Dave Smith <dave@example\.test>\n/);
  assert.match(content, /\nTo: a@gone\.test, "B" <b@gone\.test>\n/);
});

test('-t with Resent- headers takes the Resent- recipients only', async (t) => {
  const s = setup(t);
  await s.start();
  await s.submit(
    ['-t', '-f', 'dave@example.test'],
    'Subject: hold resent\nTo: old@gone.test\nResent-To: new@gone.test\nResent-Bcc: blind@gone.test\n\nbody\n',
  );
  const line = await s.inst.waitForLog(/: \w+: hold: header Subject: hold resent/, 10_000);
  const id = /: (\w+): hold:/.exec(line)![1]! as QueueId;
  const m = await s.readHeld(id);
  assert.deepEqual(m.recipients.map((x) => x.recipient.address).sort(), ['blind@gone.test', 'new@gone.test']);
  assert.doesNotMatch(await text(s.store.content(m)), /Resent-Bcc/);
});

test('postsuper -r sends held mail back through pickup and cleanup: orig_id logged, a new queue ID', async (t) => {
  const s = setup(t);
  await s.start();
  await s.submit(['-f', 'dave@example.test', 'x@gone.test'], 'Subject: hold requeue\n\nbody\n');
  const line = await s.inst.waitForLog(/: \w+: hold: header Subject: hold requeue/, 10_000);
  const held = /: (\w+): hold:/.exec(line)![1]!;
  await s.readHeld(held as QueueId);
  const r = await runCli(postsuper, ['-c', s.inst.configDir, '-r', held]);
  assert.equal(r.stderr, `postsuper: ${held}: requeued\npostsuper: Requeued: 1 message\n`);
  const again = await s.inst.waitForLog(
    new RegExp(`postfix/pickup\\[\\d+\\]: \\w+: uid=${uid} from=<dave@example.test> orig_id=${held}$`),
    10_000,
  );
  assert.doesNotMatch(again, new RegExp(`: ${held}: uid`), 'a requeued message gets a new queue ID');
});

test('a damaged maildrop file goes to corrupt with a warning, and the mail after it still flows', async (t) => {
  const s = setup(t);
  await s.submit(['-f', 'dave@example.test', 'first@gone.test'], 'Subject: one\n\nbody\n');
  const bad = join(s.inst.dir, 'spool', 'maildrop', '00000BAD00');
  writeFileSync(bad, 'AFXQ1\ngarbage');
  chmodSync(bad, 0o700);
  await s.start();
  await s.inst.waitForLog(/postfix\/pickup\[\d+\]: warning: maildrop\/00000BAD00: .* -- moved to the corrupt queue/);
  await s.inst.waitForLog(/postfix\/discard\[\d+\]: \w+: to=<first@gone.test>/);
  assert.ok(readdirSync(join(s.inst.dir, 'spool', 'corrupt')).includes('00000BAD00'));
});

test('echo test | mail -s test user@localhost with bsd-mailx pointed at affix sendmail shows in the log', async (t) => {
  const missing = missingPrograms(['bsd-mailx']);
  if (missing !== undefined) return t.skip(missing);
  const s = setup(t);
  await s.start();
  const wrapper = join(s.inst.dir, 'affix-sendmail');
  const entry = join(import.meta.dirname, '..', 'peers', 'affix_entry.ts');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${entry}" sendmail -C "${s.inst.configDir}" "$@"\n`,
    { mode: 0o755 },
  );
  const rc = join(s.inst.dir, 'mailrc');
  writeFileSync(rc, `set sendmail=${wrapper}\n`);
  const child = spawn('bsd-mailx', ['-s', 'test', 'user@localhost'], {
    env: { ...process.env, MAILRC: rc, HOME: s.inst.dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end('test\n');
  const [code] = await once(child, 'close');
  assert.equal(code, 0);
  const line = await s.inst.waitForLog(/postfix\/pickup\[\d+\]: \w+: uid=\d+ from=<\w+>/, 20_000);
  const id = /: (\w+): uid=/.exec(line)![1]!;
  await s.inst.waitForLog(
    new RegExp(`postfix/qmgr\\[\\d+\\]: ${id}: from=<\\w+@mx\\.example\\.test>, size=\\d+, nrcpt=1 \\(queue active\\)`),
  );
  await s.inst.waitForLog(new RegExp(`${id}: to=<user@localhost>, .*status=sent`));
});
