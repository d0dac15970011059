import assert from 'node:assert/strict';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLog } from '../../src/log/log.ts';
import { FatalError } from '../../src/log/log_errors.ts';
import { FileSink } from '../../src/log/log_file_sink.ts';
import { fileLog, NOV_01, NOV_29, runChild, srcLog, tempDir } from './log_fixtures.ts';

test("maillog_file gets postlogd's exact bytes: stamp, first label of myhostname, tag[pid]: text", (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_29);
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  log.warn('hostname mismatch.example.test does not resolve to address 127.0.0.6');
  log.forProgram('qmgr', 12288).info('DFC8A16044F: removed');
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    'Nov 29 09:11:02 mx postfix/smtpd[17499]: connect from localhost[127.0.0.1]\n' +
      'Nov 29 09:11:02 mx postfix/smtpd[17499]: warning: hostname mismatch.example.test does not resolve to address 127.0.0.6\n' +
      'Nov 29 09:11:02 mx postfix/qmgr[12288]: DFC8A16044F: removed\n',
  );
});

test('maillog_file zero-pads a one-digit day ("Nov 01"), unlike syslog', (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_01, { syslog_name: 'postfix/submission' });
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    'Nov 01 09:05:17 mx postfix/submission/smtpd[17499]: connect from localhost[127.0.0.1]\n',
  );
});

test('maillog_file keeps a control-character attack on one line', (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_29);
  t.after(() => log.close());
  log.info('lost connection after DATA from x\nNov 29 09:11:02 mx postfix/qmgr[1]: FORGED: removed\r');
  const content = readFileSync(join(dir, 'maillog'), 'utf8');
  assert.equal(content.split('\n').length, 2);
  assert.equal(
    content,
    'Nov 29 09:11:02 mx postfix/smtpd[17499]: lost connection after DATA from x?Nov 29 09:11:02 mx postfix/qmgr[1]: FORGED: removed?\n',
  );
});

test('maillog_file is appended to, never truncated, and created 0600 by default', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'maillog'), 'Nov 29 09:00:00 mx postfix/master[1]: daemon started\n', { mode: 0o640 });
  const log = fileLog(dir, NOV_29);
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    'Nov 29 09:00:00 mx postfix/master[1]: daemon started\nNov 29 09:11:02 mx postfix/smtpd[17499]: connect from localhost[127.0.0.1]\n',
  );
  const fresh = fileLog(dir, NOV_29, { maillog_file: join(dir, 'new.log') });
  t.after(() => fresh.close());
  assert.equal(statSync(join(dir, 'new.log')).mode & 0o777, 0o600);
});

test('maillog_file_permissions = 0644 creates a world-readable log', (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_29, { maillog_file_permissions: '0644' });
  t.after(() => log.close());
  assert.equal(statSync(join(dir, 'maillog')).mode & 0o777, 0o644);
});

test('maillog_file refuses a hard-linked file, as safe_open() does', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'target'), '');
  linkSync(join(dir, 'target'), join(dir, 'maillog'));
  assert.throws(
    () => fileLog(dir, NOV_29),
    (e: unknown) =>
      e instanceof FatalError && e.text === `open logfile '${join(dir, 'maillog')}': file has 2 hard links`,
  );
});

test('maillog_file refuses a symlink in a directory others can write, as safe_open() does', (t) => {
  const dir = tempDir(t);
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  writeFileSync(join(dir, 'victim'), 'precious\n');
  symlinkSync(join(dir, 'victim'), join(shared, 'maillog'));
  assert.throws(
    () => createLog({ program: 'smtpd', maillog_file: join(shared, 'maillog'), maillog_file_prefixes: dir }),
    (e: unknown) =>
      e instanceof FatalError && e.text === `open logfile '${join(shared, 'maillog')}': file is a symbolic link`,
  );
  assert.equal(readFileSync(join(dir, 'victim'), 'utf8'), 'precious\n');
});

test('maillog_file that cannot be opened is fatal with the system error text', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'maillog'));
  assert.throws(
    () => fileLog(dir, NOV_29),
    (e: unknown) =>
      e instanceof FatalError && e.text === `open logfile '${join(dir, 'maillog')}': cannot open file: Is a directory`,
  );
  assert.throws(
    () => fileLog(dir, NOV_29, { maillog_file: join(dir, 'missing', 'maillog') }),
    (e: unknown) =>
      e instanceof FatalError &&
      e.text ===
        `open logfile '${join(dir, 'missing', 'maillog')}': cannot create file exclusively: No such file or directory`,
  );
});

test('FileSink reports a failed write once per failure streak and never throws', async (t) => {
  const reports: string[] = [];
  const sink = new FileSink({
    maillog_file: '/dev/full',
    myhostname: 'mx',
    onWriteError: (text) => reports.push(text),
  });
  t.after(() => sink.close());
  const log = createLog({ program: 'smtpd', sink });
  log.info('first');
  log.info('second');
  assert.deepEqual(reports, ["postfix/smtpd: warning: logfile '/dev/full' write error: No space left on device"]);
});

test('Log.reopen goes on in a new maillog_file after an outside tool renamed it', (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_29);
  t.after(() => log.close());
  log.info('before');
  renameSync(join(dir, 'maillog'), join(dir, 'maillog.1'));
  log.info('still the old file until reopened');
  log.reopen();
  log.info('after');
  assert.equal(
    readFileSync(join(dir, 'maillog.1'), 'utf8'),
    'Nov 29 09:11:02 mx postfix/smtpd[17499]: before\nNov 29 09:11:02 mx postfix/smtpd[17499]: still the old file until reopened\n',
  );
  assert.equal(readFileSync(join(dir, 'maillog'), 'utf8'), 'Nov 29 09:11:02 mx postfix/smtpd[17499]: after\n');
});

test('maillog_file lines from several processes writing at once never interleave', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'maillog');
  const writers = 4;
  const perWriter = 2000;
  const code = (pid: number) => `
    const { createLog } = await import(${JSON.stringify(srcLog('log.ts'))});
    const log = createLog({ program: 'smtp', pid: ${pid}, myhostname: 'mx', maillog_file: ${JSON.stringify(file)}, maillog_file_prefixes: ${JSON.stringify(dir)} });
    for (let i = 0; i < ${perWriter}; i++) log.info(i + ': to=<user@example.test>, relay=none, delay=0, status=deferred (' + 'x'.repeat(i % 300) + ')');
    await log.close();`;
  await Promise.all(Array.from({ length: writers }, (_, w) => runChild(code(1000 + w))));
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, writers * perWriter);
  const shape =
    /^\w{3} \d{2} \d{2}:\d{2}:\d{2} mx postfix\/smtp\[(\d+)\]: (\d+): to=<user@example\.test>, relay=none, delay=0, status=deferred \((x*)\)$/;
  const next = new Map<string, number>();
  for (const line of lines) {
    const m = shape.exec(line);
    assert.ok(m, `broken line: ${line.slice(0, 120)}`);
    const [, pid, seq, xs] = m;
    assert.equal(Number(seq), next.get(pid!) ?? 0, `pid ${pid} out of order`);
    assert.equal(xs!.length, Number(seq) % 300);
    next.set(pid!, Number(seq) + 1);
  }
  assert.equal(next.size, writers);
});
