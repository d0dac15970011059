/**
 * dns_servers: the name servers affix asks. affix_dns_servers lists them
 * (`127.0.0.1:5353`, `[::1]:5353`, `192.0.2.53`); when it is empty, the
 * system's servers from /etc/resolv.conf, as node:dns reads them.
 *
 * Parameters: affix_dns_servers
 * Diagnostics: a bad entry yields `invalid affix_dns_servers entry: "x"`
 */
import { getServers } from 'node:dns';
import { isIP, isIPv4, isIPv6 } from 'node:net';

export interface DnsServer {
  /** An IPv4 or IPv6 address (no brackets). */
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
}

export type ParsedServers =
  | { readonly ok: true; readonly value: DnsServer[] }
  | { readonly ok: false; readonly error: string };

/** One server: `addr`, `addr:port` (IPv4), `[addr]:port` or a bare IPv6 address. */
export function parseDnsServer(text: string): DnsServer | null {
  let host = text;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4port = /^([0-9.]+):(\d+)$/.exec(text);
  if (bracketed !== null) {
    host = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
    if (!isIPv6(host)) return null;
  } else if (v4port !== null) {
    host = v4port[1]!;
    port = Number(v4port[2]);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  const family = isIP(host);
  if (family === 0) return null;
  return { host, port, family: isIPv4(host) ? 4 : 6 };
}

/** A list of servers; the first bad entry is the error. */
export function parseDnsServers(entries: readonly string[], name = 'affix_dns_servers'): ParsedServers {
  const value: DnsServer[] = [];
  for (const entry of entries) {
    const server = parseDnsServer(entry);
    if (server === null) return { ok: false, error: `invalid ${name} entry: "${entry}"` };
    value.push(server);
  }
  return { ok: true, value };
}

/** The system's servers (/etc/resolv.conf), or 127.0.0.1:53 when it names none, as res_init() assumes. */
export function systemDnsServers(): DnsServer[] {
  const servers = getServers()
    .map(parseDnsServer)
    .filter((s) => s !== null);
  return servers.length > 0 ? servers : [{ host: '127.0.0.1', port: 53, family: 4 }];
}

/** `127.0.0.1:53`, `[::1]:53`: a server as logged. */
export function formatDnsServer(server: DnsServer): string {
  return server.family === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
