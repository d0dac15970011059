import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';

function memoryLog(program = 'smtpd') {
  const memory = new MemorySink();
  const log = createLog({ program, sink: memory, pid: 12574 });
  return { memory, log };
}

test('MemorySink.waitFor resolves when a matching line is logged later', async () => {
  const { memory, log } = memoryLog();
  const waiting = memory.waitFor('NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1', 1000);
  setTimeout(() => {
    log.info('connect from unknown[127.0.0.5]');
    log.info(
      'NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1 <someone@elsewhere.test>: Relay access denied; from=<sender@example.org> to=<someone@elsewhere.test> proto=ESMTP helo=<client.example.org>',
    );
  }, 10);
  const record = await waiting;
  assert.equal(record.tag, 'postfix/smtpd');
  assert.match(
    record.line,
    /^postfix\/smtpd\[12574\]: NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.5\]: 554 5\.7\.1 </,
  );
});

test('MemorySink.waitFor finds a line logged before the call, and a RegExp matches too', async () => {
  const { memory, log } = memoryLog();
  log.warn('hostname mismatch.example.test does not resolve to address 127.0.0.6');
  const record = await memory.waitFor(/warning: hostname \S+ does not resolve/g, 100);
  assert.equal(record.level, 'warning');
  // A /g RegExp keeps no state between lines.
  assert.equal((await memory.waitFor(/warning: hostname \S+ does not resolve/g, 100)).line, record.line);
});

test('MemorySink.waitFor ignores lines before a mark()', async () => {
  const { memory, log } = memoryLog();
  log.info('connect from localhost[127.0.0.1]');
  const since = memory.mark();
  const waiting = memory.waitFor('connect from', 1000, since);
  log.info('disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2');
  assert.equal((await waiting).text, 'disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2');
});

test('MemorySink.waitFor rejects after the timeout, quoting the lines logged instead', async () => {
  const { memory, log } = memoryLog();
  log.info('connect from localhost[127.0.0.1]');
  await assert.rejects(memory.waitFor('status=sent', 30), (err: Error) => {
    assert.match(err.message, /no log line matching "status=sent" within 30 ms/);
    assert.match(err.message, /postfix\/smtpd\[12574\]: connect from localhost\[127\.0\.0\.1\]/);
    return true;
  });
});

test('MemorySink.close rejects pending waits and drops later records', async () => {
  const { memory, log } = memoryLog();
  const waiting = memory.waitFor('never', 5000);
  await memory.close();
  await assert.rejects(waiting, /the log is closed/);
  log.info('after close');
  assert.deepEqual(memory.lines, []);
});

test('MemorySink records every program of Logs that share it', () => {
  const { memory, log } = memoryLog();
  log.info('DFC8A16044F: client=localhost[127.0.0.1]');
  log.forProgram('cleanup').info('DFC8A16044F: message-id=<20261129090517.012573@vm>');
  assert.deepEqual(memory.lines, [
    'postfix/smtpd[12574]: DFC8A16044F: client=localhost[127.0.0.1]',
    'postfix/cleanup[12574]: DFC8A16044F: message-id=<20261129090517.012573@vm>',
  ]);
});
