/**
 * smtp_tls: the client side of STARTTLS — trust anchors loaded once from
 * smtp_tls_CAfile/smtp_tls_CApath (none configured: no certificate is
 * trusted, as in Postfix), the handshake over the existing connection
 * within smtp_starttls_timeout, the certificate checks of the policy
 * level, and Postfix's log lines: `certificate verification failed for
 * ...` (when the level requires a match) and `Untrusted|Trusted|Verified
 * TLS connection established to host[addr]:port: ...` (smtp_tls_loglevel ≥ 1).
 * With DANE the TLSA records are the trust (smtp_tls_check.ts); with MTA-STS
 * and no CAfile/CApath, Node's default store is.
 *
 * Parameters: smtp_tls_CAfile, smtp_tls_CApath, smtp_tls_cert_file, smtp_tls_key_file,
 *   smtp_tls_servername, smtp_tls_loglevel, smtp_starttls_timeout, smtp_tls_fingerprint_digest
 * Diagnostics: `SSL_connect error to HOST[ADDR]:PORT: lost connection`,
 *   `warning: TLS library problem: ...`
 * Security: the peer's certificate is checked here and nowhere else; a
 *   failed handshake leaves the connection unusable (forbidden)
 * See: postfix/src/tls/tls_client.c, tls_verify.c, tls_misc.c (tls_log_summary)
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { checkServerIdentity, connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsRptResultType } from '../auth/auth_tlsrpt.ts';
import type { Log } from '../log/log.ts';
import type { SmtpSettings } from './smtp_settings.ts';
import { daneCheck, rptResultType } from './smtp_tls_check.ts';
import type { TlsPolicy } from './smtp_tls_level.ts';
import { tlsMustMatch } from './smtp_tls_level.ts';

/** Trust anchors and the client certificate, loaded at start. */
export interface SmtpTlsMaterial {
  readonly ca: readonly string[];
  readonly cert: string | null;
  readonly key: string | null;
}

/** One PEM certificate of a bundle. */
export const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the CA file, every certificate in the CA directory, and the client certificate. */
export async function loadTlsMaterial(s: SmtpSettings, log: Log): Promise<SmtpTlsMaterial> {
  const ca = new Set<string>();
  if (s.smtp_tls_CAfile !== '') {
    try {
      for (const pem of (await readFile(s.smtp_tls_CAfile, 'utf8')).match(PEM_CERT) ?? []) ca.add(pem);
    } catch (err) {
      log.warn(`cannot load Certification Authority data, CAfile="${s.smtp_tls_CAfile}": ${(err as Error).message}`);
    }
  }
  if (s.smtp_tls_CApath !== '') {
    try {
      for (const name of await readdir(s.smtp_tls_CApath)) {
        const text = await readFile(join(s.smtp_tls_CApath, name), 'utf8').catch(() => '');
        for (const pem of text.match(PEM_CERT) ?? []) ca.add(pem);
      }
    } catch (err) {
      log.warn(`cannot load Certification Authority data, CApath="${s.smtp_tls_CApath}": ${(err as Error).message}`);
    }
  }
  let cert: string | null = null;
  let key: string | null = null;
  if (s.smtp_tls_cert_file !== '') {
    try {
      cert = await readFile(s.smtp_tls_cert_file, 'utf8');
      key = await readFile(s.smtp_tls_key_file || s.smtp_tls_cert_file, 'utf8');
    } catch (err) {
      log.warn(`cannot get RSA certificate from file "${s.smtp_tls_cert_file}": ${(err as Error).message}`);
      cert = key = null;
    }
  }
  return { ca: [...ca], cert, key };
}

/** OpenSSL's number and text for the verify errors Node reports by name. */
const X509_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  UNABLE_TO_GET_ISSUER_CERT: [2, 'unable to get issuer certificate'],
  CERT_SIGNATURE_FAILURE: [7, 'certificate signature failure'],
  CERT_NOT_YET_VALID: [9, 'certificate is not yet valid'],
  CERT_HAS_EXPIRED: [10, 'certificate has expired'],
  DEPTH_ZERO_SELF_SIGNED_CERT: [18, 'self-signed certificate'],
  SELF_SIGNED_CERT_IN_CHAIN: [19, 'self-signed certificate in certificate chain'],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: [20, 'unable to get local issuer certificate'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: [21, 'unable to verify the first certificate'],
  CERT_UNTRUSTED: [27, 'certificate not trusted'],
  HOSTNAME_MISMATCH: [62, 'hostname mismatch'],
};

/** X509_NAME_oneline(): `/C=US/O=Org/CN=Name`. */
function nameOneline(name: Readonly<Record<string, string | string[]>> | undefined): string {
  if (name === undefined) return '<unknown>';
  return Object.entries(name)
    .map(([k, v]) => `/${k}=${Array.isArray(v) ? v.join(`/${k}=`) : v}`)
    .join('');
}

/** tls_log_verify_error(): why the certificate was not accepted. */
export function verifyErrorText(code: string, namaddrport: string, cert: PeerCertificate | null): string {
  switch (code) {
    case 'CERT_UNTRUSTED':
      return `certificate verification failed for ${namaddrport}: not trusted by local or TLSA policy`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return `certificate verification failed for ${namaddrport}: self-signed certificate`;
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `certificate verification failed for ${namaddrport}: untrusted issuer ${nameOneline(cert?.issuer as never)}`;
    case 'CERT_NOT_YET_VALID':
      return `server certificate verification failed for ${namaddrport}: certificate not yet valid`;
    case 'CERT_HAS_EXPIRED':
      return `server certificate verification failed for ${namaddrport}: certificate has expired`;
  }
  const [num, text] = X509_ERRORS[code] ?? [0, code];
  return `server certificate verification failed for ${namaddrport}: num=${num}:${text}`;
}

/** The names the certificate must match for `verify`/`secure`, from the match list. */
function matchNames(match: readonly string[], host: string, nexthop: string): { exact: string[]; suffixes: string[] } {
  const exact: string[] = [];
  const suffixes: string[] = [];
  for (const m of match) {
    const w = m.toLowerCase();
    if (w === 'hostname') exact.push(host);
    else if (w === 'nexthop') exact.push(nexthop);
    else if (w === 'dot-nexthop') suffixes.push(`.${nexthop}`);
    else if (w.startsWith('.')) suffixes.push(w);
    else exact.push(w);
  }
  return { exact, suffixes };
}

/** The DNS names a certificate is for (subjectAltName, else the CN). */
function certNames(cert: PeerCertificate): string[] {
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .filter((e) => e.startsWith('DNS:'))
    .map((e) => e.slice(4).toLowerCase());
  if (sans.length > 0) return sans;
  const cn = cert.subject?.CN;
  return cn === undefined ? [] : [String(cn).toLowerCase()];
}

/** Whether the certificate matches one of the policy's names. */
export function certMatches(cert: PeerCertificate, match: readonly string[], host: string, nexthop: string): boolean {
  const { exact, suffixes } = matchNames(match, host.toLowerCase(), nexthop.toLowerCase());
  if (exact.some((name) => checkServerIdentity(name, cert) === undefined)) return true;
  return certNames(cert).some((n) => suffixes.some((s) => n.endsWith(s) && !n.startsWith('*')));
}

/** Fingerprint check for the `fingerprint` level: the certificate's or its public key's digest. */
export function fingerprintMatches(cert: PeerCertificate, match: readonly string[], digest: string): boolean {
  const fmt = (buf: Buffer) => createHash(digest).update(buf).digest('hex').toUpperCase().match(/../g)!.join(':');
  const certFp = fmt(cert.raw);
  const keyFp = fmt(new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' }));
  return match.some((m) => {
    const want = m.toUpperCase();
    return want === certFp || want === keyFp;
  });
}

/** Bits of the bulk cipher, as OpenSSL reports usebits/algbits. */
function cipherBits(name: string): number {
  if (/AES_?256|CHACHA20|CAMELLIA256|ARIA256/i.test(name)) return 256;
  if (/AES_?128|CAMELLIA128|ARIA128/i.test(name)) return 128;
  if (/3DES|DES-CBC3/i.test(name)) return 112;
  return 0;
}

/** tls_log_summary() without the trust word: `TLSv1.3 with cipher ... server-signature ...`. */
function summary(socket: TLSSocket, cert: PeerCertificate | null): string {
  const cipher = socket.getCipher();
  const bits = cipherBits(cipher.name);
  let out = `${socket.getProtocol() ?? 'unknown'} with cipher ${cipher.name} (${bits}/${bits} bits)`;
  const kex = socket.getEphemeralKeyInfo();
  if (kex !== null && 'name' in kex && kex.name) out += ` key-exchange ${kex.name}`;
  else if (kex !== null && 'type' in kex && kex.type === 'DH') out += ` key-exchange DHE (${kex.size} bits)`;
  if (cert !== null && cert.raw !== undefined) {
    const key = new X509Certificate(cert.raw).publicKey;
    const type = key.asymmetricKeyType;
    if (type === 'rsa' || type === 'rsa-pss') {
      const rsaBits = key.asymmetricKeyDetails?.modulusLength ?? cert.bits;
      out += ` server-signature ${socket.getProtocol() === 'TLSv1.3' || type === 'rsa-pss' ? 'RSA-PSS' : 'RSA'} (${rsaBits} bits) server-digest SHA256`;
    } else if (type === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
      out += ` server-signature ECDSA (${curve}) server-digest ${curve === 'secp384r1' ? 'SHA384' : 'SHA256'}`;
    } else if (type === 'ed25519' || type === 'ed448') {
      out += ` server-signature ${type.toUpperCase()}`;
    }
  }
  return out;
}

/** The outcome of a handshake: the trust reached and the log text, or a failure. */
export type TlsStartResult =
  | {
      readonly ok: true;
      readonly socket: TLSSocket;
      readonly trust: 'Untrusted' | 'Trusted' | 'Verified';
      readonly summary: string;
      readonly matched: boolean;
      /** Why the certificate did not satisfy the policy (TLS-RPT), null when it did or nothing was asked. */
      readonly failure: TlsRptResultType | null;
      /** MTA-STS testing: whether a trusted chain carries the MX host name (what enforce would ask). */
      readonly stsVerified: boolean;
    }
  | { readonly ok: false };

export interface TlsStartOptions {
  readonly socket: Socket;
  readonly settings: SmtpSettings;
  readonly material: SmtpTlsMaterial;
  readonly policy: TlsPolicy;
  readonly log: Log;
  /** The server's host name (MX name) and the nexthop domain, for name checks. */
  readonly host: string;
  readonly nexthop: string;
  readonly namaddrport: string;
}

/** tls_client_start(): the handshake and the checks of the policy level. */
export async function startTls(o: TlsStartOptions): Promise<TlsStartResult> {
  const s = o.settings;
  // MTA-STS asks for Web PKI trust: without smtp_tls_CAfile/CApath, Node's default store (and NODE_EXTRA_CA_CERTS).
  const defaultStore = o.policy.sts !== undefined && o.material.ca.length === 0;
  const socket = connect({
    socket: o.socket,
    ...(defaultStore ? {} : { ca: [...o.material.ca] }),
    ...(o.material.cert !== null && o.material.key !== null ? { cert: o.material.cert, key: o.material.key } : {}),
    ...(s.smtp_tls_servername !== ''
      ? {
          servername:
            s.smtp_tls_servername === 'hostname'
              ? o.host
              : s.smtp_tls_servername === 'nexthop'
                ? o.nexthop
                : s.smtp_tls_servername,
        }
      : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
    minVersion: 'TLSv1',
  });
  const done = await new Promise<Error | null>((resolve) => {
    const timer = setTimeout(() => resolve(new Error('timeout')), s.smtp_starttls_timeout * 1000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(null);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(new Error('lost connection'));
    });
  });
  if (done !== null) {
    const lost = done.message === 'lost connection' || (done as NodeJS.ErrnoException).code === 'ECONNRESET';
    if (lost) o.log.info(`SSL_connect error to ${o.namaddrport}: lost connection`);
    else o.log.warn(`TLS library problem: ${done.message}`);
    socket.on('error', () => {});
    socket.destroy();
    return { ok: false };
  }
  socket.removeAllListeners('error');
  socket.removeAllListeners('close');
  const cert = socket.getPeerCertificate(true);
  const hasCert = cert !== null && cert.raw !== undefined;
  const level = o.policy.level;
  let trusted = socket.authorized;
  let matched = false;
  let error = trusted ? null : String(socket.authorizationError ?? 'CERT_UNTRUSTED');
  if (o.policy.tlsa !== undefined) {
    // DANE: the TLSA records are the only trust anchors; CAfile/CApath play no part.
    const dane = hasCert ? daneCheck(cert, o.policy.tlsa, o.policy.match) : { matched: false, error: 'CERT_UNTRUSTED' };
    matched = trusted = dane.matched;
    error = dane.error;
    if (s.smtp_tls_loglevel >= 2 && dane.logText !== undefined) o.log.info(`${o.namaddrport}: ${dane.logText}`);
  } else if (level === 'fingerprint') {
    matched = hasCert && fingerprintMatches(cert, o.policy.match, s.smtp_tls_fingerprint_digest);
    trusted = matched;
    error = matched ? null : 'CERT_UNTRUSTED';
  } else if (tlsMustMatch(level) && trusted && hasCert) {
    matched = certMatches(cert, o.policy.match, o.host, o.nexthop);
    if (!matched) {
      // OpenSSL checks the name as part of the chain here, so (as Postfix 3.7 logs it) the peer is not trusted.
      error = 'HOSTNAME_MISMATCH';
      trusted = false;
    }
  }
  if (tlsMustMatch(level) && !matched && error !== null) {
    o.log.info(verifyErrorText(error, o.namaddrport, hasCert ? cert : null));
  }
  // half-dane (TLSA records behind an insecure MX) is never more than Trusted, as in Postfix.
  const trust = matched ? (level === 'half-dane' ? 'Trusted' : 'Verified') : trusted ? 'Trusted' : 'Untrusted';
  const stsVerified =
    o.policy.sts !== undefined && hasCert && socket.authorized && certMatches(cert, [o.host], o.host, o.nexthop);
  const text = summary(socket, hasCert ? cert : null);
  if (s.smtp_tls_loglevel >= 1) o.log.info(`${trust} TLS connection established to ${o.namaddrport}: ${text}`);
  const failure = tlsMustMatch(level) && !matched ? rptResultType(error ?? 'CERT_UNTRUSTED') : null;
  return { ok: true, socket, trust, summary: text, matched, failure, stsVerified };
}
