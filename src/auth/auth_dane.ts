/**
 * auth_dane: checks a server's certificate chain against its TLSA records
 * as RFC 7672 asks of an SMTP client. DANE-EE(3): the server certificate
 * (or its public key) matches, and nothing else is checked — not the name,
 * not the dates. DANE-TA(2): a certificate of the chain the server sent
 * matches, the chain from the server certificate up to it verifies
 * (signatures, issuer names, validity dates), and the server certificate
 * carries one of the reference names (the MX host name, or the nexthop
 * domain). PKIX usages (0, 1) are not used for SMTP (section 3.1.3).
 *
 * Security: this decides whether an authenticated TLS session was reached;
 *   every certificate of the chain is server input
 * Standards: RFC 6698 section 2.1, RFC 7671 sections 5 and 8, RFC 7672 section 3
 * See: postfix/src/tls/tls_dane.c (tls_dane_match, ta_match)
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { TlsaRecord } from './auth_tlsa.ts';

export interface DaneVerdict {
  readonly ok: boolean;
  /** `3 1 1` of the record that matched, for the log. */
  readonly match: string | null;
  /** Why no record matched. */
  readonly why: string | null;
  /** The record that matched, and the chain depth of the certificate it matched (0: the server's). */
  readonly record?: TlsaRecord;
  readonly depth?: number;
}

/** The bytes a record compares against: the certificate or its SubjectPublicKeyInfo, hashed per matching type. */
function associated(cert: X509Certificate, selector: number, matchingType: number): Buffer {
  const data = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  if (matchingType === 1) return createHash('sha256').update(data).digest();
  if (matchingType === 2) return createHash('sha512').update(data).digest();
  return data;
}

const recordText = (r: TlsaRecord) => `${r.usage} ${r.selector} ${r.matchingType}`;

function matches(cert: X509Certificate, r: TlsaRecord): boolean {
  return associated(cert, r.selector, r.matchingType).equals(r.data);
}

/** True when `cert` is in its validity period at `now` (ms since the epoch). */
function current(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/**
 * The verdict for a chain (server certificate first, as the server sent
 * it) under usable TLSA records; `names` are the reference identifiers.
 */
export function daneVerify(
  chain: readonly X509Certificate[],
  records: readonly TlsaRecord[],
  names: readonly string[],
  now = Date.now(),
): DaneVerdict {
  const leaf = chain[0];
  if (leaf === undefined) return { ok: false, match: null, why: 'no server certificate' };
  for (const r of records) {
    if (r.usage === 3 && matches(leaf, r)) return { ok: true, match: recordText(r), why: null, record: r, depth: 0 };
  }
  for (const r of records) {
    if (r.usage !== 2) continue;
    const ta = chain.findIndex((c) => matches(c, r));
    if (ta < 0) continue;
    let valid = true;
    for (let k = 0; k < ta && valid; k++) {
      const issuer = chain[k + 1]!;
      valid = chain[k]!.checkIssued(issuer) && chain[k]!.verify(issuer.publicKey) && current(chain[k]!, now);
    }
    if (!valid) return { ok: false, match: null, why: 'certificate chain to the trust anchor does not verify' };
    // A trust anchor that is the server certificate itself still needs the name (RFC 7671 section 5.2.2).
    if (!names.some((n) => leaf.checkHost(n) !== undefined))
      return { ok: false, match: null, why: `server certificate does not name ${names.join(' or ')}` };
    return { ok: true, match: recordText(r), why: null, record: r, depth: ta };
  }
  return { ok: false, match: null, why: 'no TLSA record matches the certificate chain' };
}
