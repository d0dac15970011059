/**
 * dns_result: what a lookup returns. The status carries Postfix's verdict
 * (dns_lookup() returns DNS_OK, DNS_NOTFOUND, DNS_NULLMX, DNS_INVAL, DNS_RETRY
 * or DNS_FAIL); `error` says precisely what happened; `text` is the reason
 * exactly as Postfix words it in logs and replies.
 *
 *   ok        records found
 *   notfound  permanent: NXDOMAIN (the name does not exist) or NODATA (it
 *             exists without records of this type); an invalid query name;
 *             a CNAME loop
 *   nullmx    the domain publishes a null MX (RFC 7505): it accepts no mail
 *   inval     the answer holds a malformed name
 *   retry     temporary: SERVFAIL, REFUSED, timeout, network error, an
 *             unparsable answer
 *   fail      non-recoverable: FORMERR and other rcodes
 *
 * See: postfix/src/dns/dns.h, postfix/src/dns/dns_lookup.c
 */
import type { DnsRr, DnsType } from './dns_rr.ts';

export type DnsStatus = 'ok' | 'notfound' | 'nullmx' | 'inval' | 'retry' | 'fail';

/** The precise cause of a result other than ok. */
export type DnsError =
  /** rcode NXDOMAIN. */
  | 'nxdomain'
  /** rcode NOERROR, no record of the type. */
  | 'nodata'
  /** The query name failed valid_hostname(); nothing was asked. */
  | 'badname'
  /** More than 10 CNAMEs in a row. */
  | 'loop'
  /** A single MX `.` (RFC 7505). */
  | 'nullmx'
  /** A malformed host name inside an answer (MX exchange, PTR, CNAME target). */
  | 'badrdata'
  | 'servfail'
  | 'refused'
  | 'notimp'
  /** No server answered within timeout x tries. */
  | 'timeout'
  /** A socket error (ICMP port unreachable: ECONNREFUSED, ...). */
  | 'network'
  /** An answer that cannot be parsed. */
  | 'malformed'
  /** rcode FORMERR or an rcode the resolver does not know. */
  | 'formerr';

interface DnsResultBase {
  /** The name asked for (without trailing dot). */
  readonly name: string;
  readonly type: DnsType;
}

export interface DnsFound<R extends DnsRr> extends DnsResultBase {
  readonly status: 'ok';
  readonly records: readonly R[];
  /** Seconds the answer stays valid (smallest TTL of the records used, CNAMEs included). */
  readonly ttl: number;
}

export interface DnsMissing extends DnsResultBase {
  readonly status: Exclude<DnsStatus, 'ok'>;
  readonly error: DnsError;
  /** Postfix's text: `Host or domain name not found. Name service error for name=x type=MX: Host not found`. */
  readonly text: string;
  /** Seconds a negative answer stays valid (from the SOA, RFC 2308); 0: not to be cached. */
  readonly ttl: number;
  /** For transport failures, which server did what: `127.0.0.1:53 answered SERVFAIL`. */
  readonly detail?: string;
}

export type DnsResult<R extends DnsRr> = DnsFound<R> | DnsMissing;

/** True for a result worth trying again later (Postfix's DNS_RETRY). */
export function isTempFail(result: DnsResult<DnsRr>): boolean {
  return result.status === 'retry';
}
