/**
 * Abuse over real sockets: client connection count and rate limits (anvil),
 * a message rate limit, 100 MB without a newline, many idle connections and
 * a slow sender while another client is served, and random byte streams
 * (fast-check) that must never crash a session or the daemon. Memory is
 * checked by bounds, never by timing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

test('smtpd_client_connection_count_limit and _rate_limit answer 421 too many connections and warn', async (t) => {
  const smtpd = await startAffixSmtpd(t, {
    mynetworks: '127.0.0.1/32',
    smtpd_client_connection_count_limit: '2',
    smtpd_client_connection_rate_limit: '0',
  });
  const a = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.7' });
  await a.expect(/^220 /);
  const b = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.7' });
  await b.expect(/^220 /);
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.7' });
  await c.expect('421 4.7.0 mx.example.test Error: too many connections from 127.0.0.7');
  await smtpd.log.waitFor('warning: Connection concurrency limit exceeded: 3 from unknown[127.0.0.7] for service smtp');
  // mynetworks (smtpd_client_event_limit_exceptions) is not limited.
  const d = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.1' });
  await d.expect(/^220 /);
  const e = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.1' });
  await e.expect(/^220 /);
  const f = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.1' });
  await f.expect(/^220 /);
});

test('smtpd_client_message_rate_limit answers 450 4.7.1 Error: too much mail', async (t) => {
  const smtpd = await startAffixSmtpd(t, { mynetworks: '127.0.0.1/32', smtpd_client_message_rate_limit: '1' });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.9' });
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RSET', '250 2.0.0 Ok');
  await c.send('MAIL FROM:<a@example.org>', '450 4.7.1 Error: too much mail from 127.0.0.9');
  await smtpd.log.waitFor(
    'warning: Message delivery request rate limit exceeded: 2 from unknown[127.0.0.9] for service smtp',
  );
});

test('100 MB without a newline costs bounded memory; the session stays in sync and others are served', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_timeout: '60s' });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  const before = process.memoryUsage().rss;
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  let peak = before;
  for (let i = 0; i < 100; i++) {
    if (!c.socket.write(chunk)) await new Promise((r) => c.socket.once('drain', r));
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  c.raw('\r\n');
  await c.expect('500 5.5.2 Error: command not recognized');
  await c.send('NOOP', '250 2.0.0 Ok');
  // The test process holds the client too; the bound is generous but far below 100 MB.
  assert.ok(peak - before < 64 * 1024 * 1024, `rss grew by ${Math.round((peak - before) / 1e6)} MB`);
  const other = await smtpDialog(t, smtpd.port);
  await other.expect(/^220 /);
});

/** The 10,000; AFFIX_IDLE_CONNECTIONS sets another count (each process needs that many descriptors). */
const IDLE = Number(process.env['AFFIX_IDLE_CONNECTIONS'] ?? 10_000);

/** The idle clients live in a child process, so that each process holds one end of each connection. */
const IDLE_CLIENTS = `
const net = require('node:net');
const [port, n] = process.argv.slice(1).map(Number);
const open = [];
let i = 0;
function next() {
  if (i === n) { process.stdout.write('ready\\n'); return; }
  const k = i++;
  const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.' + (1 + Math.floor(k / 40000)) + '.' + (1 + (Math.floor(k / 200) % 200)) + '.' + (10 + (k % 200)) }, next);
  s.on('error', (e) => { process.stdout.write('error ' + e.message + '\\n'); process.exit(1); });
  s.on('data', () => {});
  open.push(s);
}
next();
`;

test('10,000 idle connections and a slow sender leave memory bounded and another client served', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_client_connection_count_limit: '0', smtpd_timeout: '300s' });
  const before = process.memoryUsage().heapUsed;
  const child = spawn(process.execPath, ['-e', IDLE_CLIENTS, String(smtpd.port), String(IDLE)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill());
  const first = await new Promise<string>((resolve) =>
    child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d.trim())),
  );
  assert.equal(first, 'ready');
  const slow = await smtpDialog(t, smtpd.port);
  await slow.expect(/^220 /);
  for (const ch of 'NOOP') {
    slow.raw(ch);
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = await smtpDialog(t, smtpd.port);
  await c.expect('220 mx.example.test ESMTP affix');
  await c.send('NOOP', '250 2.0.0 Ok');
  slow.raw('\r\n');
  await slow.expect('250 2.0.0 Ok');
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < IDLE * 50 * 1024, `heap grew by ${Math.round(grown / 1e6)} MB for ${IDLE} sessions`);
  t.diagnostic(`${IDLE} idle sessions: smtpd heap per session ${Math.round(grown / IDLE)} bytes`);
});

test('random byte streams never crash a session or the daemon (fast-check)', async (t) => {
  const smtpd = await startAffixSmtpd(t, { smtpd_timeout: '2s', smtpd_error_sleep_time: '0' });
  const words = fc.constantFrom(
    'EHLO x\r\n',
    'HELO x\r\n',
    'MAIL FROM:<a@example.org>\r\n',
    'RCPT TO:<b@mx.example.test>\r\n',
    'DATA\r\n',
    '.\r\n',
    'BDAT 3\r\n',
    'BDAT 2 LAST\r\n',
    'RSET\r\n',
    'STARTTLS\r\n',
    'AUTH PLAIN\r\n',
    '\r\n',
    '\n',
    '\r',
    '\0',
    '<"',
    'QUIT\r\n',
  );
  const chunk = fc.oneof(
    words,
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(chunk, { maxLength: 40 }), async (parts) => {
      const s = await rawConnect(smtpd.port);
      s.on('error', () => undefined);
      s.resume();
      for (const p of parts) s.write(Buffer.from(p, 'latin1'));
      await new Promise((r) => setTimeout(r, 20));
      s.destroy();
    }),
    { numRuns: 150 },
  );
  const c = await smtpDialog(t, smtpd.port);
  await c.expect('220 mx.example.test ESMTP affix');
  await c.send('NOOP', '250 2.0.0 Ok');
  assert.ok(!smtpd.log.lines.some((l) => /unexpected error|panic:|fatal:/.test(l)), 'no session failed unexpectedly');
});
