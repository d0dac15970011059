import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLog, type LogOptions } from '../../src/log/log.ts';
import { FatalError, PanicError } from '../../src/log/log_errors.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { fixedClock, NOV_29, tempDir } from './log_fixtures.ts';

function memoryLog(options: Partial<LogOptions> = {}) {
  const memory = new MemorySink();
  const log = createLog({ program: 'smtpd', pid: 12574, ...options, sink: memory });
  return { memory, log };
}

/** Collects what a command would print on stderr. */
function stderrCapture() {
  const chunks: string[] = [];
  return { stream: { write: (text: string) => chunks.push(text) }, text: () => chunks.join('') };
}

test('Log puts warning:, error:, fatal:, panic: inside the text and nothing before info', () => {
  const { memory, log } = memoryLog();
  log.info('connect from localhost[127.0.0.1]');
  log.warn('hostname mismatch.example.test does not resolve to address 127.0.0.6');
  log.error('open database /etc/postfix/access.db: No such file or directory');
  assert.throws(() => log.fatal('bad numerical configuration: smtpd_recipient_limit = x'), FatalError);
  assert.throws(() => log.panic('rcptCmd: RCPT dispatched during DATA'), PanicError);
  assert.deepEqual(memory.lines, [
    'postfix/smtpd[12574]: connect from localhost[127.0.0.1]',
    'postfix/smtpd[12574]: warning: hostname mismatch.example.test does not resolve to address 127.0.0.6',
    'postfix/smtpd[12574]: error: open database /etc/postfix/access.db: No such file or directory',
    'postfix/smtpd[12574]: fatal: bad numerical configuration: smtpd_recipient_limit = x',
    'postfix/smtpd[12574]: panic: rcptCmd: RCPT dispatched during DATA',
  ]);
  assert.deepEqual(
    memory.records.map((r) => r.level),
    ['info', 'warning', 'error', 'fatal', 'panic'],
  );
});

test('Log.fatal throws a FatalError carrying the text, after the line is logged', () => {
  const { memory, log } = memoryLog();
  try {
    log.fatal('open logfile /x: Permission denied');
    assert.fail('fatal returned');
  } catch (err) {
    assert.ok(err instanceof FatalError);
    assert.equal(err.text, 'open logfile /x: Permission denied');
    assert.equal(err.message, 'open logfile /x: Permission denied');
    assert.equal(memory.lines.length, 1);
  }
});

test('Log.panic throws a PanicError, not a FatalError', () => {
  const { log } = memoryLog();
  assert.throws(
    () => log.panic('qmgr_entry_done: bad entry'),
    (err: unknown) =>
      err instanceof PanicError && !(err instanceof FatalError) && err.text === 'qmgr_entry_done: bad entry',
  );
});

test('Log tags records postfix/submission/smtpd under -o syslog_name=postfix/submission', () => {
  const { memory, log } = memoryLog({ syslog_name: 'postfix/submission', pid: 12976 });
  log.info('E9FB1160073: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@mx.example.test');
  assert.equal(log.tag, 'postfix/submission/smtpd');
  assert.deepEqual(memory.lines, [
    'postfix/submission/smtpd[12976]: E9FB1160073: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@mx.example.test',
  ]);
});

test('Log.forProgram shares the sink, syslog_name and pid, and may take its own pid', () => {
  const { memory, log } = memoryLog();
  const qmgr = log.forProgram('qmgr');
  qmgr.info('DFC8A16044F: removed');
  log.forProgram('local', 12579).info('DFC8A16044F: to=<carol@example.test>, relay=local, status=sent');
  assert.equal(qmgr.tag, 'postfix/qmgr');
  assert.deepEqual(memory.lines, [
    'postfix/qmgr[12574]: DFC8A16044F: removed',
    'postfix/local[12579]: DFC8A16044F: to=<carol@example.test>, relay=local, status=sent',
  ]);
});

test('Log neutralises CR, LF and control characters from untrusted text: one record, one line', () => {
  const { memory, log } = memoryLog();
  log.warn(
    'non-SMTP command from unknown[127.0.0.5]: GET / HTTP/1.0\r\nHost: x\r\n\r\nfake: connect from evil\x00\x1b[2J',
  );
  assert.equal(memory.lines.length, 1);
  assert.equal(
    memory.lines[0],
    'postfix/smtpd[12574]: warning: non-SMTP command from unknown[127.0.0.5]: GET / HTTP/1.0??Host: x????fake: connect from evil??[2J',
  );
});

test('Log follows smtputf8_enable: UTF-8 kept by default, each byte ? when disabled', () => {
  const on = memoryLog();
  on.log.info('to=<josé@example.test>');
  const off = memoryLog({ smtputf8_enable: false });
  off.log.info('to=<josé@example.test>');
  assert.equal(on.memory.records[0]?.text, 'to=<josé@example.test>');
  assert.equal(off.memory.records[0]?.text, 'to=<jos??@example.test>');
});

test('Log cuts a record to 2000 bytes of text, after the severity prefix', () => {
  const { memory, log } = memoryLog();
  log.warn(`header_checks: ${'x'.repeat(3000)}`);
  assert.equal(memory.records[0]?.text.length, 2000);
  assert.equal(memory.lines[0]?.length, 'postfix/smtpd[12574]: warning: '.length + 2000);
});

test('Log echoes records on stderr as "program: text", like postsuper on a terminal', () => {
  const err = stderrCapture();
  const { memory, log } = memoryLog({ program: 'postsuper', stderr: err.stream });
  log.info('0B963160014: placed on hold');
  log.warn('0B963160014: no such file');
  assert.throws(() => log.fatal('usage: postsuper [-c config_dir]'), FatalError);
  assert.equal(
    err.text(),
    'postsuper: 0B963160014: placed on hold\npostsuper: warning: 0B963160014: no such file\npostsuper: fatal: usage: postsuper [-c config_dir]\n',
  );
  assert.equal(memory.lines[0], 'postfix/postsuper[12574]: 0B963160014: placed on hold');
});

test('Log echoes with the whole tag under stderrTag: tag, as postlog -t does for postfix-script', () => {
  const err = stderrCapture();
  const { log } = memoryLog({ program: 'postfix-script', stderr: err.stream, stderrTag: 'tag' });
  log.info('the Postfix mail system is running: PID: 12285');
  assert.equal(err.text(), 'postfix/postfix-script: the Postfix mail system is running: PID: 12285\n');
});

test('createLog refuses a maillog_file outside maillog_file_prefixes, as maillog_client_init()', (t) => {
  const dir = tempDir(t);
  const err = stderrCapture();
  const file = join(dir, 'maillog');
  assert.throws(
    () => createLog({ program: 'postfix', maillog_file: file, stderr: err.stream }),
    (e: unknown) =>
      e instanceof FatalError &&
      e.text === `maillog_file value '${file}' does not match any prefix in maillog_file_prefixes`,
  );
  assert.equal(
    err.text(),
    `postfix: fatal: maillog_file value '${file}' does not match any prefix in maillog_file_prefixes\n`,
  );
});

test('createLog accepts a maillog_file under one of several maillog_file_prefixes', async (t) => {
  const dir = tempDir(t);
  const log = createLog({
    program: 'smtpd',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: `/var, ${dir}`,
    myhostname: 'mx.example.test',
    pid: 1,
    clock: fixedClock(NOV_29),
  });
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    'Nov 29 09:11:02 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]\n',
  );
});

test('createLog refuses an unknown syslog_facility', () => {
  assert.throws(
    () => createLog({ program: 'smtpd', syslog_facility: 'mial' }),
    (e: unknown) => e instanceof FatalError && e.text === 'parameter syslog_facility: unrecognized value: mial',
  );
});

test('createLog warns about a bad maillog_file_permissions and creates the file 0600', async (t) => {
  const dir = tempDir(t);
  const err = stderrCapture();
  const log = createLog({
    program: 'postlogd',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    maillog_file_permissions: '0666',
    stderr: err.stream,
    pid: 7,
  });
  t.after(() => log.close());
  assert.equal(err.text(), 'postlogd: warning: ignoring bad permissions: maillog_file_permissions = 0666\n');
  assert.equal(statSync(join(dir, 'maillog')).mode & 0o777, 0o600);
});
