/**
 * The smtp client against a scripted remote MX on loopback: what each
 * reply does to each recipient and what the status line says, as Postfix
 * logs it (timing and ports normalised).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { makeRequest, normalise, startAgent, statusLines } from './smtp_fixtures.ts';

const ID = 'A1B2C3D4E5';

test('smtp delivers to a 250 server: status=sent with the final reply, content in CRLF', async (t) => {
  const mx = await startScriptServer(t);
  const { agent, sink } = await startAgent(t);
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['user@remote.test'] }));
  assert.equal(out.siteFailure, false);
  assert.deepEqual(
    out.statuses.map((s) => [s.recipient.address, s.status, s.dsn, s.reason, s.relay]),
    [['user@remote.test', 'sent', '2.0.0', '250 2.0.0 Ok: queued as Q1', `127.0.0.1[127.0.0.1]:${mx.port}`]],
  );
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<user@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as Q1)`,
  ]);
  assert.equal(mx.messages.length, 1);
  assert.equal(mx.messages[0]!.mailFrom, 'sender@example.org');
  assert.equal(
    mx.messages[0]!.content,
    'From: sender@example.org\r\nTo: rcpt@remote.test\r\nSubject: test\r\n\r\nHello.\r\n',
  );
  assert.deepEqual(mx.transcripts[0]!.slice(0, 2), [
    'EHLO client.example.test',
    'MAIL FROM:<sender@example.org> SIZE=68',
  ]);
});

test('smtp bounces a 550 recipient, defers a 450 one, and sends the rest', async (t) => {
  const mx = await startScriptServer(t, {
    rcpt: (a) =>
      a.startsWith('bad')
        ? `550 5.1.1 <${a}>: Recipient address rejected: User unknown in local recipient table`
        : a.startsWith('later')
          ? `450 4.2.0 <${a}>: Recipient address rejected: Greylisted`
          : null,
  });
  const { agent, sink } = await startAgent(t);
  const out = await agent.deliver(
    makeRequest({
      nexthop: `[127.0.0.1]:${mx.port}`,
      recipients: ['bad@remote.test', 'good@remote.test', 'later@remote.test'],
    }),
  );
  assert.deepEqual(
    out.statuses.map((s) => [s.recipient.address, s.status, s.dsn]),
    [
      ['bad@remote.test', 'bounced', '5.1.1'],
      ['later@remote.test', 'deferred', '4.2.0'],
      ['good@remote.test', 'sent', '2.0.0'],
    ],
  );
  const bad = out.statuses[0]!;
  assert.equal(bad.remoteMta, 'dns;127.0.0.1');
  assert.equal(
    bad.diagnostic,
    'smtp;550 5.1.1 <bad@remote.test>: Recipient address rejected: User unknown in local recipient table',
  );
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<bad@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <bad@remote.test>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command))`,
    `${ID}: to=<later@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.2.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.2.0 <later@remote.test>: Recipient address rejected: Greylisted (in reply to RCPT TO command))`,
    `${ID}: to=<good@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as Q1)`,
  ]);
  assert.deepEqual(mx.messages[0]!.rcpts, ['good@remote.test']);
  assert.equal(out.siteFailure, false);
});

test('smtp defers on connection refused, logs the connect line, and reports a site failure', async (t) => {
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as { port: number }).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const { agent, sink } = await startAgent(t);
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${port}`, recipients: ['user@remote.test'] }));
  assert.equal(out.siteFailure, true);
  assert.equal(out.statuses[0]!.status, 'deferred');
  const texts = sink.records.map((r) => normalise(r.text));
  assert.ok(texts.includes('connect to 127.0.0.1[127.0.0.1]:PORT: Connection refused'), texts.join('\n'));
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<user@remote.test>, relay=none, delay=D, delays=D/D/D/D, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:PORT: Connection refused)`,
  ]);
});

test('smtp times out on a silent server while receiving the initial server greeting', async (t) => {
  const mx = await startScriptServer(t, { greeting: 'hang' });
  const { agent, sink } = await startAgent(t, { smtp_helo_timeout: '1s' });
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['user@remote.test'] }));
  assert.equal(out.siteFailure, true);
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<user@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.4.2, status=deferred (conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting)`,
  ]);
});

test('smtp: a 421 greeting refuses; a 554 greeting is deferred under smtp_skip_5xx_greeting', async (t) => {
  const busy = await startScriptServer(t, { greeting: '421 4.3.2 mx.test Service not available' });
  const closed = await startScriptServer(t, { greeting: '554 5.7.1 mx.test No SMTP service here' });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${busy.port}`, recipients: ['a@remote.test'] }));
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${closed.port}`, recipients: ['b@remote.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<a@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.3.2, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.3.2 mx.test Service not available)`,
    `${ID}: to=<b@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 mx.test No SMTP service here)`,
  ]);
});

test('smtp reports a lost connection with the stage it happened in', async (t) => {
  const mx = await startScriptServer(t, { rcpt: () => 'close' });
  const { agent, sink } = await startAgent(t);
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['user@remote.test'] }));
  assert.equal(out.siteFailure, true);
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<user@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.4.2, status=deferred (lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO)`,
  ]);
});

test('smtp bounces everyone when MAIL FROM is refused, and when the end of DATA is refused', async (t) => {
  const mailNo = await startScriptServer(t, {
    mail: () => '553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user',
  });
  const dotNo = await startScriptServer(t, { dot: () => '554 5.7.1 Error: message content rejected' });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${mailNo.port}`, recipients: ['a@remote.test', 'b@remote.test'] }),
  );
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${dotNo.port}`, recipients: ['c@remote.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<a@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user (in reply to MAIL FROM command))`,
    `${ID}: to=<b@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user (in reply to MAIL FROM command))`,
    `${ID}: to=<c@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 5.7.1 Error: message content rejected (in reply to end of DATA command))`,
  ]);
  assert.deepEqual(mailNo.transcripts[0]!.slice(1), [
    'MAIL FROM:<sender@example.org> SIZE=68',
    'RCPT TO:<a@remote.test> ORCPT=rfc822;a@remote.test',
    'RCPT TO:<b@remote.test> ORCPT=rfc822;b@remote.test',
    'DATA',
    'RSET',
  ]);
});

test('smtp applies soft_bounce: a 550 becomes SOFTBOUNCE with a 4.x.x status', async (t) => {
  const mx = await startScriptServer(t, { rcpt: (a) => `550 5.1.1 <${a}>: User unknown` });
  const { agent, sink } = await startAgent(t, { soft_bounce: 'yes' });
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'] }));
  assert.equal(out.statuses[0]!.status, 'deferred');
  assert.equal(out.statuses[0]!.dsn, '4.1.1');
  assert.match(
    statusLines(sink)[0]!,
    /dsn=4\.1\.1, status=SOFTBOUNCE \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 <x@remote\.test>: User unknown \(in reply to RCPT TO command\)\)$/,
  );
});

test('smtp refuses to send a message larger than the server SIZE limit', async (t) => {
  const mx = await startScriptServer(t, { ehlo: ['PIPELINING', 'SIZE 10'] });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    `${ID}: to=<x@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.3.4, status=bounced (message size 68 exceeds size limit 10 of server 127.0.0.1[127.0.0.1])`,
  ]);
  assert.equal(mx.messages.length, 0);
});

test('smtp falls back to HELO when EHLO is refused, and then sends no ESMTP parameters', async (t) => {
  const mx = await startScriptServer(t, { ehloReply: '502 5.5.1 Error: command not implemented' });
  const { agent } = await startAgent(t);
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'] }));
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.deepEqual(mx.transcripts[0]!.slice(0, 3), [
    'EHLO client.example.test',
    'HELO client.example.test',
    'MAIL FROM:<sender@example.org>',
  ]);
});

test('smtp sends per-recipient NOTIFY and ORCPT, and ENVID and RET, only to a server offering DSN', async (t) => {
  const withDsn = await startScriptServer(t);
  const noDsn = await startScriptServer(t, { ehlo: ['PIPELINING'] });
  const { agent } = await startAgent(t);
  const spec = {
    recipients: [
      { address: 'a@remote.test', original: 'a@remote.test', notify: 2 | 4, orcpt: 'rfc822;A+x@remote.test' },
      { address: 'b@remote.test', original: 'bee@remote.test', notify: 1 },
    ],
    envelope: { envid: 'env id=1', ret: 'HDRS' as const },
  };
  await agent.deliver(makeRequest({ ...spec, nexthop: `[127.0.0.1]:${withDsn.port}` }));
  await agent.deliver(makeRequest({ ...spec, nexthop: `[127.0.0.1]:${noDsn.port}` }));
  assert.deepEqual(withDsn.transcripts[0]!.slice(1, 4), [
    'MAIL FROM:<sender@example.org> SIZE=68 ENVID=env+20id+3D1 RET=HDRS',
    'RCPT TO:<a@remote.test> ORCPT=rfc822;A+2Bx@remote.test NOTIFY=SUCCESS,FAILURE',
    'RCPT TO:<b@remote.test> ORCPT=rfc822;bee@remote.test NOTIFY=NEVER',
  ]);
  assert.deepEqual(noDsn.transcripts[0]!.slice(1, 4), [
    'MAIL FROM:<sender@example.org>',
    'RCPT TO:<a@remote.test>',
    'RCPT TO:<b@remote.test>',
  ]);
});

test('smtp reuses a cached connection for the next request: one connection, conn_use=2', async (t) => {
  const mx = await startScriptServer(t);
  const { agent, sink } = await startAgent(t);
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['a@remote.test'] }));
  await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['b@remote.test'], queueId: 'B1B2C3D4E5' }),
  );
  assert.equal(mx.connections, 1);
  assert.equal(mx.messages.length, 2);
  const lines = statusLines(sink);
  assert.doesNotMatch(lines[0]!, /conn_use/);
  assert.match(
    lines[1]!,
    /^B1B2C3D4E5: to=<b@remote\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, conn_use=2, delay=/,
  );
  assert.deepEqual(
    mx.transcripts[0]!.filter((l) => !l.startsWith('RCPT') && !l.startsWith('MAIL')),
    ['EHLO client.example.test', 'DATA', 'RSET', 'DATA'],
  );
});

test('smtp tries smtp_fallback_relay after the nexthop fails', async (t) => {
  const relay = await startScriptServer(t);
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const port = (dead.address() as { port: number }).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const { agent, sink } = await startAgent(t, { smtp_fallback_relay: `[127.0.0.1]:${relay.port}` });
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${port}`, recipients: ['x@remote.test'] }));
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.equal(relay.messages.length, 1);
  assert.ok(sink.records.some((r) => r.text === `connect to 127.0.0.1[127.0.0.1]:${port}: Connection refused`));
});
