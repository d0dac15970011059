import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLog } from '../../src/log/log.ts';
import { StdoutSink } from '../../src/log/log_stdout_sink.ts';
import { fixedClock, NOV_01, NOV_29, runChild, srcLog, tempDir } from './log_fixtures.ts';

test('maillog_file = /dev/stdout writes postlogd lines to standard output (a pipe here)', async () => {
  const stdout = await runChild(`
    const { createLog } = await import(${JSON.stringify(srcLog('log.ts'))});
    const log = createLog({ program: 'smtpd', maillog_file: '/dev/stdout', myhostname: 'mx.example.test', pid: 17499, clock: () => ${NOV_29} });
    log.info('connect from localhost[127.0.0.1]');
    log.forProgram('qmgr', 12288).warn('saving corrupt file "ABC" from queue "active" to queue "corrupt"');
    for (let i = 0; i < 5000; i++) log.info('line ' + i);
    await log.close();`);
  const lines = stdout.split('\n');
  assert.equal(lines[0], 'Nov 29 09:11:02 mx postfix/smtpd[17499]: connect from localhost[127.0.0.1]');
  assert.equal(
    lines[1],
    'Nov 29 09:11:02 mx postfix/qmgr[12288]: warning: saving corrupt file "ABC" from queue "active" to queue "corrupt"',
  );
  // Thousands of synchronous writes to a pipe arrive whole and in order.
  assert.equal(lines.length, 2 + 5000 + 1);
  assert.equal(lines[5001], 'Nov 29 09:11:02 mx postfix/smtpd[17499]: line 4999');
});

test('StdoutSink writes each record as one line to its descriptor', (t) => {
  const dir = tempDir(t);
  const fd = openSync(join(dir, 'out'), 'a');
  t.after(() => closeSync(fd));
  const log = createLog({
    program: 'postfix-script',
    pid: 12285,
    sink: new StdoutSink({ myhostname: 'vm', clock: fixedClock(NOV_01), fd }),
  });
  log.info('the Postfix mail system is running: PID: 12285');
  assert.equal(
    readFileSync(join(dir, 'out'), 'utf8'),
    'Nov 01 09:05:17 vm postfix/postfix-script[12285]: the Postfix mail system is running: PID: 12285\n',
  );
});
