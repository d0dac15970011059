/**
 * STARTTLS, TLS wrapper mode and AUTH over real sockets: the CVE-2011-0411
 * purge (plaintext pipelined after STARTTLS gets no reply inside TLS), the
 * session reset, Postfix's TLS log line and Received: protocol, certificate
 * problems that leave the daemon running and answer 454, smtpd_tls_security_level
 * = encrypt, and PLAIN and LOGIN against the built-in password table (failures
 * worded as Postfix's, the same for an unknown user and a bad password).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { saslHashSecret } from '../../src/smtpd/smtpd_sasl_builtin.ts';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { startDovecot } from '../peers/dovecot.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { makeTestCerts, type TestCerts } from '../peers/tls_certs.ts';

function certs(t: import('node:test').TestContext): TestCerts | null {
  const c = makeTestCerts(t);
  if (typeof c === 'string') {
    t.skip(c);
    return null;
  }
  return c;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('STARTTLS discards pipelined plaintext, resets the session, and logs the TLS connection', async (t) => {
  const c0 = certs(t);
  if (c0 === null) return;
  const smtpd = await startAffixSmtpd(t, {
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: c0.cert,
    smtpd_tls_key_file: c0.key,
    smtpd_tls_loglevel: '1',
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  const ehlo = await c.send('EHLO client.example.org', /^250-/);
  assert.ok(ehlo!.includes('250-STARTTLS'));
  c.raw('STARTTLS\r\nRSET\r\n');
  await c.expect('220 2.0.0 Ready to start TLS');
  await c.startTls();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(c.pending, '', 'no unsolicited reply inside TLS');
  await c.send('MAIL FROM:<a@example.org>', /^250 2\.1\.0 Ok$/);
  await c.send('RSET', '250 2.0.0 Ok');
  const ehlo2 = await c.send('EHLO client.example.org', /^250-/);
  assert.ok(!ehlo2!.includes('STARTTLS'));
  await c.send('STARTTLS', '554 5.5.1 Error: TLS already active');
  await c.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<b@mx.example.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send('x\r\n.', /^250 2\.0\.0 Ok: queued as /);
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.match(text, /with ESMTPS id /);
  await smtpd.log.waitFor(
    /Anonymous TLS connection established from unknown\[127\.0\.0\.1\]: TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)(?: key-exchange \w+)? server-signature RSA-PSS \(2048 bits\) server-digest SHA256/,
  );
});

test('smtpd_tls_security_level = encrypt wants STARTTLS before MAIL; wrapper mode speaks TLS first', async (t) => {
  const c0 = certs(t);
  if (c0 === null) return;
  const smtpd = await startAffixSmtpd(t, {
    smtpd_tls_security_level: 'encrypt',
    smtpd_tls_cert_file: c0.cert,
    smtpd_tls_key_file: c0.key,
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  await c.send('MAIL FROM:<a@example.org>', '530 5.7.0 Must issue a STARTTLS command first');
  const wrapper = await startAffixSmtpd(t, {
    smtpd_tls_wrappermode: 'yes',
    smtpd_tls_cert_file: c0.cert,
    smtpd_tls_key_file: c0.key,
    smtpd_tls_received_header: 'yes',
  });
  const w = await smtpDialog(t, wrapper.port, { tls: true });
  await w.expect('220 mx.example.test ESMTP affix');
  const ehlo = await w.send('EHLO c.example', /^250-/);
  assert.ok(!ehlo!.includes('STARTTLS'));
  await w.send('MAIL FROM:<a@example.org>', '250 2.1.0 Ok');
  await w.send('RCPT TO:<b@mx.example.test>', '250 2.1.5 Ok');
  await w.send('DATA', /^354 /);
  await w.send('x\r\n.', /^250 /);
  const text = await wrapper.cleanup.content(wrapper.cleanup.queued[0]!);
  assert.match(
    text,
    /\n\t\(using TLSv1\.3 with cipher \S+ \(\d+\/\d+ bits\)\n\t(?: key-exchange \S+)? server-signature RSA-PSS \(2048 bits\) server-digest SHA256\)\n\t\(No client certificate requested\)\n\tby /,
  );
});

test('certificate problems are logged as Postfix logs them; STARTTLS then answers 454; the daemon runs on', async (t) => {
  const c0 = certs(t);
  if (c0 === null) return;
  const cases: readonly (readonly [Record<string, string>, RegExp])[] = [
    [
      { smtpd_tls_cert_file: `${c0.dir}/missing.pem` },
      /warning: cannot get RSA certificate from file "\S+missing\.pem": disabling TLS support/,
    ],
    [
      { smtpd_tls_cert_file: c0.cert, smtpd_tls_key_file: c0.otherKey },
      /warning: RSA private key in \S+other\.pem does not match public key in \S+cert\.pem: disabling TLS support/,
    ],
    [
      { smtpd_tls_cert_file: c0.expiredCert, smtpd_tls_key_file: c0.expiredKey },
      /warning: RSA certificate in \S+oldcert\.pem expired on .*: disabling TLS support/,
    ],
    [{ smtpd_tls_cert_file: '' }, /warning: No server certs available\. TLS won't be enabled/],
  ];
  for (const [settings, warning] of cases) {
    const smtpd = await startAffixSmtpd(t, { smtpd_tls_security_level: 'may', ...settings });
    await smtpd.log.waitFor(warning);
    const c = await smtpDialog(t, smtpd.port);
    await c.expect(/^220 /);
    await c.send('EHLO c.example', /^250-/);
    await c.send('STARTTLS', '454 4.7.0 TLS not available due to local problem');
    await c.send('NOOP', '250 2.0.0 Ok');
  }
});

test('AUTH PLAIN and LOGIN against the built-in password table; failures say nothing about the user', async (t) => {
  const c0 = certs(t);
  if (c0 === null) return;
  const hash = await saslHashSecret('s3cret', 1024);
  const smtpd = await startAffixSmtpd(t, {
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: c0.cert,
    smtpd_tls_key_file: c0.key,
    smtpd_tls_auth_only: 'yes',
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_authenticated_header: 'yes',
    smtpd_error_sleep_time: '0',
    affix_sasl_password_maps: `inline:{{alice@mx.example.test=${hash}}}`,
    mynetworks: '127.0.0.1/32',
  });
  const c = await smtpDialog(t, smtpd.port, { localAddress: '127.0.0.5' });
  await c.expect(/^220 /);
  const plain = await c.send('EHLO c.example', /^250-/);
  assert.ok(!plain!.includes('AUTH'), 'no AUTH before TLS with smtpd_tls_auth_only');
  await c.send('AUTH PLAIN', '503 5.5.1 Error: authentication not enabled');
  await c.send('STARTTLS', '220 2.0.0 Ready to start TLS');
  await c.startTls();
  const ehlo = await c.send('EHLO c.example', /^250-/);
  assert.ok(ehlo!.includes('250-AUTH PLAIN LOGIN'));
  await c.send(
    `AUTH PLAIN ${b64('\0alice@mx.example.test\0wrong')}`,
    '535 5.7.8 Error: authentication failed: authentication failure',
  );
  await smtpd.log.waitFor(
    'warning: unknown[127.0.0.5]: SASL PLAIN authentication failed: authentication failure, sasl_username=alice@mx.example.test',
  );
  await c.send(
    `AUTH PLAIN ${b64('\0nobody@mx.example.test\0wrong')}`,
    '535 5.7.8 Error: authentication failed: authentication failure',
  );
  await c.send('AUTH LOGIN', '334 VXNlcm5hbWU6');
  await c.send('*', '501 5.7.0 Authentication aborted');
  await smtpd.log.waitFor('warning: unknown[127.0.0.5]: SASL LOGIN authentication aborted');
  await c.send('AUTH LOGIN', '334 VXNlcm5hbWU6');
  await c.send(b64('alice@mx.example.test'), '334 UGFzc3dvcmQ6');
  await c.send(b64('s3cret'), '235 2.7.0 Authentication successful');
  await c.send(`AUTH PLAIN ${b64('\0alice@mx.example.test\0s3cret')}`, '503 5.5.1 Error: already authenticated');
  await c.send('MAIL FROM:<alice@mx.example.test>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<friend@elsewhere.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send('x\r\n.', /^250 /);
  await smtpd.log.waitFor(
    /[0-9A-F]+: client=unknown\[127\.0\.0\.5\], sasl_method=LOGIN, sasl_username=alice@mx\.example\.test/,
  );
  const text = await smtpd.cleanup.content(smtpd.cleanup.queued[0]!);
  assert.match(
    text,
    /\n\t\(Authenticated sender: alice@mx\.example\.test\)\n\tby mx\.example\.test \(affix\) with ESMTPSA id /,
  );
  await c.send('QUIT', '221 2.0.0 Bye');
  await smtpd.log.waitFor(
    /disconnect from unknown\[127\.0\.0\.5\] ehlo=2 starttls=1 auth=1\/6 mail=1 rcpt=1 data=1 quit=1 commands=8\/13/,
  );
});

test('AUTH against a real Dovecot auth service (smtpd_sasl_type = dovecot)', async (t) => {
  const dovecot = await startDovecot(t, { alice: 's3cret' });
  if (typeof dovecot === 'string') {
    t.skip(dovecot);
    return;
  }
  const smtpd = await startAffixSmtpd(t, {
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'dovecot',
    smtpd_sasl_path: dovecot.socket,
    smtpd_error_sleep_time: '0',
  });
  const c = await smtpDialog(t, smtpd.port);
  await c.expect(/^220 /);
  const ehlo = await c.send('EHLO c.example', /^250-/);
  assert.ok(ehlo!.includes('250-AUTH PLAIN LOGIN'));
  await c.send(`AUTH PLAIN ${b64('\0alice\0wrong')}`, /^535 5\.7\.8 Error: authentication failed: /);
  await c.send('AUTH LOGIN', '334 VXNlcm5hbWU6');
  await c.send(b64('alice'), '334 UGFzc3dvcmQ6');
  await c.send(b64('s3cret'), '235 2.7.0 Authentication successful');
  await c.send('MAIL FROM:<alice@mx.example.test>', '250 2.1.0 Ok');
  await c.send('RCPT TO:<b@mx.example.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send('x\r\n.', /^250 /);
  await smtpd.log.waitFor(/client=unknown\[127\.0\.0\.1\], sasl_method=LOGIN, sasl_username=alice/);
});
