/**
 * dns_strerror: every text the DNS module produces, in Postfix's words: the
 * resolver error strings of dns_strerror(), the `why` texts dns_lookup()
 * builds around them, and the getaddrinfo() strings smtpd logs when a client
 * name does not resolve (`hostname x does not resolve to address y: Name or
 * service not known`).
 *
 * See: postfix/src/dns/dns_strerror.c, postfix/src/dns/dns_lookup.c,
 *      glibc gai_strerror(), postfix/src/smtpd/smtpd_peer.c
 */
import type { DnsError, DnsMissing, DnsStatus } from './dns_result.ts';
import type { DnsType } from './dns_rr.ts';

/** h_errno values and their dns_strerror() texts. */
export const DNS_HERROR = {
  HOST_NOT_FOUND: 'Host not found',
  TRY_AGAIN: 'Host not found, try again',
  NO_RECOVERY: 'Non-recoverable error',
  NO_DATA: 'Host found but no data record of requested type',
} as const;

export type DnsHerror = keyof typeof DNS_HERROR;

/** getaddrinfo() error texts (glibc), for lookups Postfix does through the native resolver. */
export const GAI_ERROR = {
  EAI_NONAME: 'Name or service not known',
  EAI_NODATA: 'No address associated with hostname',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
} as const;

export type GaiError = keyof typeof GAI_ERROR;

/** Per error: the status it yields, the h_errno Postfix sees, and the getaddrinfo() error. */
const ERRORS: Readonly<Record<DnsError, { status: Exclude<DnsStatus, 'ok'>; herror: DnsHerror; gai: GaiError }>> = {
  nxdomain: { status: 'notfound', herror: 'HOST_NOT_FOUND', gai: 'EAI_NONAME' },
  nodata: { status: 'notfound', herror: 'NO_DATA', gai: 'EAI_NODATA' },
  badname: { status: 'notfound', herror: 'HOST_NOT_FOUND', gai: 'EAI_NONAME' },
  loop: { status: 'notfound', herror: 'HOST_NOT_FOUND', gai: 'EAI_NONAME' },
  nullmx: { status: 'nullmx', herror: 'NO_DATA', gai: 'EAI_NODATA' },
  badrdata: { status: 'inval', herror: 'NO_RECOVERY', gai: 'EAI_FAIL' },
  servfail: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  refused: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  notimp: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  timeout: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  network: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  malformed: { status: 'retry', herror: 'TRY_AGAIN', gai: 'EAI_AGAIN' },
  formerr: { status: 'fail', herror: 'NO_RECOVERY', gai: 'EAI_FAIL' },
};

/** The `why` text dns_lookup() builds for an error while looking up name/type. */
export function dnsWhy(error: DnsError, name: string, type: DnsType): string {
  switch (error) {
    case 'badname':
      return `Name service error for ${name}: invalid host or domain name`;
    case 'loop':
      return `Name server loop for ${name}`;
    case 'nullmx':
      return `Domain ${name} does not accept mail (nullMX)`;
    case 'badrdata':
    case 'malformed':
      return `Name service error for name=${name} type=${type}: Malformed or unexpected name server reply`;
    default:
      return `Host or domain name not found. Name service error for name=${name} type=${type}: ${DNS_HERROR[ERRORS[error].herror]}`;
  }
}

/** A result for an error; `name` is the name whose lookup failed (the CNAME target, after a CNAME). */
export function dnsMissing(
  error: DnsError,
  query: string,
  type: DnsType,
  name = query,
  ttl = 0,
  detail?: string,
): DnsMissing {
  const result = { status: ERRORS[error].status, name: query, type, error, text: dnsWhy(error, name, type), ttl };
  return detail === undefined ? result : { ...result, detail };
}

/** dns_strerror() of the h_errno behind an error: `Host not found, try again`. */
export function dnsStrerror(error: DnsError): string {
  return DNS_HERROR[ERRORS[error].herror];
}

/** The getaddrinfo() error smtpd would have seen for this error. */
export function gaiError(error: DnsError): GaiError {
  return ERRORS[error].gai;
}

/** gai_strerror() of that error: `Name or service not known`. */
export function gaiStrerror(error: DnsError): string {
  return GAI_ERROR[ERRORS[error].gai];
}
