/**
 * dns_rbl: DNS allow/deny list lookups, as reject_rbl_client,
 * permit_dnswl_client and the reject_rhsbl_* restrictions make them. A site
 * is `zone` or `zone=filter` (dns_ip_match); the query is the reversed client
 * address (IPv4 octets, IPv6 nibbles) or a domain, under the zone. Any A
 * record lists the name, unless a filter excludes every one; the TXT records
 * then give the reason (joined with ` / `, at most 500 characters).
 *
 * A list that refuses a query still answers with an A record (Spamhaus:
 * 127.255.255.254 for a query through a public resolver); Postfix treats it
 * as a listing. The result keeps the addresses and names such answers in
 * `refusal`, so `affix doctor` can tell them apart.
 *
 * Diagnostics: `warning` for a temporary failure (`Q: RBL lookup error: ...`);
 *   a bad filter is `RBL reply error: ...` (fatal in Postfix)
 * Security: TXT text comes from the list's operator and goes into a reply:
 *   it is cut to 500 characters and anything unprintable becomes a space
 * Standards: RFC 5782
 * See: postfix/src/smtpd/smtpd_check.c (rbl_pagein, find_dnsxl_addr, find_dnsxl_domain)
 */
import { domainToASCII } from 'node:url';
import { reversedAddress } from './dns_arpa.ts';
import { type IpMatch, ipMatches, parseIpMatch } from './dns_ip_match.ts';
import { validHostname } from './dns_name.ts';
import type { DnsResolver } from './dns_resolver.ts';

export interface DnsxlSite {
  /** The zone queried: `zen.spamhaus.org`. */
  readonly domain: string;
  /** Answers that count; null: any A record. */
  readonly filter: IpMatch | null;
  /** As configured: `zen.spamhaus.org=127.0.0.[2..11]` (the key for rbl_reply_maps). */
  readonly spec: string;
}

export type DnsxlResult =
  | {
      readonly status: 'listed';
      readonly query: string;
      /** Every A record of the answer (127.0.0.2 ...). */
      readonly addresses: readonly string[];
      /** The TXT reason (Postfix's $rbl_reason), or null when the list gives none. */
      readonly txt: string | null;
      /** What a list-error answer (127.255.255.x) means, or null for a real listing. */
      readonly refusal: string | null;
    }
  | {
      readonly status: 'unlisted';
      /** null when no query was made (an address literal, a numeric top-level label ...). */
      readonly query: string | null;
      readonly reason: 'nxdomain' | 'nodata' | 'filtered' | 'skipped';
    }
  | { readonly status: 'error'; readonly query: string; readonly text: string; readonly warning: string };

/** Answers by which a list says it refused the query, not that the name is listed. */
export const DNSBL_ERROR_CODES: Readonly<Record<string, string>> = {
  '127.255.255.252': 'typing error in DNSBL name',
  '127.255.255.254': 'query via public/open resolver or unattributable route',
  '127.255.255.255': 'excessive number of queries',
};

const RBL_TXT_LIMIT = 500;

/** Parses `zone` or `zone=filter`; the error is Postfix's `RBL reply error: ...`. */
export function parseDnsxlSite(spec: string): { ok: true; value: DnsxlSite } | { ok: false; error: string } {
  const eq = spec.indexOf('=');
  if (eq < 0) return { ok: true, value: { domain: spec, filter: null, spec } };
  const parsed = parseIpMatch(spec.slice(eq + 1));
  if (!parsed.ok) return { ok: false, error: `RBL reply error: ${parsed.error}` };
  return { ok: true, value: { domain: spec.slice(0, eq), filter: parsed.value, spec } };
}

/** `2.0.0.127.zone` for an IPv4 client, 32 nibbles then the zone for IPv6; null if not an address. */
export function dnsblQueryName(address: string, domain: string): string | null {
  const reversed = reversedAddress(address);
  return reversed === null ? null : `${reversed}.${domain}`;
}

/**
 * `domain.zone` for an RHSBL lookup of a domain, or of the domain of an
 * address (`user@domain`); null where Postfix asks nothing: an address
 * literal, a numeric last label, an invalid name.
 */
export function rhsblQueryName(what: string, domain: string): string | null {
  const at = what.lastIndexOf('@');
  let name = at >= 0 ? what.slice(at + 1) : what;
  if (name === '' || name.startsWith('[')) return null;
  if (/^[0-9]+$/.test(name.slice(name.lastIndexOf('.') + 1))) return null;
  if (!/^[\x00-\x7f]*$/.test(name)) name = domainToASCII(name) || name;
  if (!validHostname(name)) return null;
  return `${name}.${domain}`;
}

/** Looks up a client address in a DNSBL/DNSWL (reject_rbl_client, permit_dnswl_client). */
export function dnsblLookup(dns: DnsResolver, site: DnsxlSite, address: string): Promise<DnsxlResult> {
  return dnsxlQuery(dns, site, dnsblQueryName(address, site.domain));
}

/** Looks up a domain, or an address's domain, in an RHSBL (reject_rhsbl_sender ...). */
export function rhsblLookup(dns: DnsResolver, site: DnsxlSite, what: string): Promise<DnsxlResult> {
  return dnsxlQuery(dns, site, rhsblQueryName(what, site.domain));
}

async function dnsxlQuery(dns: DnsResolver, site: DnsxlSite, query: string | null): Promise<DnsxlResult> {
  if (query === null) return { status: 'unlisted', query, reason: 'skipped' };
  const a = await dns.a(query);
  if (a.status === 'notfound')
    return { status: 'unlisted', query, reason: a.error === 'nodata' ? 'nodata' : 'nxdomain' };
  if (a.status !== 'ok')
    return { status: 'error', query, text: a.text, warning: `${query}: RBL lookup error: ${a.text}` };
  const addresses = a.records.map((rr) => rr.address);
  const txt = await dns.txt(query);
  const reason = txt.status === 'ok' ? joinTxt(txt.records.map((rr) => rr.text)) : null;
  const { filter } = site;
  if (filter !== null && !addresses.some((address) => ipMatches(filter, address))) {
    return { status: 'unlisted', query, reason: 'filtered' };
  }
  const refusals = addresses.map((address) => DNSBL_ERROR_CODES[address]).filter((r) => r !== undefined);
  return { status: 'listed', query, addresses, txt: reason, refusal: refusals[0] ?? null };
}

/** rbl_pagein(): TXT records joined by ` / `, unprintable bytes as spaces, at most 500 characters. */
function joinTxt(texts: readonly string[]): string {
  let out = '';
  for (let i = 0; i < texts.length && out.length < RBL_TXT_LIMIT; i++) {
    const printable = [...Buffer.from(texts[i]!)]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ' '))
      .join('');
    out += printable.slice(0, RBL_TXT_LIMIT - out.length);
    if (i + 1 < texts.length && RBL_TXT_LIMIT - out.length > 3) out += ' / ';
  }
  return out;
}
