/**
 * The client as lmtp: LHLO, one reply per accepted recipient after the
 * dot, UNIX-domain and TCP sockets (`lmtp:unix:/path`, `lmtp:inet:host:port`),
 * against a scripted LMTP server and against Dovecot's LMTP server, with
 * Postfix 3.7's lmtp delivering to the same Dovecot for comparison.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { dovecotLmtpSkipReason, startDovecotLmtp } from '../peers/dovecot_lmtp.ts';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, normalise, startAgent, statusLines } from './smtp_fixtures.ts';

test('lmtp over a UNIX socket: LHLO, a status per recipient after the dot, relay=myhostname[path]', async (t) => {
  const path = join(tempDir(t), 'lmtp.sock');
  const server = await startScriptServer(t, {
    lmtp: true,
    path,
    dot: (_m, rcpt) => (rcpt?.startsWith('full') ? `552 5.2.2 <${rcpt}> Mailbox is full` : null),
  });
  const { agent, sink } = await startAgent(t, {}, 'lmtp');
  const out = await agent.deliver(
    makeRequest({
      nexthop: `unix:${path}`,
      transport: 'lmtp',
      recipients: ['a@lmtp.test', 'full@lmtp.test', 'b@lmtp.test'],
    }),
  );
  assert.deepEqual(
    out.statuses.map((s) => [s.recipient.address, s.status, s.dsn]),
    [
      ['a@lmtp.test', 'sent', '2.0.0'],
      ['full@lmtp.test', 'bounced', '5.2.2'],
      ['b@lmtp.test', 'sent', '2.0.0'],
    ],
  );
  assert.deepEqual(statusLines(sink).map(normalise), [
    `A1B2C3D4E5: to=<a@lmtp.test>, relay=client.example.test[${path}], delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (250 2.0.0 <a@lmtp.test> 1 Saved)`,
    `A1B2C3D4E5: to=<full@lmtp.test>, relay=client.example.test[${path}], delay=D, delays=D/D/D/D, dsn=5.2.2, status=bounced (host client.example.test[${path}] said: 552 5.2.2 <full@lmtp.test> Mailbox is full (in reply to end of DATA command))`,
    `A1B2C3D4E5: to=<b@lmtp.test>, relay=client.example.test[${path}], delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (250 2.0.0 <b@lmtp.test> 3 Saved)`,
  ]);
  assert.equal(server.transcripts[0]![0], 'LHLO client.example.test');
  // The session waits in the connection cache; closing the agent ends it with QUIT.
  assert.equal(server.transcripts[0]!.at(-1), 'DATA');
  await agent.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.transcripts[0]!.at(-1), 'QUIT');
});

test('lmtp defers when the socket is missing: connect to host[path]: No such file or directory', async (t) => {
  const path = join(tempDir(t), 'nothing.sock');
  const { agent, sink } = await startAgent(t, {}, 'lmtp');
  await agent.deliver(makeRequest({ nexthop: `unix:${path}`, transport: 'lmtp', recipients: ['a@lmtp.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    `A1B2C3D4E5: to=<a@lmtp.test>, relay=none, delay=D, delays=D/D/D/D, dsn=4.4.1, status=deferred (connect to client.example.test[${path}]: No such file or directory)`,
  ]);
});

const dovecotSkip = dovecotLmtpSkipReason();

test('lmtp delivers to Dovecot over UNIX and TCP sockets; an unknown user is bounced at RCPT', {
  skip: dovecotSkip,
}, async (t) => {
  const dc = await startDovecotLmtp(t, { users: ['alice', 'carol'] });
  const { agent, sink } = await startAgent(t, {}, 'lmtp');
  const content = 'From: sender@example.org\nSubject: via lmtp\n\nHello Alice.\n';
  await agent.deliver(
    makeRequest({
      nexthop: `unix:${dc.lmtpSocket}`,
      transport: 'lmtp',
      content,
      recipients: ['alice@lmtp.test', 'nobody@lmtp.test'],
    }),
  );
  await agent.deliver(
    makeRequest({
      nexthop: `inet:127.0.0.1:${dc.lmtpPort}`,
      transport: 'lmtp',
      content,
      recipients: ['carol@lmtp.test'],
    }),
  );
  const lines = statusLines(sink).map(normalise);
  assert.match(
    lines[0]!,
    /^A1B2C3D4E5: to=<nobody@lmtp\.test>, relay=client\.example\.test\[.*\/run\/lmtp\], .*dsn=5\.1\.1, status=bounced \(host client\.example\.test\[.*\/run\/lmtp\] said: 550 5\.1\.1 <nobody@lmtp\.test> User doesn't exist: nobody@lmtp\.test \(in reply to RCPT TO command\)\)$/,
  );
  assert.match(
    lines[1]!,
    /^A1B2C3D4E5: to=<alice@lmtp\.test>, relay=client\.example\.test\[.*\/run\/lmtp\], .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 <alice@lmtp\.test> \S+ Saved\)$/,
  );
  assert.match(
    lines[2]!,
    /^A1B2C3D4E5: to=<carol@lmtp\.test>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:PORT, .*dsn=2\.0\.0, status=sent \(250 2\.0\.0 <carol@lmtp\.test> \S+ Saved\)$/,
  );
  const alice = dc.fetch('alice', `maildir:${dc.maildirOf('alice')}`);
  assert.equal(alice.length, 1);
  assert.match(alice[0]!, /Subject: via lmtp\n\nHello Alice\.$/);
});

test('affix lmtp and Postfix lmtp log the same lines for Dovecot', {
  skip: dovecotSkip ?? postfixSkipReason(),
  timeout: 120_000,
}, async (t) => {
  const dc = await startDovecotLmtp(t, { users: ['alice'] });
  const dir = tempDir(t, 'affix-lmtp-');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'transport'), `lmtp.test lmtp:unix:${dc.lmtpSocket}\n`);
  const pf = await startPostfix(t, {
    main: { transport_maps: `texthash:${join(dir, 'transport')}`, myhostname: 'client.example.test' },
  });
  await submit(pf.smtpdPort, '', ['alice@lmtp.test', 'nobody@lmtp.test'], 'Subject: x\n\nbody\n');
  const { agent, sink } = await startAgent(t, {}, 'lmtp');
  await agent.deliver(
    makeRequest({
      nexthop: `unix:${dc.lmtpSocket}`,
      transport: 'lmtp',
      sender: '',
      recipients: ['alice@lmtp.test', 'nobody@lmtp.test'],
    }),
  );
  const norm = (s: string) =>
    normalise(s)
      .replace(/^\w+: /, 'ID: ')
      .replace(/<alice@lmtp\.test> \S+ Saved/, '<alice@lmtp.test> X Saved');
  for (const rcpt of ['alice@lmtp.test', 'nobody@lmtp.test']) {
    const theirs = (await pf.waitForLog(new RegExp(`postfix/lmtp\\[\\d+\\]: \\w+: to=<${rcpt}>`))).replace(
      /^.*?postfix\/lmtp\[\d+\]: /,
      '',
    );
    const ours = statusLines(sink).find((l) => l.includes(`to=<${rcpt}>`)) ?? '';
    assert.equal(norm(ours), norm(theirs), rcpt);
  }
});
