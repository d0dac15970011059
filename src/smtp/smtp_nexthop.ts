/**
 * smtp_nexthop: where a request goes. The nexthop qmgr gives (a domain, a
 * relayhost `[host]:port`, `host:port`, or for LMTP `unix:/path` and
 * `inet:host:port`), followed by the fallback relays, each parsed into
 * the name to look up, whether MX lookups apply (no for `[...]`), and the
 * TCP port (named services as /etc/services names them).
 *
 * Parameters: smtp_tcp_port / lmtp_tcp_port, smtp_fallback_relay / lmtp_fallback_relay
 * Diagnostics: ParseError texts as Postfix's fatal errors word them:
 *   `bad network port: X for destination: D`, `unknown service: X/tcp`
 * See: postfix/src/smtp/smtp_connect.c (smtp_parse_destination, smtp_connect_inet),
 *   postfix/src/util/host_port.c
 */
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';

/** The well-known TCP services a nexthop may name (getservbyname() for these). */
const SERVICES: Readonly<Record<string, number>> = {
  smtp: 25,
  lmtp: 24,
  submission: 587,
  submissions: 465,
  smtps: 465,
};

export interface SmtpDestination {
  /** The nexthop as written (`[mail.example.com]:587`). */
  readonly dest: string;
  /** The host or domain without brackets and port. */
  readonly domain: string;
  /** Written as `[...]`: no MX lookup. */
  readonly literal: boolean;
  readonly port: number;
}

export type ParsedDestination =
  | { readonly ok: true; readonly value: SmtpDestination }
  | { readonly ok: false; readonly error: string };

/** A port number for `service` (a number or a known name). */
export function servicePort(service: string, dest: string): { ok: true; port: number } | { ok: false; error: string } {
  if (/^\d+$/.test(service)) {
    const port = Number(service);
    if (port === 0 || port >= 65536)
      return { ok: false, error: `bad network port: ${service} for destination: ${dest}` };
    return { ok: true, port };
  }
  const port = SERVICES[service.toLowerCase()];
  return port === undefined ? { ok: false, error: `unknown service: ${service}/tcp` } : { ok: true, port };
}

/** smtp_parse_destination(): `[host]:port`, `[v6addr]:port`, `host:port`, `host`. */
export function parseDestination(dest: string, defaultService: string): ParsedDestination {
  let domain: string;
  let service = defaultService;
  let literal = false;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(dest);
  if (bracket !== null) {
    literal = true;
    domain = bracket[1]!;
    if (bracket[2] !== undefined && bracket[2] !== '') service = bracket[2];
  } else if (dest.startsWith('[')) {
    return { ok: false, error: `missing "]" character in server description: ${dest}` };
  } else {
    const colon = dest.lastIndexOf(':');
    // A bare IPv6 address has several colons and no port.
    if (colon >= 0 && dest.indexOf(':') === colon) {
      domain = dest.slice(0, colon);
      if (dest.slice(colon + 1) !== '') service = dest.slice(colon + 1);
    } else {
      domain = dest;
    }
  }
  if (domain === '') return { ok: false, error: `empty host in server description: ${dest}` };
  const port = servicePort(service, dest);
  if (!port.ok) return port;
  return { ok: true, value: { dest, domain: domain.replace(/\.$/, ''), literal, port: port.port } };
}

/** The sites to try: the request's nexthop (a list in Postfix) then the fallback relays. */
export function destinationSites(nexthop: string, fallback: readonly string[]): { sites: string[]; primary: number } {
  const primary = splitQuoted(nexthop, CHARS_COMMA_SP);
  return { sites: [...primary, ...fallback], primary: primary.length };
}
