import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { createLog } from '../../src/log/log.ts';
import { PENDING_LIMIT, SyslogSink } from '../../src/log/log_syslog_sink.ts';
import { loadUnixDgram, type UnixDgram, type UnixDgramSocket } from '../../src/log/log_unix_dgram.ts';
import { fixedClock, NOV_01, NOV_29, runChild, srcLog, tempDir } from './log_fixtures.ts';

/** A syslog server on 127.0.0.1 (ephemeral port) that queues the datagrams it receives. */
async function udpSyslogd(t: TestContext) {
  const server = createSocket('udp4');
  const received: string[] = [];
  const waiters: (() => void)[] = [];
  server.on('message', (msg) => {
    received.push(msg.toString('utf8'));
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    port: server.address().port,
    received,
    /** Resolves when `count` datagrams have arrived (fails the test after 5 s). */
    async waitFor(count: number): Promise<string[]> {
      const deadline = Date.now() + 5000;
      while (received.length < count) {
        if (Date.now() > deadline) assert.fail(`expected ${count} datagrams, got ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.slice(0, count);
    },
  };
}

const unixDgram = loadUnixDgram();
const noUnixDgram = unixDgram === null ? 'unix-dgram does not load here' : undefined;

/** A fake /dev/log: a unix datagram socket bound in a temp dir. */
function unixSyslogd(t: TestContext, mod: UnixDgram, path: string) {
  const received: string[] = [];
  const server = mod.createSocket('unix_dgram', (buf) => received.push(buf.toString('utf8')));
  server.bind(path);
  let closed = false;
  const stop = () => {
    if (!closed) server.close();
    closed = true;
  };
  t.after(stop);
  return { received, stop };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('syslog over UDP to 127.0.0.1 gets the RFC 3164 datagram, day space-padded, facility mail', async (t) => {
  const syslogd = await udpSyslogd(t);
  const dir = tempDir(t);
  const log = createLog({
    program: 'smtpd',
    syslog_name: 'postfix/submission',
    pid: 12976,
    clock: fixedClock(NOV_01),
    testing__syslog_path: join(dir, 'no-dev-log'),
    testing__syslog_port: syslogd.port,
  });
  t.after(() => log.close());
  log.info('connect from localhost[127.0.0.1]');
  log.warn('localhost[127.0.0.1]: SASL LOGIN authentication failed: authentication failure');
  log.error('unsupported dictionary type: foo');
  assert.throws(() => log.fatal('no SASL authentication mechanisms'));
  assert.deepEqual(await syslogd.waitFor(4), [
    '<22>Nov  1 09:05:17 postfix/submission/smtpd[12976]: connect from localhost[127.0.0.1]',
    '<20>Nov  1 09:05:17 postfix/submission/smtpd[12976]: warning: localhost[127.0.0.1]: SASL LOGIN authentication failed: authentication failure',
    '<19>Nov  1 09:05:17 postfix/submission/smtpd[12976]: error: unsupported dictionary type: foo',
    '<18>Nov  1 09:05:17 postfix/submission/smtpd[12976]: fatal: no SASL authentication mechanisms',
  ]);
});

test('syslog_facility = local7 changes the priority, and control characters stay out of the datagram', async (t) => {
  const syslogd = await udpSyslogd(t);
  const dir = tempDir(t);
  const log = createLog({
    program: 'smtpd',
    syslog_facility: 'local7',
    pid: 1,
    clock: fixedClock(NOV_29),
    testing__syslog_path: join(dir, 'no-dev-log'),
    testing__syslog_port: syslogd.port,
  });
  t.after(() => log.close());
  log.info('warning: forged\r\n<13>Nov 29 00:00:00 evil: x');
  assert.deepEqual(await syslogd.waitFor(1), [
    '<190>Nov 29 09:11:02 postfix/smtpd[1]: warning: forged??<13>Nov 29 00:00:00 evil: x',
  ]);
});

test('SyslogSink.close waits until queued UDP datagrams are sent', async (t) => {
  const syslogd = await udpSyslogd(t);
  const dir = tempDir(t);
  const sink = new SyslogSink({
    syslog_facility: 'mail',
    path: join(dir, 'none'),
    port: syslogd.port,
    unixDgram: null,
  });
  assert.equal(sink.transport, 'udp');
  const log = createLog({ program: 'postsuper', pid: 5, sink });
  for (let i = 0; i < 50; i++) log.info(`0B96316001${i}: removed`);
  await log.close();
  assert.equal((await syslogd.waitFor(50)).length, 50);
});

test('syslog goes to a /dev/log-style unix datagram socket when unix-dgram loads', { skip: noUnixDgram }, async (t) => {
  const mod = unixDgram!;
  const dir = tempDir(t);
  const path = join(dir, 'log');
  const syslogd = unixSyslogd(t, mod, path);
  const sink = new SyslogSink({
    syslog_facility: 'mail',
    clock: fixedClock(NOV_01),
    path,
    port: 9,
    unixDgram: mod,
    idleMs: 20,
  });
  assert.equal(sink.transport, 'unix');
  const log = createLog({ program: 'qmgr', pid: 12288, sink });
  t.after(() => log.close());
  log.info('DFC8A16044F: from=<sender@example.org>, size=408, nrcpt=1 (queue active)');
  log.warn('DFC8A16044F: message has been queued for 7 days');
  await until(() => syslogd.received.length === 2, 'two datagrams on the unix socket');
  assert.deepEqual(syslogd.received, [
    '<22>Nov  1 09:05:17 postfix/qmgr[12288]: DFC8A16044F: from=<sender@example.org>, size=408, nrcpt=1 (queue active)',
    '<20>Nov  1 09:05:17 postfix/qmgr[12288]: warning: DFC8A16044F: message has been queued for 7 days',
  ]);
  // After idleMs the socket is closed; the next record connects again.
  await new Promise((resolve) => setTimeout(resolve, 60));
  log.info('DFC8A16044F: removed');
  await until(() => syslogd.received.length === 3, 'a datagram after the idle close');
  assert.equal(syslogd.received[2], '<22>Nov  1 09:05:17 postfix/qmgr[12288]: DFC8A16044F: removed');
});

test('syslog reconnects to /dev/log after syslogd restarts', { skip: noUnixDgram }, async (t) => {
  const mod = unixDgram!;
  const dir = tempDir(t);
  const path = join(dir, 'log');
  const first = unixSyslogd(t, mod, path);
  const sink = new SyslogSink({ syslog_facility: 'mail', clock: fixedClock(NOV_01), path, unixDgram: mod, port: 9 });
  const log = createLog({ program: 'smtpd', pid: 1, sink });
  t.after(() => log.close());
  log.info('before restart');
  await until(() => first.received.length === 1, 'the first datagram');
  first.stop();
  unlinkSync(path);
  const second = unixSyslogd(t, mod, path);
  log.info('after restart');
  await until(() => second.received.length === 1, 'the datagram after the restart');
  assert.deepEqual(second.received, ['<22>Nov  1 09:05:17 postfix/smtpd[1]: after restart']);
});

test('syslog falls back to UDP when /dev/log exists but nobody listens', { skip: noUnixDgram }, async (t) => {
  const mod = unixDgram!;
  const udp = await udpSyslogd(t);
  const dir = tempDir(t);
  const path = join(dir, 'log');
  unixSyslogd(t, mod, path).stop(); // leaves a socket file nobody reads
  const sink = new SyslogSink({
    syslog_facility: 'mail',
    clock: fixedClock(NOV_01),
    path,
    unixDgram: mod,
    port: udp.port,
  });
  const log = createLog({ program: 'pickup', pid: 2, sink });
  t.after(() => log.close());
  assert.equal(sink.transport, 'unix');
  log.info('0B963160014: uid=0 from=<root>');
  assert.deepEqual(await udp.waitFor(1), ['<22>Nov  1 09:05:17 postfix/pickup[2]: 0B963160014: uid=0 from=<root>']);
});

/** A unix-dgram stand-in whose socket reports congestion for the first `busy` sends. */
function congestedUnixDgram(busy: number) {
  const delivered: string[] = [];
  let sock: (EventEmitter & UnixDgramSocket) | null = null;
  const mod: UnixDgram = {
    createSocket() {
      const s = new EventEmitter() as EventEmitter & UnixDgramSocket;
      s.bind = () => undefined;
      s.connect = () => undefined;
      s.close = () => undefined;
      s.send = (buf, cb) => {
        if (busy > 0) {
          busy--;
          cb(Object.assign(new Error('congestion'), { code: 1 }));
        } else {
          delivered.push(buf.toString('utf8'));
          cb();
        }
      };
      sock = s;
      return s;
    },
  };
  return { mod, delivered, drain: () => sock?.emit('writable') };
}

test('syslog holds records while /dev/log is congested and sends them in order when it drains', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log');
  writeFileSync(path, '');
  const fake = congestedUnixDgram(2);
  const sink = new SyslogSink({ syslog_facility: 'mail', clock: fixedClock(NOV_01), path, unixDgram: fake.mod });
  const log = createLog({ program: 'smtp', pid: 9, sink });
  t.after(() => log.close());
  log.info('one');
  log.info('two');
  log.info('three');
  assert.deepEqual(fake.delivered, []);
  fake.drain(); // 'one' meets the second congestion and stays first in line
  assert.deepEqual(fake.delivered, []);
  fake.drain();
  assert.deepEqual(fake.delivered, [
    '<22>Nov  1 09:05:17 postfix/smtp[9]: one',
    '<22>Nov  1 09:05:17 postfix/smtp[9]: two',
    '<22>Nov  1 09:05:17 postfix/smtp[9]: three',
  ]);
  assert.equal(sink.dropped, 0);
});

test('syslog drops and counts records beyond PENDING_LIMIT while /dev/log stays congested', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log');
  writeFileSync(path, '');
  const fake = congestedUnixDgram(Number.POSITIVE_INFINITY);
  const sink = new SyslogSink({ syslog_facility: 'mail', path, unixDgram: fake.mod });
  const log = createLog({ program: 'smtp', pid: 9, sink });
  for (let i = 0; i < PENDING_LIMIT + 5; i++) log.info(`record ${i}`);
  assert.equal(sink.dropped, 5);
  await log.close();
  assert.equal(sink.dropped, PENDING_LIMIT + 5);
});

test('a command that logs to /dev/log and never closes its Log still exits', { skip: noUnixDgram }, async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log');
  const syslogd = unixSyslogd(t, unixDgram!, path);
  const started = Date.now();
  await runChild(
    `
    const { createLog } = await import(${JSON.stringify(srcLog('log.ts'))});
    const log = createLog({ program: 'postsuper', pid: 4, clock: () => ${NOV_01}, testing__syslog_path: ${JSON.stringify(path)} });
    log.info('0B963160014: placed on hold');`,
    10_000,
  );
  assert.ok(Date.now() - started < 10_000, 'the child hung on its /dev/log socket');
  await until(() => syslogd.received.length === 1, "the command's datagram");
  assert.deepEqual(syslogd.received, ['<22>Nov  1 09:05:17 postfix/postsuper[4]: 0B963160014: placed on hold']);
});
