/**
 * auth_dns: affix's DnsResolver in the shape mailauth asks for — the
 * `dns.promises.resolve(name, rrtype)` shape: TXT as arrays of chunks, MX
 * as `{exchange, priority}`, A/AAAA/PTR/CNAME as strings — so SPF, DKIM,
 * DMARC, ARC and MTA-STS look names up through the same servers, cache and
 * name checks as the rest of affix. Failures are thrown as node:dns errors
 * with the codes mailauth tells apart: ENOTFOUND (NXDOMAIN) and ENODATA
 * (NODATA) mean "none", ETIMEOUT, ESERVFAIL, EREFUSED and the rest mean
 * "temperror", EBADNAME a name that is not one.
 *
 * Security: names come from message headers and DNS answers; DnsResolver
 *   checks each before it is asked (valid_hostname()) and bounds the answers
 * See: stack.md section 3 (resolver injection), node:dns error codes
 */
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { DnsError, DnsResult } from '../dns/dns_result.ts';
import type { DnsRr } from '../dns/dns_rr.ts';

/** mailauth's resolver: `(name, rrtype) => Promise<records>`. */
export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown[]>;

/** The node:dns error code for each of affix's DNS errors. */
const CODES: Readonly<Record<DnsError, string>> = {
  nxdomain: 'ENOTFOUND',
  nodata: 'ENODATA',
  badname: 'EBADNAME',
  loop: 'ENOTFOUND',
  nullmx: 'ENODATA',
  badrdata: 'EBADRESP',
  servfail: 'ESERVFAIL',
  refused: 'EREFUSED',
  notimp: 'ENOTIMP',
  timeout: 'ETIMEOUT',
  network: 'ECONNREFUSED',
  malformed: 'EBADRESP',
  formerr: 'EFORMERR',
};

/** An error as node:dns throws it: `queryTxt ENOTFOUND example.org`, with `code` and `hostname`. */
export class AuthDnsError extends Error {
  readonly code: string;
  readonly hostname: string;
  constructor(code: string, rrtype: string, hostname: string) {
    super(`query${rrtype.charAt(0)}${rrtype.slice(1).toLowerCase()} ${code} ${hostname}`);
    this.name = 'AuthDnsError';
    this.code = code;
    this.hostname = hostname;
  }
}

const TYPES = new Set(['A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME']);

/** The records of a result in node:dns form; throws AuthDnsError for a result without records. */
function records(result: DnsResult<DnsRr>, name: string, rrtype: string): unknown[] {
  if (result.status !== 'ok') throw new AuthDnsError(CODES[result.error], rrtype, name);
  return result.records.map((rr) => {
    switch (rr.type) {
      case 'A':
      case 'AAAA':
        return rr.address;
      case 'MX':
        return { exchange: rr.exchange, priority: rr.preference };
      case 'TXT':
        return [...rr.chunks];
      default:
        return rr.name;
    }
  });
}

/** A mailauth resolver over `dns`. Record types affix does not ask for answer ENOTIMP. */
export function authResolver(dns: DnsResolver): MailauthResolver {
  return async (name, rrtype) => {
    const type = rrtype.toUpperCase();
    const query = name.replace(/\.$/, '');
    if (!TYPES.has(type)) throw new AuthDnsError('ENOTIMP', type, query);
    const result = await dns.lookup(query, type as 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR' | 'CNAME');
    return records(result, query, type);
  };
}
