import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createLog } from '../../src/log/log.ts';
import { FatalError } from '../../src/log/log_errors.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { StdoutSink } from '../../src/log/log_stdout_sink.ts';
import { fileLog, fixedClock, NOV_01, tempDir } from './log_fixtures.ts';

test('Log.rotate renames maillog_file with maillog_file_rotate_suffix, gzips it, and logs on in a new file', async (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_01);
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  log.info('disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2');
  const result = await log.rotate();
  log.info('connect from unknown[127.0.0.5]');

  const renamed = join(dir, 'maillog.20261101-090517');
  assert.deepEqual(result, { renamed, compressed: `${renamed}.gz` });
  assert.deepEqual(readdirSync(dir).sort(), ['maillog', 'maillog.20261101-090517.gz']);
  assert.equal(
    gunzipSync(readFileSync(`${renamed}.gz`)).toString('utf8'),
    'Nov 01 09:05:17 mx postfix/smtpd[17499]: connect from localhost[127.0.0.1]\n' +
      'Nov 01 09:05:17 mx postfix/smtpd[17499]: disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2\n',
  );
  assert.equal(statSync(`${renamed}.gz`).mode & 0o777, 0o600);
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    'Nov 01 09:05:17 mx postfix/smtpd[17499]: connect from unknown[127.0.0.5]\n',
  );
});

test('Log.rotate follows a custom maillog_file_rotate_suffix', async (t) => {
  const dir = tempDir(t);
  const log = fileLog(dir, NOV_01, { maillog_file_rotate_suffix: '%Y-%m-%d' });
  t.after(() => log.close());
  log.info('one line');
  const result = await log.rotate();
  assert.equal(result.compressed, join(dir, 'maillog.2026-11-01.gz'));
  assert.ok(existsSync(join(dir, 'maillog.2026-11-01.gz')));
});

test('Log.rotate runs another maillog_file_compressor as "compressor file", without a shell', async (t) => {
  const dir = tempDir(t);
  const compressor = join(dir, 'fake-xz');
  writeFileSync(compressor, '#!/bin/sh\nmv "$1" "$1.fake"\n', { mode: 0o755 });
  mkdirSync(join(dir, 'log'));
  const log = fileLog(dir, NOV_01, { maillog_file: join(dir, 'log', 'maillog'), maillog_file_compressor: compressor });
  t.after(() => log.close());
  log.info('one line');
  const result = await log.rotate();
  assert.deepEqual(result, { renamed: join(dir, 'log', 'maillog.20261101-090517'), compressed: null });
  assert.deepEqual(readdirSync(join(dir, 'log')).sort(), ['maillog', 'maillog.20261101-090517.fake']);
});

test("Log.rotate that fails is fatal: logged, then FatalError with postfix-script's text", async (t) => {
  const dir = tempDir(t);
  const compressor = join(dir, 'broken');
  writeFileSync(compressor, '#!/bin/sh\necho "broken: disk on fire" >&2\nexit 1\n', { mode: 0o755 });
  const log = fileLog(dir, NOV_01, { maillog_file_compressor: compressor });
  t.after(() => log.close());
  await assert.rejects(
    log.rotate(),
    (e: unknown) =>
      e instanceof FatalError && e.text === `logfile '${join(dir, 'maillog')}' rotation failed: broken: disk on fire`,
  );
  assert.equal(
    readFileSync(join(dir, 'maillog'), 'utf8'),
    `Nov 01 09:05:17 mx postfix/smtpd[17499]: fatal: logfile '${join(dir, 'maillog')}' rotation failed: broken: disk on fire\n`,
  );
});

test('Log.rotate refuses maillog_file = /dev/stdout, as postfix-script does', async (t) => {
  const dir = tempDir(t);
  const fd = openSync(join(dir, 'stdout'), 'a');
  t.after(() => closeSync(fd));
  const log = createLog({
    program: 'postlogd',
    pid: 3,
    sink: new StdoutSink({ myhostname: 'mx', clock: fixedClock(NOV_01), fd }),
  });
  await assert.rejects(
    log.rotate(),
    (e: unknown) => e instanceof FatalError && e.text === "not rotating '/dev/stdout'",
  );
  assert.equal(
    readFileSync(join(dir, 'stdout'), 'utf8'),
    "Nov 01 09:05:17 mx postfix/postlogd[3]: fatal: not rotating '/dev/stdout'\n",
  );
});

test('Log.rotate without maillog_file (syslog) fails as postfix logrotate does', async () => {
  const log = createLog({ program: 'postfix', sink: new MemorySink() });
  await assert.rejects(
    log.rotate(),
    (e: unknown) =>
      e instanceof FatalError && e.text === "empty 'maillog_file' parameter value - logfile rotation failed",
  );
});
