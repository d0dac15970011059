/**
 * The smtp client's ESMTP features and end-to-end behaviour: BODY=8BITMIME
 * and SMTPUTF8 rules, address verification (deliverable/undeliverable),
 * smuggling-safe content through a real Postfix 3.7 smtpd to a final
 * server, and pflogsumm's totals over the agent's maillog_file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import { createLog } from '../../src/log/log.ts';
import { createSmtpAgent } from '../../src/smtp/smtp.ts';
import { postfixSkipReason, startPostfix } from '../peers/postfix_instance.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { configDir, tempDir } from '../peers/tmpdir.ts';
import { BASE_MAIN_CF, mainCfText, makeRequest, normalise, startAgent, statusLines } from './smtp_fixtures.ts';

test('smtp says BODY=8BITMIME for 8-bit mail to a server offering it, and SMTPUTF8 when the sender asked', async (t) => {
  const mx = await startScriptServer(t);
  const { agent } = await startAgent(t);
  await agent.deliver(
    makeRequest({
      nexthop: `[127.0.0.1]:${mx.port}`,
      recipients: ['jürgen@remote.test'],
      content: 'Subject: Grüße\n\nÄpfel\n',
      envelope: { body8bit: true, smtputf8: true },
    }),
  );
  assert.match(mx.transcripts[0]![1]!, /^MAIL FROM:<sender@example\.org> SIZE=\d+ BODY=8BITMIME SMTPUTF8$/);
  assert.equal(mx.transcripts[0]![2], 'RCPT TO:<jürgen@remote.test> ORCPT=utf-8;j\\x{FC}rgen@remote.test');
  assert.equal(mx.messages[0]!.raw.toString('utf8'), 'Subject: Grüße\r\n\r\nÄpfel\r\n');
});

test('smtp bounces SMTPUTF8 mail with a UTF-8 address when the server does not offer SMTPUTF8', async (t) => {
  const mx = await startScriptServer(t, { ehlo: ['PIPELINING', '8BITMIME'] });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(
    makeRequest({
      nexthop: `[127.0.0.1]:${mx.port}`,
      recipients: ['jürgen@remote.test'],
      envelope: { smtputf8: true },
    }),
  );
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<jürgen@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.6.7, status=bounced (SMTPUTF8 is required, but was not offered by host 127.0.0.1[127.0.0.1])',
  ]);
});

test('smtp address verification: RCPT then RSET, logged deliverable or undeliverable, nothing sent', async (t) => {
  const mx = await startScriptServer(t, {
    rcpt: (a) => (a.startsWith('no') ? `550 5.1.1 <${a}>: User unknown` : null),
  });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(
    makeRequest({
      nexthop: `[127.0.0.1]:${mx.port}`,
      recipients: ['yes@remote.test', 'no@remote.test'],
      verifyOnly: true,
    }),
  );
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<yes@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)',
    'A1B2C3D4E5: to=<no@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.1.1, status=undeliverable (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <no@remote.test>: User unknown (in reply to RCPT TO command))',
  ]);
  assert.equal(mx.messages.length, 0);
  assert.ok(mx.transcripts[0]!.includes('RSET'));
});

test('affix → Postfix 3.7 smtpd → final server: tricky content arrives unchanged, one message only', {
  skip: postfixSkipReason(),
  timeout: 60_000,
}, async (t) => {
  const final = await startScriptServer(t);
  const pf = await startPostfix(t, {
    main: { relayhost: `[127.0.0.1]:${final.port}`, smtpd_forbid_bare_newline: 'reject' },
  });
  const { agent, sink } = await startAgent(t);
  const long = 'x'.repeat(1500);
  const content = `Subject: edge cases\n\n.leading dot\n..two dots\n.\nnot the end\r.\rMAIL FROM:<evil@example.org>\n${long}\nlast line without newline`;
  const out = await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${pf.smtpdPort}`, recipients: ['rcpt@remote.test'], content }),
  );
  assert.equal(out.statuses[0]!.status, 'sent', statusLines(sink).join('\n'));
  assert.match(out.statuses[0]!.reason, /^250 2\.0\.0 Ok: queued as \w+$/);
  await pf.waitForLog(/postfix\/smtp\[\d+\]: \w+: to=<rcpt@remote\.test>.*status=sent/);
  assert.equal(final.messages.length, 1);
  const body = final.messages[0]!.content.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  assert.equal(
    body,
    `.leading dot\r\n..two dots\r\n.\r\nnot the end\r\n.\r\nMAIL FROM:<evil@example.org>\r\n${'x'.repeat(998)}\r\n ${'x'.repeat(502)}\r\nlast line without newline\r\n`,
  );
});

test('pflogsumm over the smtp agent maillog_file counts delivered, deferred and bounced recipients', {
  skip: missingPrograms(['pflogsumm']),
}, async (t) => {
  const mx = await startScriptServer(t, {
    rcpt: (a) =>
      a.startsWith('bad') ? `550 5.1.1 <${a}>: unknown` : a.startsWith('later') ? `450 4.2.0 <${a}>: later` : null,
  });
  const dir = tempDir(t);
  const maillog = join(dir, 'maillog');
  const config = await readConfig(configDir(t, mainCfText(BASE_MAIN_CF)));
  const log = createLog({
    program: 'smtp',
    maillog_file: maillog,
    maillog_file_prefixes: dir,
    myhostname: 'client.example.test',
  });
  const agent = await createSmtpAgent('smtp', { config, log });
  t.after(async () => {
    await agent.close();
    await log.close();
  });
  const rcpts = ['a', 'b', 'bad1', 'later1', 'c', 'bad2'].map((u) => `${u}@remote.test`);
  for (const [i, r] of rcpts.entries()) {
    await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: [r], queueId: `ABCDEF${i}` }));
  }
  await log.close();
  const report = execFileSync(findProgram('pflogsumm')!, [maillog], { encoding: 'utf8' });
  const total = (label: string) => Number(new RegExp(`^\\s*(\\d+)\\s+${label}\\b`, 'm').exec(report)?.[1]);
  assert.equal(total('delivered'), 3, report);
  assert.equal(total('deferred'), 1, report);
  assert.equal(total('bounced'), 2, report);
});

test('smtp connects from smtp_bind_address', async (t) => {
  const mx = await startScriptServer(t);
  const { agent } = await startAgent(t, { smtp_bind_address: '127.0.0.9' });
  const out = await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'] }));
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.deepEqual(mx.peers, ['127.0.0.9']);
});

test('smtp at level may: a failed TLS handshake defers new mail, and retries old mail in plaintext', async (t) => {
  const mx = await startScriptServer(t, { breakTls: true });
  const { agent, sink } = await startAgent(t, { smtp_tls_security_level: 'may' });
  const fresh = await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['new@remote.test'] }),
  );
  assert.equal(fresh.statuses[0]!.status, 'deferred');
  assert.equal(fresh.siteFailure, false, 'opportunistic TLS failures do not throttle the destination');
  assert.match(statusLines(sink)[0]!, /dsn=4\.7\.5, status=deferred \(Cannot start TLS: handshake failure\)$/);
  // Mail older than minimal_backoff_time goes out in plaintext after the failed handshake.
  const old = await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['old@remote.test'], age: 600 }),
  );
  assert.equal(old.statuses[0]!.status, 'sent');
  assert.equal(mx.messages[0]!.tls, false);
  assert.ok(
    sink.records.some((r) => /^SSL_connect error to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: lost connection$/.test(r.text)),
  );
});
