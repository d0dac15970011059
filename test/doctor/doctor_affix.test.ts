/**
 * `affix doctor` on affix itself: the real affix daemon (smtpd, cleanup,
 * qmgr, the smtp and local agents) on loopback refuses to relay for an
 * outside client, defers a message to an unreachable destination and
 * bounces one for an unknown local user; the doctor reads affix's own log
 * (maillog_file) and affix's queue store, and names all three; then a
 * test message through affix's own sendmail is followed to its delivery.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSubmitter } from '../../src/cli/doctor_inputs.ts';
import { affixInstance } from '../peers/affix_instance.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { freePort } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { assertFinding, findingOf, runCheck } from './doctor_harness.ts';

test('affix doctor on an affix daemon: relay denied, deferred to an unreachable host, unknown local user', async (t) => {
  const port = await freePort();
  const inst = affixInstance(
    t,
    [
      'smtpd_peername_lookup = no',
      'mynetworks = 127.0.0.1/32',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'transport_maps = inline:{ unreachable.test=smtp:[127.0.0.1]:1, sink.test=discard:sunk }',
      'smtp_dns_support_level = disabled',
      '',
    ].join('\n'),
    [
      `127.0.0.1:${port} inet n - n - - smtpd`,
      'cleanup unix n - n - 0 cleanup',
      'qmgr unix n - n 300 1 qmgr',
      'smtp unix - - n - - smtp',
      'local unix - n n - - local',
      'error unix - - n - - error',
      'discard unix - - n - - discard',
      'pickup unix n - n 60 1 pickup',
      'retry unix - - n - - error',
      '',
    ].join('\n'),
  );
  await startTestMaster(t, inst.configDir);

  const c = await smtpDialog(t, port, { localAddress: '127.0.0.9' });
  await c.expect(/^220 /);
  await c.send('EHLO outsider.example.org', /^250/);
  await c.send('MAIL FROM:<x@example.org>', /^250/);
  await c.send('RCPT TO:<victim@elsewhere.test>', /^454 4\.7\.1 <victim@elsewhere\.test>: Relay access denied/);
  await c.send('QUIT', /^221/);
  const send = async (rcpt: string) => {
    const s = await smtpDialog(t, port);
    await s.expect(/^220 /);
    await s.send('EHLO client.example.test', /^250/);
    await s.send('MAIL FROM:<alice@example.test>', /^250/);
    await s.send(`RCPT TO:<${rcpt}>`, /^250/);
    await s.send('DATA', /^354/);
    await s.send(`Subject: to ${rcpt}\r\n\r\nhello\r\n.`, /^250 2\.0\.0 Ok: queued as /);
    await s.send('QUIT', /^221/);
  };
  await send('bob@unreachable.test');
  await send('nosuchuser@mx.example.test');
  await inst.waitForLog(/to=<bob@unreachable\.test>.*status=deferred/);
  await inst.waitForLog(/to=<nosuchuser@mx\.example\.test>.*status=bounced/);
  await inst.waitForLog(/disconnect from unknown\[127\.0\.0\.9\]/);

  const opts = { configDir: inst.configDir, logs: [inst.logFile], queue: { kind: 'auto' as const } };
  const relay = await runCheck(t, 'relay', opts);
  const denied = relay.findings.find((f) => f.id.startsWith('relay.denied_'));
  assert.ok(denied !== undefined, relay.findings.map((f) => f.id).join(' '));
  assertFinding(denied, {
    evidence:
      /NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.9\]: 454 4\.7\.1 <victim@elsewhere\.test>: Relay access denied/,
  });
  assert.ok(denied.evidence.some((e) => /is not in mynetworks \(127\.0\.0\.1\/32\)/.test(e)));

  const q = await runCheck(t, 'queue', opts);
  const d = findingOf(q.findings, 'queue.deferred');
  // the second message waits for its bounce (affix's bounce service is not there yet)
  assert.match(d.title, /^2 messages deferred \(2 recipients, 2 destinations\)/);
  assertFinding(d, { evidence: /^affix queue .*deferred 2/ });
  assert.ok(
    d.evidence.some((e) => /1 × connection refused \(unreachable\.test\)/.test(e)),
    d.evidence.join('\n'),
  );

  const mb = await runCheck(t, 'mailbox', opts);
  assertFinding(findingOf(mb.findings, 'mailbox.local_unknown', /nosuchuser/), {
    evidence: /status=bounced \(unknown user: "nosuchuser"\)/,
    fix: /newaliases/,
  });

  // send-test through affix's own sendmail (run from source, as bin/affix.js runs it from dist/)
  const entry = join(import.meta.dirname, '..', 'peers', 'affix_entry.ts');
  const submit = spawnSubmitter(
    process.execPath,
    ['--import', 'tsx', entry, 'sendmail', '-C', inst.configDir],
    'affix sendmail',
  );
  const st = await runCheck(t, 'send-test', {
    ...opts,
    sendTest: { address: 'someone@sink.test', from: 'doctor@example.test', submit, wait: 60 },
  });
  const sent = findingOf(st.findings, 'send-test.delivered');
  assert.match(sent.title, /delivered to someone@sink\.test via none|delivered to someone@sink\.test via discard/);
  assert.ok(
    sent.evidence.some((e) => /received from local submission/.test(e)),
    sent.evidence.join('\n'),
  );
});
