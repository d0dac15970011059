/**
 * smtp_tls_check: certificate checks of the DANE and MTA-STS policies,
 * beside smtp_tls.ts's PKIX ones. DANE: the chain the server sent against
 * its usable TLSA records (auth_dane.ts), with the OpenSSL error Postfix
 * would log for a mismatch (`self-signed certificate`, `untrusted issuer
 * ...`, `hostname mismatch`, `not trusted by local or TLSA policy`). And
 * the TLS-RPT result type (RFC 8460 section 4.3) of each error, as
 * Postfix's tls_log_verify_error() reports them.
 *
 * Security: every certificate of the chain is server input
 * See: postfix/src/tls/tls_verify.c (tls_log_verify_error), postfix/src/tls/tls_dane.c
 */
import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { daneVerify } from '../auth/auth_dane.ts';
import type { TlsaRecord } from '../auth/auth_tlsa.ts';
import type { TlsRptResultType } from '../auth/auth_tlsrpt.ts';

/** The chain as the server sent it, server certificate first. */
export function peerChain(cert: DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = cert;
  while (c !== undefined && c.raw !== undefined && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(new X509Certificate(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

export interface DaneCheck {
  readonly matched: boolean;
  /** The verify error (Node/OpenSSL code) to log for a mismatch. */
  readonly error: string | null;
  /** tls_dane_log(): `Matched DANE EE certificate at depth 0: 3 1 1 HEX` (after `host[addr]:port: `). */
  readonly logText?: string;
}

/** The record data as tls_dane_log() shows it: upper-case hex, the middle elided past 64 bytes. */
function dumpData(data: Buffer): string {
  if (data.length <= 64) return data.toString('hex').toUpperCase();
  return `${data.subarray(0, 32).toString('hex').toUpperCase()}...${data
    .subarray(data.length - 32)
    .toString('hex')
    .toUpperCase()}`;
}

/** Matches the chain against the TLSA records; `names` are the reference identifiers (for DANE-TA). */
export function daneCheck(
  cert: DetailedPeerCertificate,
  tlsa: readonly TlsaRecord[],
  names: readonly string[],
): DaneCheck {
  const chain = peerChain(cert);
  const verdict = daneVerify(chain, tlsa, names);
  if (verdict.ok) {
    const r = verdict.record!;
    const depth = verdict.depth ?? 0;
    const what = depth > 0 ? 'TA certificate' : 'EE certificate';
    const logText = `Matched DANE ${what} at depth ${depth}: ${r.usage} ${r.selector} ${r.matchingType} ${dumpData(r.data)}`;
    return { matched: true, error: null, logText };
  }
  const leaf = chain[0];
  if (leaf === undefined) return { matched: false, error: 'CERT_UNTRUSTED' };
  if (verdict.why?.includes('does not name')) return { matched: false, error: 'HOSTNAME_MISMATCH' };
  if (verdict.why?.includes('does not verify')) return { matched: false, error: 'CERT_UNTRUSTED' };
  // No record matched: OpenSSL then fails to build a chain to a trust anchor.
  const selfSigned = leaf.issuer === leaf.subject && leaf.verify(leaf.publicKey);
  return { matched: false, error: selfSigned ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' };
}

/** The TLS-RPT result type of a verify error. */
export function rptResultType(error: string): TlsRptResultType {
  switch (error) {
    case 'CERT_UNTRUSTED':
      return 'certificate-not-trusted';
    case 'CERT_HAS_EXPIRED':
      return 'certificate-expired';
    case 'HOSTNAME_MISMATCH':
      return 'certificate-host-mismatch';
    default:
      return 'validation-failure';
  }
}
