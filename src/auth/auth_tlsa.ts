/**
 * auth_tlsa: the TLSA records of an SMTP server (`_25._tcp.HOST`), asked
 * with the DNSSEC bits set through affix's own DNS transport (Node 20 has
 * no TLSA API and shows no AD bit), and judged as Postfix's
 * tls_dane_resolve() does: records count only from a validated (AD)
 * answer; a validated NXDOMAIN/NODATA means "no TLSA records"; anything
 * unvalidated means the zone is insecure; a failure to get an answer is a
 * lookup error (the delivery defers).
 *
 * Security: relies on the configured resolver validating DNSSEC and on the
 *   path to it being trusted (loopback), as Postfix does
 * Standards: RFC 6698 section 2, RFC 7672 sections 2.2 and 3
 * See: postfix/src/tls/tls_dane.c (tls_dane_resolve), postfix/src/smtp/smtp_tls_policy.c (dane_init)
 */
import type { DnsServer } from '../dns/dns_servers.ts';
import { dnsExchange, RCODE } from '../dns/dns_transport.ts';

export interface TlsaRecord {
  /** 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE. */
  readonly usage: number;
  /** 0 full certificate, 1 SubjectPublicKeyInfo. */
  readonly selector: number;
  /** 0 exact, 1 SHA-256, 2 SHA-512. */
  readonly matchingType: number;
  readonly data: Buffer;
}

export type TlsaResult =
  | { readonly status: 'secure'; readonly records: readonly TlsaRecord[] }
  /** A validated answer without TLSA records. */
  | { readonly status: 'notfound' }
  /** The answer was not validated (an unsigned zone). */
  | { readonly status: 'insecure' }
  | { readonly status: 'error'; readonly detail: string };

export interface TlsaLookupOptions {
  readonly servers: readonly DnsServer[];
  /** Milliseconds per server per try. */
  readonly timeout: number;
  readonly tries: number;
}

/** `_PORT._tcp.HOST` */
export function tlsaName(host: string, port: number): string {
  return `_${port}._tcp.${host.replace(/\.$/, '')}`;
}

/** Looks up the TLSA records of host:port. */
export async function tlsaLookup(host: string, port: number, o: TlsaLookupOptions): Promise<TlsaResult> {
  const name = tlsaName(host, port);
  const ex = await dnsExchange(name, 'TLSA', { ...o, dnssec: true });
  if (ex.kind === 'error') return { status: 'error', detail: ex.detail };
  if (ex.rcode !== RCODE.NOERROR && ex.rcode !== RCODE.NXDOMAIN) {
    return { status: 'error', detail: `rcode ${ex.rcode} for ${name}` };
  }
  if (!ex.ad) return { status: 'insecure' };
  const records: TlsaRecord[] = [];
  for (const rr of ex.packet.answers ?? []) {
    if (rr.type !== 'TLSA') continue;
    const d = rr.data as { usage: number; selector: number; matchingType: number; certificate: Buffer };
    records.push({
      usage: d.usage,
      selector: d.selector,
      matchingType: d.matchingType,
      data: Buffer.from(d.certificate),
    });
  }
  return records.length === 0 ? { status: 'notfound' } : { status: 'secure', records };
}

/** RFC 7672 section 3.1.3: only DANE-TA(2) and DANE-EE(3) with known selector and matching type are usable. */
export function usableTlsa(records: readonly TlsaRecord[]): TlsaRecord[] {
  return records.filter(
    (r) => (r.usage === 2 || r.usage === 3) && (r.selector === 0 || r.selector === 1) && r.matchingType <= 2,
  );
}
