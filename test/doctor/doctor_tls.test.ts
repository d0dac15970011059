/**
 * Check 2, TLS: certificates made with openssl (expired, expiring, wrong
 * name, mismatched key, self-signed, missing intermediate, weak key, DER,
 * passphrase, readable key), TLS switched off, TLS failures in the logs of
 * a real Postfix (a client rejecting its certificate; a peer that offers no
 * STARTTLS when policy requires it), and the STARTTLS probe.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { makeDoctorCerts } from '../peers/doctor_certs.ts';
import { startPostfixOrReason, submit } from '../peers/postfix_instance.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { assertFinding, assertNoFinding, baseMainCf, findingOf, runCheck } from './doctor_harness.ts';

const HOST = 'mx.example.test';

/** EHLO, STARTTLS, then a handshake that verifies the certificate: resolves with why it failed. */
async function verifyingStarttls(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('latin1');
  let buffer = '';
  const wait = (re: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (re.test(buffer)) {
          socket.off('data', onData);
          resolve();
        }
      };
      const onData = (d: string) => {
        buffer += d;
        check();
      };
      socket.on('data', onData);
      check();
    });
  await wait(/^220 .*\r\n/m);
  socket.write('EHLO client.example.test\r\n');
  await wait(/^250 .*\r\n/m);
  buffer = '';
  socket.write('STARTTLS\r\n');
  await wait(/^220 .*\r\n/m);
  return new Promise<string>((resolve) => {
    const s = tlsConnect({ socket, servername: HOST, rejectUnauthorized: true });
    s.on('error', (err) => {
      socket.destroy();
      resolve(err.message);
    });
    s.on('secureConnect', () => {
      s.destroy();
      resolve('connected');
    });
  });
}

function tlsMain(cert: string, key: string, extra = ''): string {
  return `${baseMainCf()}smtpd_tls_security_level = may\nsmtp_tls_security_level = may\nsmtpd_tls_cert_file = ${cert}\nsmtpd_tls_key_file = ${key}\n${extra}`;
}

test('doctor tls judges each certificate made by openssl', async (t) => {
  const c = makeDoctorCerts(t, HOST);
  if (typeof c === 'string') return t.skip(c);
  chmodSync(c.leafKey, 0o600);

  const expired = await runCheck(t, 'tls', { mainCf: tlsMain(c.expired, c.expiredKey) });
  assertFinding(findingOf(expired.findings, 'tls.cert_expired'), {
    severity: 'error',
    evidence: /valid .*2020/,
    fix: /certbot renew.*postfix reload/,
  });

  const expiring = await runCheck(t, 'tls', { mainCf: tlsMain(c.expiring, c.expiringKey) });
  const exp = findingOf(expiring.findings, 'tls.cert_expiring');
  assert.match(exp.title, /expires in (9|10) days/);
  assertFinding(exp, { severity: 'warning', fix: /renew/ });

  const wrong = await runCheck(t, 'tls', { mainCf: tlsMain(c.wrongName, c.wrongNameKey) });
  assertFinding(findingOf(wrong.findings, 'tls.cert_name_mismatch'), {
    severity: 'warning',
    evidence: /names other\.invalid/,
    fix: /-d mx\.example\.test/,
  });

  const mismatch = await runCheck(t, 'tls', { mainCf: tlsMain(c.leafOnly, c.otherKey) });
  assertFinding(findingOf(mismatch.findings, 'tls.key_mismatch'), {
    severity: 'error',
    cause: /disables TLS/,
    fix: /openssl x509 -noout -pubkey .*openssl pkey -pubout/,
  });

  const self = await runCheck(t, 'tls', { mainCf: tlsMain(c.selfSigned, c.selfSignedKey), publicIps: ['192.0.2.25'] });
  assertFinding(findingOf(self.findings, 'tls.self_signed'), {
    severity: 'warning',
    fix: /certbot certonly --standalone -d mx\.example\.test/,
  });

  const leafOnly = await runCheck(t, 'tls', { mainCf: tlsMain(c.leafOnly, c.leafKey) });
  const chain = findingOf(leafOnly.findings, 'tls.chain_incomplete');
  assertFinding(chain, { severity: 'warning', fix: /fullchain\.pem/ });
  assert.match(chain.title, /issuer CN=Doctor Test Intermediate CA is missing/);

  const full = await runCheck(t, 'tls', { mainCf: tlsMain(c.fullChain, c.leafKey) });
  assertNoFinding(full.findings, 'tls.chain_incomplete');
  assertFinding(findingOf(full.findings, 'tls.private_ca'), { severity: 'info' });
  assertNoFinding(full.findings, 'tls.key_mismatch');
  assertNoFinding(full.findings, 'tls.key_readable');

  const weak = await runCheck(t, 'tls', { mainCf: tlsMain(c.weak, c.weakKey) });
  assertFinding(findingOf(weak.findings, 'tls.weak_key'), { severity: 'warning', cause: /under 2048 bits/ });

  const der = await runCheck(t, 'tls', { mainCf: tlsMain(c.der, c.leafKey) });
  assertFinding(findingOf(der.findings, 'tls.not_pem'), {
    severity: 'error',
    evidence: /DER/,
    fix: /openssl x509 -inform der/,
  });

  const enc = await runCheck(t, 'tls', { mainCf: tlsMain(c.leafOnly, c.encryptedKey) });
  assertFinding(findingOf(enc.findings, 'tls.key_encrypted'), { severity: 'error', fix: /openssl pkey -in/ });

  chmodSync(c.weakKey, 0o644);
  const readable = await runCheck(t, 'tls', { mainCf: tlsMain(c.weak, c.weakKey) });
  assertFinding(findingOf(readable.findings, 'tls.key_readable'), { severity: 'warning', fix: /chmod 600/ });

  const missing = await runCheck(t, 'tls', { mainCf: tlsMain('/nonexistent/cert.pem', '/nonexistent/key.pem') });
  assertFinding(findingOf(missing.findings, 'tls.file_unreadable'), {
    severity: 'error',
    evidence: /No such file or directory/,
  });
});

test('doctor tls: TLS switched off is a warning with the main.cf lines to turn it on', async (t) => {
  const r = await runCheck(t, 'tls', {
    mainCf: `${baseMainCf()}smtpd_tls_security_level = none\nsmtp_tls_security_level =\n`,
  });
  assertFinding(findingOf(r.findings, 'tls.smtpd_off'), {
    severity: 'warning',
    evidence: /smtpd_tls_security_level = none/,
    fix: /smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /,
  });
  assertFinding(findingOf(r.findings, 'tls.smtp_off'), { severity: 'warning', fix: /smtp_tls_security_level = may/ });
  const on = await runCheck(t, 'tls', {
    mainCf: `${baseMainCf()}smtpd_tls_security_level = may\nsmtpd_tls_cert_file =\n`,
  });
  assertFinding(findingOf(on.findings, 'tls.no_cert'), { severity: 'error', cause: /454 4\.7\.0 TLS not available/ });
});

test('doctor tls reads a real Postfix log: a client that rejects the certificate, a peer without STARTTLS', async (t) => {
  const c = makeDoctorCerts(t, HOST);
  if (typeof c === 'string') return t.skip(c);
  const peer = await startScriptServer(t, {});
  const pf = await startPostfixOrReason(t, {
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: c.selfSigned,
    smtpd_tls_key_file: c.selfSignedKey,
    smtpd_tls_loglevel: '1',
    smtp_tls_loglevel: '1',
    transport_maps: `inline:{{secure.test=smtp:[127.0.0.1]:${peer.port}}}`,
    smtp_tls_policy_maps: `inline:{{[127.0.0.1]:${peer.port}=encrypt}}`,
  });
  if (typeof pf === 'string') return t.skip(pf);

  // A client that verifies the certificate and gives up: Postfix logs the TLS failure.
  const refused = await verifyingStarttls(pf.port);
  assert.match(refused, /self.signed|certificate/i);
  await pf.waitForLog(/TLS library problem|SSL_accept error/);

  // Mail for a peer that must use TLS but offers no STARTTLS.
  await submit(pf.port, 'alice@example.test', ['bob@secure.test'], 'Subject: tls\n\nbody\n');
  await pf.waitForLog(/status=deferred \(TLS is required, but was not offered/);

  const r = await runCheck(t, 'tls', { configDir: pf.dir, logs: [join(pf.dir, 'mail.log')], probePeers: true });
  const notOffered = findingOf(r.findings, 'tls.log_not_offered');
  assertFinding(notOffered, {
    severity: 'warning',
    evidence: /probe verdict: not_offered/,
    cause: /does not offer STARTTLS/,
    fix: /smtp_tls_policy_maps entry `DOMAIN may`/,
  });
  const inbound = r.findings.filter((f) => /^tls\.log_/.test(f.id) && /from /.test(f.title));
  assert.ok(inbound.length > 0, r.findings.map((f) => f.id).join(' '));
  assert.ok(
    inbound.some((f) => f.evidence.some((e) => /SSL_accept error|TLS library problem/.test(e))),
    inbound.map((f) => f.evidence.join('\n')).join('\n--\n'),
  );
  assertFinding(findingOf(r.findings, 'tls.self_signed'), { severity: 'info' });
});

test('doctor tls --probe classifies STARTTLS: not offered, certificate for another name, broken handshake', async (t) => {
  const c = makeDoctorCerts(t, HOST);
  if (typeof c === 'string') return t.skip(c);
  const plain = await startScriptServer(t, {});
  const r1 = await runCheck(t, 'tls', { probe: `127.0.0.1:${plain.port}` });
  assertFinding(findingOf(r1.findings, 'tls.probe_not_offered'), { severity: 'error', evidence: /no STARTTLS/ });

  const wrong = await startScriptServer(t, {
    tls: { key: readFileSync(c.wrongNameKey), cert: readFileSync(c.wrongName) },
  });
  const r2 = await runCheck(t, 'tls', { probe: `127.0.0.1:${wrong.port}` });
  const f2 = findingOf(r2.findings, 'tls.probe_certificate');
  assertFinding(f2, { severity: 'warning', evidence: /certificate: CN=other\.invalid/ });
  assert.match(f2.title, /incomplete|not trusted|self-signed|does not cover/);

  const broken = await startScriptServer(t, {
    tls: { key: readFileSync(c.leafKey), cert: readFileSync(c.leafOnly) },
    breakTls: true,
  });
  const r3 = await runCheck(t, 'tls', { probe: `127.0.0.1:${broken.port}` });
  const f3 = r3.findings.find((f) => /^tls\.probe_(handshake|protocol)$/.test(f.id));
  assert.ok(f3 !== undefined, r3.findings.map((f) => f.id).join(' '));
  assert.equal(f3.severity, 'error');
});
