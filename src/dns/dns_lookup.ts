/**
 * dns_lookup: one name, one record type, uncached. Checks the name, asks the
 * servers, follows CNAMEs (at most 10), and turns the answer into records or
 * into Postfix's verdict and text: NXDOMAIN and NODATA are permanent, a
 * SERVFAIL or silence temporary, a null MX its own status. The TTL of a
 * negative answer comes from the SOA in its authority section (RFC 2308).
 *
 * Diagnostics: warnings as Postfix logs them: malformed names in answers,
 *   `dns_lookup: Name server loop for x`, the DNS record count limit
 * Security: names in answers (MX exchange, PTR, CNAME target) must pass
 *   valid_hostname() before any caller sees them; at most 100 records
 * See: postfix/src/dns/dns_lookup.c (dns_lookup_x, dns_get_answer, dns_get_rr)
 */
import type * as packet from 'dns-packet';
import { hostnameProblem, stripDot, validHostaddr } from './dns_name.ts';
import type { DnsResult } from './dns_result.ts';
import type { DnsRr, DnsRrOf, DnsType } from './dns_rr.ts';
import { dnsMissing } from './dns_strerror.ts';
import { type DnsTransportOptions, dnsExchange, RCODE } from './dns_transport.ts';

/** Postfix's var_dns_rr_list_limit. */
export const DNS_RR_LIST_LIMIT = 100;
const CNAME_LIMIT = 10;

export interface DnsLookupContext {
  readonly transport: DnsTransportOptions;
  readonly warn: (text: string) => void;
}

/** Looks up `type` records of `name` (Postfix's dns_lookup()). */
export async function dnsLookup<T extends DnsType>(
  name: string,
  type: T,
  ctx: DnsLookupContext,
): Promise<DnsResult<DnsRrOf<T>>> {
  const query = stripDot(name);
  if (validHostaddr(query) || hostnameProblem(query, true) !== null) return dnsMissing('badname', query, type);
  let current = query;
  let ttl = Number.POSITIVE_INFINITY;
  for (let count = 0; count < CNAME_LIMIT; count++) {
    const ex = await dnsExchange(current, type, ctx.transport);
    if (ex.kind === 'error') return dnsMissing(ex.error, query, type, current, 0, ex.detail);
    const reply = ex.packet;
    if (ex.rcode === RCODE.NXDOMAIN) return dnsMissing('nxdomain', query, type, current, negativeTtl(reply));
    if (ex.rcode !== RCODE.NOERROR) return dnsMissing('formerr', query, type, current);
    const records: DnsRrOf<T>[] = [];
    let cname: string | null = null;
    let badRdata = false;
    for (const rr of reply.answers ?? []) {
      const owner = stripDot(rr.name);
      if (rr.type !== type && rr.type !== 'CNAME') continue;
      if (!rrNameOk(owner, 'resource name', rr.type, current, ctx)) return dnsMissing('badrdata', query, type, current);
      if (rr.type === type) {
        const record = toRr(rr) as DnsRrOf<T> | 'nullmx' | null;
        if (record === 'nullmx') return dnsMissing('nullmx', query, type, current, rr.ttl ?? 0);
        if (record === null || !rdataOk(record, current, ctx)) {
          badRdata = true;
          continue;
        }
        if (records.length >= DNS_RR_LIST_LIMIT) {
          ctx.warn(
            `DNS record count limit (${DNS_RR_LIST_LIMIT}) exceeded -- dropping excess record(s) after qname=${query} qtype=${type}`,
          );
          break;
        }
        records.push(record);
        ttl = Math.min(ttl, rr.ttl ?? 0);
      } else {
        const target = stripDot(String(rr.data));
        if (!rrNameOk(target, 'resource data', 'CNAME', current, ctx))
          return dnsMissing('badrdata', query, type, current);
        cname = target;
        ttl = Math.min(ttl, rr.ttl ?? 0);
      }
    }
    if (records.length > 0) return { status: 'ok', name: query, type, records, ttl };
    if (badRdata) return dnsMissing('badrdata', query, type, current);
    if (cname === null) return dnsMissing('nodata', query, type, current, negativeTtl(reply));
    current = cname;
  }
  ctx.warn(`dns_lookup: Name server loop for ${current}`);
  return dnsMissing('loop', query, type, current);
}

/** How long a negative answer may be kept: min(SOA TTL, SOA minimum); 0 without an SOA. */
function negativeTtl(reply: packet.DecodedPacket): number {
  const soa = (reply.authorities ?? []).find((rr) => rr.type === 'SOA');
  if (soa === undefined || soa.type !== 'SOA') return 0;
  return Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0);
}

/** A decoded answer as a DnsRr; 'nullmx' for an MX with the root as exchange; null if unusable. */
function toRr(rr: packet.Answer): DnsRr | 'nullmx' | null {
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return { type: rr.type, address: rr.data };
    case 'PTR':
    case 'CNAME':
      return { type: rr.type, name: stripDot(rr.data) };
    case 'MX': {
      const exchange = stripDot(rr.data.exchange);
      if (exchange === '.' || exchange === '') return 'nullmx';
      return { type: 'MX', preference: rr.data.preference ?? 0, exchange };
    }
    case 'TXT': {
      const data = Array.isArray(rr.data) ? rr.data : [rr.data];
      const chunks = data.map((d) => (typeof d === 'string' ? d : d.toString('utf8')));
      return { type: 'TXT', text: chunks.join(''), chunks };
    }
    default:
      return null;
  }
}

/** Host names inside a record must be valid (valid_rr_name() in the resource data). */
function rdataOk(record: DnsRrOf<DnsType>, current: string, ctx: DnsLookupContext): boolean {
  switch (record.type) {
    case 'MX':
      return rrNameOk(record.exchange, 'resource data', 'MX', current, ctx);
    case 'PTR':
    case 'CNAME':
      return rrNameOk(record.name, 'resource data', record.type, current, ctx);
    default:
      return true;
  }
}

/** valid_rr_name(): an IP address passes with a warning, a malformed name fails with one. */
function rrNameOk(name: string, location: string, type: string, query: string, ctx: DnsLookupContext): boolean {
  if (validHostaddr(name)) {
    ctx.warn(`numeric domain name in ${location} of ${type} record for ${query}: ${name.slice(0, 100)}`);
    return true;
  }
  if (hostnameProblem(name, true) !== null) {
    ctx.warn(`malformed domain name in ${location} of ${type} record for ${query}: ${name.slice(0, 100)}`);
    return false;
  }
  return true;
}
