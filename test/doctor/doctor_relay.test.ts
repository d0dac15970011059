/**
 * Check 1, relay access denied: the causes read from the log of a real
 * Postfix (own domain missing from the lists, no SASL, AUTH only on
 * submission), the open relays of broken configurations, and the relay
 * probe against a real Postfix on loopback, closed and open.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startPostfixOrReason } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { configDir } from '../peers/tmpdir.ts';
import {
  assertFinding,
  assertNoFinding,
  baseMainCf,
  findingOf,
  runCheck,
  SAMPLE_LOG,
  SAMPLE_MAIN_CF,
  SAMPLE_MASTER_CF,
} from './doctor_harness.ts';

test('doctor relay explains the sample log: 554 Relay access denied for an unauthenticated client', async (t) => {
  const r = await runCheck(t, 'relay', {
    mainCf: readFileSync(SAMPLE_MAIN_CF, 'utf8'),
    masterCf: readFileSync(SAMPLE_MASTER_CF, 'utf8'),
    logs: [SAMPLE_LOG],
  });
  const f = findingOf(
    r.findings,
    'relay.denied_not_authenticated',
    /unknown\[127\.0\.0\.5\] to elsewhere\.test \(postfix\)/,
  );
  assertFinding(f, {
    severity: 'warning',
    evidence: /554 5\.7\.1 <someone@elsewhere\.test>: Relay access denied/,
    cause: /did not authenticate although .* offers SMTP AUTH/,
    fix: /requires authentication/,
  });
  assert.ok(f.evidence.some((e) => /is not in mynetworks \(127\.0\.0\.1\/32\)/.test(e)));
  findingOf(r.findings, 'relay.config_closed');
  assert.equal(r.status, 1);
});

test('doctor relay: mynetworks = 0.0.0.0/0 is a critical open relay, with the main.cf line', async (t) => {
  const r = await runCheck(t, 'relay', { mainCf: `${baseMainCf()}mynetworks = 127.0.0.0/8 0.0.0.0/0\n` });
  const f = findingOf(r.findings, 'relay.open_mynetworks');
  assertFinding(f, {
    severity: 'critical',
    evidence: /main\.cf, line 7: mynetworks = 127\.0\.0\.0\/8 0\.0\.0\.0\/0/,
    cause: /without authentication/,
    fix: /mynetworks = 127\.0\.0\.0\/8 \[::1\]\/128/,
  });
  assert.match(f.title, /the whole Internet/);
  assert.equal(r.status, 2);
});

test('doctor relay: a wide public mynetworks is a warning, a /8 of it critical', async (t) => {
  const wide = await runCheck(t, 'relay', { mainCf: `${baseMainCf()}mynetworks = 127.0.0.0/8 8.8.0.0/20\n` });
  assertFinding(findingOf(wide.findings, 'relay.wide_mynetworks'), {
    severity: 'warning',
    cause: /without authentication/,
  });
  const huge = await runCheck(t, 'relay', { mainCf: `${baseMainCf()}mynetworks = 11.0.0.0/8\n` });
  assertFinding(findingOf(huge.findings, 'relay.open_mynetworks'), { severity: 'critical' });
  const lan = await runCheck(t, 'relay', {
    mainCf: `${baseMainCf()}mynetworks = 127.0.0.0/8 10.0.0.0/8 192.168.0.0/16\n`,
  });
  assertNoFinding(lan.findings, 'relay.open_mynetworks');
  assertNoFinding(lan.findings, 'relay.wide_mynetworks');
  findingOf(lan.findings, 'relay.config_closed');
});

test('doctor relay: a permit before reject_unauth_destination is an open relay', async (t) => {
  const r = await runCheck(t, 'relay', {
    mainCf: `${baseMainCf()}smtpd_relay_restrictions = permit_mynetworks, permit, reject_unauth_destination\n`,
  });
  assertFinding(findingOf(r.findings, 'relay.open_restrictions'), {
    severity: 'critical',
    evidence: /smtpd_relay_restrictions = permit_mynetworks, permit, reject_unauth_destination/,
    fix: /smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination/,
  });
  const s = await runCheck(t, 'relay', {
    mainCf: `${baseMainCf()}smtpd_relay_restrictions =\nsmtpd_recipient_restrictions = check_client_access static:OK, reject_unauth_destination\n`,
  });
  assertFinding(findingOf(s.findings, 'relay.open_restrictions'), { severity: 'critical' });
});

test('doctor relay: a master.cf -o override that opens submission names the master.cf line', async (t) => {
  const master = [
    'smtp inet n - y - - smtpd',
    'submission inet n - y - - smtpd',
    '  -o syslog_name=postfix/submission',
    '  -o smtpd_relay_restrictions=permit',
    '',
  ].join('\n');
  const r = await runCheck(t, 'relay', { masterCf: master });
  const f = findingOf(r.findings, 'relay.open_restrictions');
  assert.match(f.title, /submission \(postfix\/submission\)/);
  assertFinding(f, { severity: 'critical', evidence: /master\.cf, line 2: -o smtpd_relay_restrictions=permit/ });
});

test('doctor relay: relaying decided by a forgeable sender is a warning; no relay control is an error', async (t) => {
  const r = await runCheck(t, 'relay', {
    mainCf: `${baseMainCf()}smtpd_relay_restrictions = permit_mynetworks, check_sender_access hash:/etc/postfix/senders, reject_unauth_destination\nallow_untrusted_routing = yes\n`,
  });
  assertFinding(findingOf(r.findings, 'relay.risky_permit'), {
    severity: 'warning',
    cause: /anyone can claim/,
    fix: /after reject_unauth_destination/,
  });
  assertFinding(findingOf(r.findings, 'relay.untrusted_routing'), {
    severity: 'warning',
    fix: /allow_untrusted_routing = no/,
  });
  const none = await runCheck(t, 'relay', {
    mainCf: `${baseMainCf()}smtpd_relay_restrictions = permit_mynetworks\nsmtpd_recipient_restrictions = permit_mynetworks\n`,
  });
  assertFinding(findingOf(none.findings, 'relay.no_relay_control'), {
    severity: 'error',
    cause: /specify at least one working instance/,
  });
  const all = await runCheck(t, 'relay', { mainCf: `${baseMainCf()}relay_domains = static:ALL\n` });
  assertFinding(findingOf(all.findings, 'relay.open_relay_domains'), { severity: 'critical' });
});

test('doctor relay on a real Postfix: own domain missing from the lists, and no SASL anywhere', async (t) => {
  const pf = await startPostfixOrReason(t, {
    mynetworks: '127.0.0.1/32',
    mydestination: '$myhostname, localhost',
    myorigin: 'example.test',
  });
  if (typeof pf === 'string') return t.skip(pf);
  const c = await smtpDialog(t, pf.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  await c.send('EHLO laptop.example.test', /^250/);
  await c.send('MAIL FROM:<alice@example.test>', /^250/);
  await c.send('RCPT TO:<bob@sales.example.test>', /^454 4\.7\.1 <bob@sales\.example\.test>: Relay access denied/);
  await c.send('RCPT TO:<friend@elsewhere.test>', /^454 4\.7\.1 .*Relay access denied/);
  await c.send('QUIT', /^221/);
  await pf.waitForLog(/disconnect from unknown\[127\.0\.0\.5\]/);

  const r = await runCheck(t, 'relay', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')] });
  const own = findingOf(r.findings, 'relay.denied_own_domain');
  assertFinding(own, {
    severity: 'error',
    evidence:
      /NOQUEUE: reject: RCPT from unknown\[127\.0\.0\.5\]: 454 4\.7\.1 <bob@sales\.example\.test>: Relay access denied/,
    cause: /sales\.example\.test is under \$mydomain \(example\.test\), but it is in none of the domain lists/,
    fix: /virtual_mailbox_domains = sales\.example\.test/,
  });
  const noSasl = findingOf(r.findings, 'relay.denied_no_sasl');
  assertFinding(noSasl, {
    severity: 'warning',
    cause: /no SMTP service of this host offers SMTP AUTH/,
    fix: /-o smtpd_sasl_auth_enable=yes/,
    evidence: /0 authenticated, 0 with failed AUTH/,
  });

  // The same log, read with a configuration that offers AUTH on submission only.
  const main = readFileSync(join(pf.dir, 'main.cf'), 'utf8');
  const master = readFileSync(join(pf.dir, 'master.cf'), 'utf8').replace(
    /^(127\.0\.0\.1:\d+ inet .*smtpd)$/m,
    '$1\n127.0.0.1:10587 inet n - n - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_sasl_auth_enable=yes',
  );
  const dir = configDir(t, main, master);
  const w = await runCheck(t, 'relay', { configDir: dir, logs: [join(pf.dir, 'mail.log')] });
  assertFinding(findingOf(w.findings, 'relay.denied_wrong_port'), {
    severity: 'warning',
    cause: /does not offer SMTP AUTH; authentication is offered only on 127\.0\.0\.1:10587/,
    fix: /port 10587/,
  });
});

test('doctor relay --probe: a real Postfix refuses every relay trick from an untrusted client', async (t) => {
  const pf = await startPostfixOrReason(t, { mynetworks: '127.0.0.2/32' });
  if (typeof pf === 'string') return t.skip(pf);
  const r = await runCheck(t, 'relay', { probe: `127.0.0.1:${pf.port}` });
  const f = findingOf(r.findings, 'relay.probe_closed');
  assert.match(f.title, /refused all 42 relay tricks/);
  assert.ok(
    f.evidence.some((e) => /Relay access denied/.test(e)),
    f.evidence.join('\n'),
  );
  assertNoFinding(r.findings, 'relay.probe_open');
});

test('doctor relay --probe: a Postfix with mynetworks = 0.0.0.0/0 is found to be an open relay', async (t) => {
  const pf = await startPostfixOrReason(t, { mynetworks: '0.0.0.0/0' });
  if (typeof pf === 'string') return t.skip(pf);
  const r = await runCheck(t, 'relay', { probe: `127.0.0.1:${pf.port}` });
  const f = findingOf(r.findings, 'relay.probe_open');
  assertFinding(f, {
    severity: 'critical',
    evidence: /RCPT TO:<relaytest@example\.net> -> 250 2\.1\.5 Ok/,
    fix: /reject_unauth_destination/,
  });
  // the probe never sends DATA: nothing was queued
  assert.doesNotMatch(pf.log(), /message-id=|queue active/);
  assert.equal(r.status, 2);
});

test('doctor relay --probe reports a server it cannot reach', async (t) => {
  const r = await runCheck(t, 'relay', { probe: '127.0.0.1:1' });
  assertFinding(findingOf(r.findings, 'relay.probe_failed'), { severity: 'error', evidence: /ECONNREFUSED/ });
});
