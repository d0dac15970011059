/**
 * smtpd_tls: the server's TLS set-up, read once per context (so `postfix
 * reload` rereads the certificates): whether TLS is used at all
 * (smtpd_tls_security_level, or the older smtpd_use_tls/smtpd_enforce_tls),
 * and the certificates and keys (RSA and ECDSA, or smtpd_tls_chain_files).
 * A missing, unreadable, mismatched or expired certificate is logged with
 * Postfix's warning and leaves TLS unusable: STARTTLS then answers `454 4.7.0
 * TLS not available due to local problem`, wrapper mode drops the client;
 * the daemon runs on.
 *
 * Parameters: smtpd_tls_security_level, smtpd_use_tls, smtpd_enforce_tls, smtpd_tls_wrappermode,
 *   smtpd_tls_cert_file, smtpd_tls_key_file, smtpd_tls_eccert_file, smtpd_tls_eckey_file,
 *   smtpd_tls_chain_files, smtpd_tls_protocols, smtpd_tls_mandatory_protocols, smtpd_tls_loglevel
 * Diagnostics: `warning: cannot get RSA certificate from file "F": disabling TLS support`,
 *   `... private key ...`, `RSA private key in K does not match public key in C: ...`,
 *   `No server certs available. TLS won't be enabled`, and (affix) an expired certificate
 * Security: the only file in src/smtpd that reads files (certificates and keys)
 * See: postfix/src/smtpd/smtpd.c (pre_jail_init), postfix/src/tls/tls_certkey.c, tls_server.c
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';

export interface SmtpdTls {
  /** null: TLS is configured but unusable (STARTTLS gets 454). */
  readonly context: SecureContext | null;
  readonly minVersion: SecureVersion;
  /** The server key, for the `server-signature` part of log lines. */
  readonly signature: string;
}

interface Pair {
  readonly type: 'RSA' | 'ECDSA';
  readonly cert: string;
  readonly key: string;
}

/** smtpd_tls_protocols as a minimum version (`>=TLSv1.2`, or `!SSLv2, !SSLv3, !TLSv1` ...). */
export function tlsMinVersion(protocols: readonly string[]): SecureVersion {
  const order: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  let min = 0;
  for (const p of protocols) {
    const ge = /^>=(TLSv1(?:\.[123])?)$/.exec(p);
    if (ge !== null) min = Math.max(min, order.indexOf(ge[1] as SecureVersion));
    const not = /^!(TLSv1(?:\.[123])?)$/.exec(p);
    if (not !== null) {
      const i = order.indexOf(not[1] as SecureVersion);
      if (i === min) min = i + 1;
    }
  }
  // Node's OpenSSL refuses TLS before 1.2 at its default security level; never offer less.
  return order[Math.max(min, 2)] ?? 'TLSv1.3';
}

function loadPair(log: Log, pair: Pair): { cert: string; key: string; signature: string } | null {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(pair.cert, 'utf8');
    new X509Certificate(cert);
  } catch (err) {
    log.warn(`cannot get ${pair.type} certificate from file "${pair.cert}": disabling TLS support`);
    log.warn(`TLS library problem: ${err instanceof Error ? err.message : err}`);
    return null;
  }
  try {
    key = readFileSync(pair.key, 'utf8');
    createPrivateKey(key);
  } catch (err) {
    log.warn(`cannot get ${pair.type} private key from file "${pair.key}": disabling TLS support`);
    log.warn(`TLS library problem: ${err instanceof Error ? err.message : err}`);
    return null;
  }
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKey(key))) {
    log.warn(
      `${pair.type} private key in ${pair.key} does not match public key in ${pair.cert}: disabling TLS support`,
    );
    return null;
  }
  if (Date.parse(x509.validTo) < Date.now()) {
    log.warn(`${pair.type} certificate in ${pair.cert} expired on ${x509.validTo}: disabling TLS support`);
    return null;
  }
  const details = createPrivateKey(key).asymmetricKeyDetails;
  const signature =
    pair.type === 'RSA'
      ? `RSA-PSS (${details?.modulusLength ?? 2048} bits)`
      : `ECDSA (${details?.namedCurve ?? 'prime256v1'})`;
  return { cert, key, signature };
}

/** The TLS of this service; null when TLS is not used at all. */
export function createSmtpdTls(p: Params, log: Log): SmtpdTls | null {
  const level = p.smtpd_tls_security_level;
  const use = p.smtpd_tls_wrappermode || (level === '' ? p.smtpd_use_tls || p.smtpd_enforce_tls : level !== 'none');
  if (!use) return null;
  const enforce = p.smtpd_tls_wrappermode || level === 'encrypt' || (level === '' && p.smtpd_enforce_tls);
  const minVersion = tlsMinVersion(enforce ? p.smtpd_tls_mandatory_protocols : p.smtpd_tls_protocols);
  const pairs: Pair[] = [];
  if (p.smtpd_tls_chain_files.length > 0) {
    for (const f of p.smtpd_tls_chain_files) pairs.push({ type: 'RSA', cert: f, key: f });
  } else {
    if (p.smtpd_tls_cert_file !== '' && p.smtpd_tls_cert_file !== 'none') {
      pairs.push({ type: 'RSA', cert: p.smtpd_tls_cert_file, key: p.smtpd_tls_key_file || p.smtpd_tls_cert_file });
    }
    if (p.smtpd_tls_eccert_file !== '') {
      pairs.push({
        type: 'ECDSA',
        cert: p.smtpd_tls_eccert_file,
        key: p.smtpd_tls_eckey_file || p.smtpd_tls_eccert_file,
      });
    }
  }
  if (pairs.length === 0) {
    log.warn("No server certs available. TLS won't be enabled");
    return { context: null, minVersion, signature: '' };
  }
  const loaded = [];
  for (const pair of pairs) {
    const l = loadPair(log, pair);
    if (l === null) return { context: null, minVersion, signature: '' };
    loaded.push(l);
  }
  try {
    const context = createSecureContext({
      cert: loaded.map((l) => l.cert),
      key: loaded.map((l) => l.key),
      minVersion,
    });
    return { context, minVersion, signature: loaded[0]!.signature };
  } catch (err) {
    log.warn(`TLS library problem: ${err instanceof Error ? err.message : err}`);
    log.warn('disabling TLS support');
    return { context: null, minVersion, signature: '' };
  }
}
