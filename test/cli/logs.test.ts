/**
 * affix logs: summary, trace and tail as an admin runs them, on the real
 * Postfix 3.7 sample log: the text and JSON outputs, where the log comes
 * from (operands, standard input, maillog_file of -c DIR or MAIL_CONFIG,
 * rotated generations), and what bad arguments get (usage, exit 64).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { type CliIo, runCommand } from '../../src/cli/cli_io.ts';
import { main } from '../../src/cli/logs.ts';
import { runCli } from '../peers/cli_capture.ts';
import { configDir, tempDir } from '../peers/tmpdir.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = join(ROOT, 'test', 'fixtures', 'postfix-3.7.11', 'maillog-loopback-experiment.log');
const SAMPLE_TEXT = readFileSync(SAMPLE, 'utf8');

test('logs summary prints the Grand Totals, the domain tables, the top reasons and notes', async () => {
  const r = await runCli(main, ['summary', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  for (const line of [
    '      42  received',
    '       9  deferred  (16 deferrals)',
    '      16  rejected (28%)',
    '   13615  bytes received  (13.3 KiB)',
    '       4  recipient hosts/domains',
  ]) {
    assert.ok(r.stdout.includes(`\n${line}\n`), `missing "${line}" in\n${r.stdout}`);
  }
  assert.match(r.stdout, /\n {6}30 {7}33917 {7}0 {6}0\.1 s {6}1\.5 s {2}example\.test\n/);
  assert.match(
    r.stdout,
    /\n {6}13 {2}smtp: connect to server: Connection refused\n {12}remote\.test \(10\), mxdom\.test \(3\)\n/,
  );
  assert.match(r.stdout, /Notes\n-----\n {2}- 58 client= and reject lines come from smtpd services/);
});

test('logs summary --json has the totals under pflogsumm names, and the files read', async () => {
  const r = await runCli(main, ['summary', '--json', '--top=3', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.files, [SAMPLE]);
  assert.deepEqual(
    [j.totals.received, j.totals.delivered, j.totals.bounced, j.totals.bytes_delivered, j.totals.sending_domains],
    [42, 41, 8, 38048, 2],
  );
  assert.equal(j.recipient_domains.length, 3);
  assert.equal(j.lines.read, 845);
});

test('logs summary - reads standard input, gzipped or not (journalctl -u postfix | ...)', async () => {
  const plain = await runCli(main, ['summary', '--json', '-'], { stdin: SAMPLE_TEXT });
  assert.equal(JSON.parse(plain.stdout).totals.received, 42);
  // runCli takes text; gzip needs the bytes as they are
  let out = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (out += s) },
    stdin: Readable.from([gzipSync(SAMPLE_TEXT)]),
    env: {},
    cwd: ROOT,
  };
  assert.equal(await runCommand(() => main(['summary', '--json', '-'], io)), 0, out);
  assert.equal(JSON.parse(out).totals.received, 42);
  assert.deepEqual(JSON.parse(out).files, ['(standard input)']);
});

test('without a file, logs summary reads maillog_file of -c DIR, or of MAIL_CONFIG', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'affix.log');
  writeFileSync(log, SAMPLE_TEXT);
  const conf = configDir(t, `maillog_file = ${log}\n`);
  const byC = await runCli(main, ['summary', '--json', '-c', conf]);
  assert.equal(byC.status, 0, byC.stderr);
  assert.deepEqual(JSON.parse(byC.stdout).files, [log]);
  const byEnv = await runCli(main, ['summary', '--json'], { env: { MAIL_CONFIG: conf } });
  assert.deepEqual(JSON.parse(byEnv.stdout).files, [log]);
});

test('logs summary -r reads the rotated generations first, gzipped ones included', async (t) => {
  const dir = tempDir(t);
  const lines = SAMPLE_TEXT.split('\n');
  writeFileSync(join(dir, 'mail.log.1.gz'), gzipSync(`${lines.slice(0, 400).join('\n')}\n`));
  writeFileSync(join(dir, 'mail.log'), lines.slice(400).join('\n'));
  const { utimesSync } = await import('node:fs');
  utimesSync(join(dir, 'mail.log.1.gz'), new Date(2026, 10, 29, 9, 9), new Date(2026, 10, 29, 9, 9));
  const r = await runCli(main, ['summary', '--json', '-r', join(dir, 'mail.log')]);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.files, [join(dir, 'mail.log.1.gz'), join(dir, 'mail.log')]);
  assert.equal(j.totals.received, 42);
  const without = JSON.parse((await runCli(main, ['summary', '--json', join(dir, 'mail.log')])).stdout);
  assert.ok(without.totals.received < 42);
});

test('bad arguments get the usage and exit status 64', async () => {
  const cases: [string[], RegExp][] = [
    [[], /^affix logs: missing subcommand\nusage: affix logs summary/],
    [['frobnicate'], /^affix logs: unknown subcommand: frobnicate\nusage:/],
    [['summary', '-Z'], /^affix logs: invalid option -- 'Z'\nusage:/],
    [['summary', '--bogus'], /^affix logs: unknown option: --bogus\n/],
    [['summary', '--top=many', SAMPLE], /^affix logs: bad --top value: many\n/],
    [['trace'], /^affix logs: trace: missing queue ID, Message-ID or address\n/],
    [['tail', 'a', 'b'], /^affix logs: tail: follows one file\n/],
    [['summary', '-c'], /^affix logs: option requires an argument -- 'c'\n/],
    [['summary', '-', '-'], /standard input \(-\) can be read only once/],
  ];
  for (const [argv, expected] of cases) {
    const r = await runCli(main, argv);
    assert.match(r.stderr, expected, argv.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.status, argv.includes('-') ? 1 : 64, argv.join(' '));
  }
});

test('an unreadable log or configuration is fatal, with the reason', async (t) => {
  const missing = await runCli(main, ['summary', '/nonexistent/mail.log']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'affix logs: fatal: open /nonexistent/mail.log: No such file or directory\n');
  const noConf = await runCli(main, ['summary', '-c', join(tempDir(t), 'nothing')]);
  assert.equal(noConf.status, 1);
  assert.match(noConf.stderr, /^affix logs: fatal: open .*main\.cf: No such file or directory\n$/);
  const stream = await runCli(main, ['summary', '-c', configDir(t, 'maillog_file = /dev/stdout\n')]);
  assert.match(stream.stderr, /maillog_file = \/dev\/stdout is a stream, not a file/);
});

test('logs trace of a bounced message prints both timelines, the delays in words, and the outcome', async () => {
  const r = await runCli(main, ['trace', '4F55D160005', SAMPLE]);
  assert.equal(r.status, 0, r.stderr);
  const o = r.stdout;
  assert.match(o, /^Message 4F55D160005 {2}message-id=<20261129090630\.4F55D160005@mx\.example\.test>\n/);
  assert.match(o, /\n {2}from=<dave@example\.test>, 283 bytes, 1 recipient\(s\), received by pickup \(uid 5002\)\n/);
  assert.match(o, /\n {2}sender non-delivery notification 5CA14160008 \(below\)\n/);
  assert.match(o, /\n {4}<user@fail\.test>: bounced \(none 5\.1\.1: test domain always fails\)\n/);
  assert.match(
    o,
    /\n {2}Nov 29 09:06:30 {2}error {5}BOUNCED for <user@fail\.test>, no connection made \[5\.1\.1\]: test domain always fails\n/,
  );
  assert.match(
    o,
    /delay: 0\.06 s = 0\.01 s waiting before the queue manager \+ 0\.01 s in the active queue \+ 0 s connection setup \+ 0\.04 s transmission\n/,
  );
  assert.match(o, /\nMessage 5CA14160008 .*\n.*\n {2}sender non-delivery notification for 4F55D160005 \(above\)\n/);
  assert.match(o, /\ndelays: "waiting before the queue manager" is/);
});

test('logs trace --json gives each message with its recipients and events; an unknown term exits 1', async () => {
  const r = await runCli(main, ['trace', '--json', '<20261129090517.012573@vm>', SAMPLE]);
  assert.equal(r.status, 0);
  const j = JSON.parse(r.stdout);
  assert.equal(j.messages.length, 1);
  const m = j.messages[0];
  assert.deepEqual([m.queue_id, m.from, m.size, m.end], ['DFC8A16044F', 'sender@example.org', 408, 'removed']);
  assert.deepEqual(m.recipients[0], {
    to: 'carol@example.test',
    orig_to: null,
    status: 'sent',
    dsn: '2.0.0',
    relay: 'local',
    text: 'delivered to mailbox',
    attempts: 1,
  });
  assert.deepEqual(
    m.events.map((e: { kind: string }) => e.kind),
    ['connect', 'client', 'message_id', 'disconnect', 'queue_active', 'delivery', 'removed'],
  );
  assert.equal(m.events[5].delays.beforeQmgr, 0.02);
  const none = await runCli(main, ['trace', 'nobody@nowhere.test', SAMPLE]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no message in .* has queue ID, message-id or address nobody@nowhere\.test/);
});

test('logs trace reads standard input too', async () => {
  const r = await runCli(main, ['trace', 'B37D2160008', '-'], { stdin: SAMPLE_TEXT });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /BOUNCED for <someone@reject\.test>, via 127\.0\.0\.1\[127\.0\.0\.1\]:32528 \[5\.3\.0\]: host 127\.0\.0\.1\[127\.0\.0\.1\] said: 500 5\.3\.0 Error: command failed \(in reply to RCPT TO command\)/,
  );
});

/** Runs `affix logs tail` as a process (it runs until a signal), collecting its output. */
function startTail(args: string[], env: Record<string, string> = {}) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'peers', 'affix_entry.ts'), 'logs', 'tail', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (pattern: RegExp) => {
    for (let i = 0; i < 1000 && !pattern.test(out); i++) await sleep(20);
    assert.match(out, pattern);
  };
  return { child, exited, until, output: () => out };
}

test('logs tail classifies the last lines and new ones, follows a rotation, and ends on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'mail.log');
  writeFileSync(log, `${SAMPLE_TEXT.split('\n').slice(10, 17).join('\n')}\n`);
  const tail = startTail(['-n', '2', log]);
  t.after(() => tail.child.kill('SIGKILL'));
  await tail.until(/removed {4}Nov 29 09:05:17 vm postfix\/qmgr\[12288\]: DFC8A16044F: removed\n/);
  assert.match(
    tail.output(),
    /^delivered {2}Nov 29 09:05:17 vm postfix\/local\[12579\]: DFC8A16044F: to=<carol@example\.test>/,
  );
  appendFileSync(
    log,
    'Nov 29 09:05:28 vm postfix/smtpd[12574]: NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <x@example.test>: Recipient address rejected: User unknown; proto=ESMTP\n',
  );
  await tail.until(/\nrejected {3}Nov 29 09:05:28 /);
  renameSync(log, `${log}.1`);
  writeFileSync(
    log,
    'Nov 29 09:13:44 vm postfix/smtp[18978]: 6151B16001A: to=<u9@remote.test>, relay=none, delay=180, delays=180/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:32526: Connection refused)\n',
  );
  await tail.until(/\ndeferred {3}Nov 29 09:13:44 /);
  assert.doesNotMatch(tail.output(), /\x1b\[/, 'piped output has no colour');
  tail.child.kill('SIGTERM');
  assert.equal(await tail.exited, 0);
});

test('logs tail colours the class word with FORCE_COLOR', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'mail.log');
  writeFileSync(log, `${SAMPLE_TEXT.split('\n').slice(14, 16).join('\n')}\n`);
  const tail = startTail([log], { FORCE_COLOR: '1' });
  t.after(() => tail.child.kill('SIGKILL'));
  await tail.until(/\x1b\[32mdelivered \x1b\[39m Nov 29 09:05:17 vm postfix\/local/);
  assert.match(tail.output(), /\x1b\[2mqueued {4}\x1b\[22m /);
  tail.child.kill('SIGTERM');
  await tail.exited;
});

test('affix logs is a command of the affix dispatcher', async () => {
  let out = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (out += s) },
    stdin: Readable.from([]),
    env: {},
    cwd: ROOT,
  };
  const { affixMain } = await import('../../src/cli/affix.ts');
  assert.equal(await affixMain('affix', ['logs', 'summary', '--json', SAMPLE], io), 0, out);
  assert.equal(JSON.parse(out).totals.delivered, 41);
});

test("logs summary counts journalctl's short-iso output, which pflogsumm cannot read", async () => {
  // journalctl -u postfix -o short-iso: `2026-11-29T09:05:17+0000 vm postfix/smtpd[12574]: ...`
  const iso = SAMPLE_TEXT.replace(/^Nov 29 (\d\d:\d\d:\d\d)/gm, '2026-11-29T$1+0000');
  assert.match(iso, /^2026-11-29T09:05:17\+0000 vm postfix\/smtpd\[12574\]: connect from localhost/m);
  const r = await runCli(main, ['summary', '--json', '-'], { stdin: iso });
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.totals.received, j.totals.delivered, j.totals.rejected], [42, 41, 16]);
  assert.equal(j.first_time, '2026-11-29T09:04:45.000Z');
});
