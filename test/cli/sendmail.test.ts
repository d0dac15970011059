/**
 * sendmail: Postfix's flags and exit statuses, and the maildrop file each
 * submission leaves (written whether the daemon runs or not): envelope
 * options, line handling, -t, -bs, and the modes that hand over to
 * postqueue and newaliases.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { main as sendmail } from '../../src/cli/sendmail.ts';
import { DSN_NOTIFY } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { parseQueueId, type QueueId } from '../../src/queue/queue_id.ts';
import { runCli } from '../peers/cli_capture.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { mainCf } from './queue_samples.ts';

function instance(t: import('node:test').TestContext, extra = '') {
  const dir = tempDir(t, 'affix-sm-');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'main.cf'), mainCf(dir, extra));
  writeFileSync(join(dir, 'conf', 'master.cf'), '');
  const spool = join(dir, 'spool');
  const store = new FsQueueStore({
    queue_directory: spool,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  return {
    dir,
    conf: join(dir, 'conf'),
    spool,
    run: (args: string[], stdin?: string) =>
      runCli(sendmail, ['-C', join(dir, 'conf'), ...args], { stdin, env: { LANG: 'C', NAME: '' } }),
    /** The maildrop messages, with their content. */
    async maildrop() {
      const dropDir = join(spool, 'maildrop');
      const ids = existsSync(dropDir) ? readdirSync(dropDir) : [];
      return Promise.all(
        ids.map(async (name) => {
          const m = await store.read('maildrop', parseQueueId(name) as QueueId);
          return { ...m, text: await text(store.content(m)) };
        }),
      );
    },
  };
}

test('sendmail writes a complete maildrop file with the daemon down: sender, full name, recipients, uid', async (t) => {
  const inst = instance(t);
  const r = await inst.run(
    ['-f', 'Dave <dave@example.test>', '-F', 'Dave Smith', 'u@remote.test', 'Two <two@remote.test>, three@remote.test'],
    'Subject: hello\n\nbody\n',
  );
  assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
  const [m] = await inst.maildrop();
  assert.ok(m);
  assert.equal(m.envelope.sender, 'dave@example.test');
  assert.equal(m.envelope.fullName, 'Dave Smith');
  assert.equal(m.envelope.rewriteContext, 'local');
  assert.equal(m.envelope.attributes['uid'], String(process.getuid?.() ?? 0));
  assert.deepEqual(
    m.recipients.map((x) => x.recipient.address),
    ['u@remote.test', 'two@remote.test', 'three@remote.test'],
  );
  assert.equal(m.text, 'Subject: hello\n\nbody\n');
});

test('sendmail reads up to a lone "." unless -i or -oi; From_ lines and CRs go', async (t) => {
  const inst = instance(t);
  const input = 'From dave Sun Nov 29 09:00:00 2026\r\n>From x\r\nSubject: a\r\n\r\none\r\n.\r\ntwo\r\n';
  await inst.run(['-f', 'a@example.test', 'u@remote.test'], input);
  await inst.run(['-i', '-f', 'b@example.test', 'u@remote.test'], input);
  await inst.run(['-oi', '-f', 'c@example.test', 'u@remote.test'], input);
  const by = new Map((await inst.maildrop()).map((m) => [m.envelope.sender, m.text]));
  assert.equal(by.get('a@example.test'), 'Subject: a\n\none\n');
  assert.equal(by.get('b@example.test'), 'Subject: a\n\none\n.\ntwo\n');
  assert.equal(by.get('c@example.test'), 'Subject: a\n\none\n.\ntwo\n');
});

test('sendmail -r, -f "<>", -N, -R, -V, -B 8BITMIME, -G and the ignored options', async (t) => {
  const inst = instance(t);
  const ignored = ['-oem', '-Am', '-x', '-L', 'label', '-U', '-c', '-h', '10', '-m', '-O', 'x=y', '-e', 'x'];
  const r1 = await inst.run(
    [
      ...ignored,
      '-r',
      'r@example.test',
      '-N',
      'success,delay',
      '-R',
      'hdrs',
      '-V',
      'env-1',
      '-B',
      '8BITMIME',
      'u@remote.test',
    ],
    'x\n',
  );
  assert.deepEqual(r1, { status: 0, stdout: '', stderr: '' });
  const r2 = await inst.run(['-G', '-f', '<>', '-N', 'bogus', '-R', 'odd', 'v@remote.test'], 'y\n');
  assert.equal(r2.status, 0);
  assert.equal(
    r2.stderr,
    "sendmail: warning: bad -N option value: 'bogus' -- ignored\nsendmail: warning: bad -R option value -- ignored\n",
  );
  const by = new Map((await inst.maildrop()).map((m) => [m.recipients[0]!.recipient.address, m]));
  const a = by.get('u@remote.test')!;
  assert.equal(a.envelope.sender, 'r@example.test');
  assert.equal(a.recipients[0]!.recipient.notify, DSN_NOTIFY.SUCCESS | DSN_NOTIFY.DELAY);
  assert.deepEqual([a.envelope.ret, a.envelope.envid, a.envelope.body8bit], ['HDRS', 'env-1', true]);
  const b = by.get('v@remote.test')!;
  assert.deepEqual(
    [b.envelope.sender, b.envelope.rewriteContext, b.recipients[0]!.recipient.notify],
    ['', 'remote', 0],
  );
});

test('sendmail -t marks the file for header recipients; without any recipient it exits 75 and leaves nothing', async (t) => {
  const inst = instance(t);
  const ok = await inst.run(['-t', '-f', 'a@example.test'], 'To: x@remote.test\nBcc: y@remote.test\n\nhi\n');
  assert.equal(ok.status, 0);
  const [m] = await inst.maildrop();
  assert.equal(m?.envelope.attributes['extract_recipients'], '0');
  assert.deepEqual(m?.recipients, []);
  const none = await inst.run(['-t', '-f', 'a@example.test'], 'Subject: nobody\n\nhi\n');
  assert.deepEqual(
    [none.status, none.stderr],
    [
      75,
      'sendmail: fatal: a@example.test(0): No recipient addresses found in message header\n'.replace(
        '(0)',
        `(${process.getuid?.() ?? 0})`,
      ),
    ],
  );
  const cmd = await inst.run(['-f', 'a@example.test'], 'Subject: nobody\n\nhi\n');
  assert.equal(cmd.status, 75);
  assert.match(cmd.stderr, /: Recipient addresses must be specified on the command line or via the -t option\n$/);
  assert.equal((await inst.maildrop()).length, 1);
});

test('sendmail refuses what Postfix refuses, always with exit 75', async (t) => {
  const inst = instance(t);
  const cases: [string[], string][] = [
    [['-bz'], 'sendmail: fatal: unsupported: -bz\n'],
    [['-n', 'u@x'], 'sendmail: fatal: -n option not supported\n'],
    [['-t', '-bp'], 'sendmail: fatal: -t can be used only in delivery mode\n'],
    [['-qXfoo'], 'sendmail: fatal: -qX is not implemented\n'],
    [['-q', 'u@x'], 'sendmail: fatal: flush queue mode requires no recipient\n'],
    [['-bp', 'u@x'], 'sendmail: fatal: display queue mode requires no recipient\n'],
    [['-B', 'x', 'u@x'], 'sendmail: fatal: -B option needs 8BITMIME or 7BIT\n'],
    [
      ['-Z'],
      "sendmail: invalid option -- 'Z'\nsendmail: invalid option -- 'Z'\nsendmail: fatal: usage: sendmail [options]\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const r = await inst.run(args, 'x\n');
    assert.deepEqual([r.status, r.stderr], [75, stderr], args.join(' '));
  }
  const big = instance(t, 'message_size_limit = 100');
  const r = await big.run(['-f', 'a@example.test', 'u@x'], `Subject: big\n\n${'y'.repeat(200)}\n`);
  assert.equal(r.status, 75);
  assert.match(r.stderr, /^sendmail: fatal: a@example\.test\(\d+\): message file too big\n$/);
  assert.deepEqual(await big.maildrop(), [], 'no partial file is left');
});

test('sendmail -bp lists the queue, -q flushes it (postqueue exits 69 while the system is down), -q5m and -bh do nothing', async (t) => {
  const inst = instance(t);
  const bp = await inst.run(['-bp']);
  assert.deepEqual([bp.status, bp.stdout], [0, 'Mail queue is empty\n']);
  assert.match(bp.stderr, /^postqueue: warning: Mail system is down -- accessing queue directly/);
  const q = await inst.run(['-q']);
  assert.deepEqual([q.status, q.stderr], [69, 'postqueue: fatal: Cannot flush mail queue - mail system is down\n']);
  assert.deepEqual(await inst.run(['-q5m']), { status: 0, stdout: '', stderr: '' });
  assert.deepEqual(await inst.run(['-bh']), { status: 0, stdout: '', stderr: '' });
});

test('sendmail -bs speaks SMTP on stdin/stdout and drops each message into maildrop', async (t) => {
  const inst = instance(t);
  const dialog = [
    'EHLO client.example.test',
    'MAIL FROM:<dave@example.test> BODY=8BITMIME',
    'DATA',
    'RCPT TO:<u@remote.test> NOTIFY=FAILURE',
    'DATA',
    'Subject: smtp',
    '',
    '..dot stuffed',
    '.',
    'NOOP',
    'FOO',
    'QUIT',
    '',
  ].join('\r\n');
  const r = await inst.run(['-bs'], dialog);
  assert.equal(r.status, 0);
  const replies = r.stdout.split('\r\n');
  assert.deepEqual(replies.slice(0, 3), ['220 mx.example.test ESMTP affix', '250-mx.example.test', '250-PIPELINING']);
  assert.ok(replies.includes('250 DSN'));
  assert.deepEqual(replies.slice(8), [
    '250 2.1.0 Ok',
    '503 5.5.1 Error: need RCPT command',
    '250 2.1.5 Ok',
    '354 End data with <CR><LF>.<CR><LF>',
    replies[12]!,
    '250 2.0.0 Ok',
    '502 5.5.2 Error: command not recognized',
    '221 2.0.0 Bye',
    '',
  ]);
  assert.match(replies[12]!, /^250 2\.0\.0 Ok: queued as [0-9A-F]+$/);
  const [m] = await inst.maildrop();
  assert.equal(m?.id, replies[12]!.split(' ').pop());
  assert.equal(m?.envelope.sender, 'dave@example.test');
  assert.equal(m?.envelope.body8bit, true);
  assert.equal(m?.recipients[0]?.recipient.notify, DSN_NOTIFY.FAILURE);
  assert.equal(m?.text, 'Subject: smtp\n\n.dot stuffed\n');
});

test('sendmail -bi (and -I) runs newaliases on alias_database', async (t) => {
  const dir = tempDir(t, 'affix-al-');
  writeFileSync(join(dir, 'aliases'), 'postmaster: root\n');
  const inst = instance(t, `alias_database = hash:${dir}/aliases\nalias_maps = hash:${dir}/aliases`);
  const r = await inst.run(['-bi']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(
    readdirSync(dir).some((f) => f.startsWith('aliases.')),
    readdirSync(dir).join(' '),
  );
});
