/**
 * smtpd_peer: who the client is — its address and port as the socket says,
 * its name verified forward and reverse (FCrDNS: `unknown` when it fails),
 * and the derived forms smtpd logs and writes: `name[addr]` (namaddr, with
 * `:port` under smtpd_client_port_logging) and the Received: form
 * (`IPv6:` before an IPv6 address).
 *
 * Parameters: smtpd_peername_lookup, smtpd_client_port_logging
 * Diagnostics: `warning: hostname X does not resolve to address Y` (returned for the caller to log)
 * Security: the PTR name is the client's claim; it is used only once the forward lookup confirms it
 * See: postfix/src/smtpd/smtpd_peer.c
 */
import { isIPv4, isIPv6 } from 'node:net';
import { type ClientName, clientHostname, type PeerNameStatus } from '../dns/dns_fcrdns.ts';
import type { HostsTable } from '../dns/dns_hosts.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';

export interface SmtpdPeer {
  readonly addr: string;
  readonly port: string;
  /** Verified name or `unknown`. */
  readonly name: string;
  /** PTR name, unverified, or `unknown`. */
  readonly reverseName: string;
  readonly nameStatus: PeerNameStatus;
  readonly reverseNameStatus: Exclude<PeerNameStatus, 'forged'>;
  /** `name[addr]` or `name[addr]:port`. */
  readonly namaddr: string;
  /** Address as Received: and $client_address in RFC form: `IPv6:2001:db8::1`. */
  readonly rfcAddr: string;
  readonly family: 4 | 6;
  /** The local side: address and port the client connected to. */
  readonly serverAddr: string;
  readonly serverPort: string;
}

/** The IPv4 address behind an IPv4-mapped IPv6 address (::ffff:127.0.0.1), as Postfix logs it. */
export function normalAddress(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m === null ? addr : m[1]!;
}

export interface PeerOptions {
  readonly smtpd_peername_lookup: boolean;
  readonly smtpd_client_port_logging: boolean;
  readonly dns: DnsResolver;
  readonly hosts: HostsTable | null;
}

export interface PeerLookup {
  readonly peer: SmtpdPeer;
  /** The FCrDNS warning to log, or null. */
  readonly warning: string | null;
}

/** Looks the client up (smtpd_peer_init). */
export async function lookupPeer(
  remoteAddress: string,
  remotePort: number,
  localAddress: string,
  localPort: number,
  o: PeerOptions,
): Promise<PeerLookup> {
  const addr = normalAddress(remoteAddress);
  const family: 4 | 6 = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 4;
  let names: Pick<ClientName, 'name' | 'reverseName' | 'nameStatus' | 'reverseNameStatus' | 'warning'> = {
    name: 'unknown',
    reverseName: 'unknown',
    nameStatus: 'perm',
    reverseNameStatus: 'perm',
    warning: null,
  };
  if (o.smtpd_peername_lookup) names = await clientHostname(o.dns, addr, { hosts: o.hosts });
  const port = String(remotePort);
  const namaddr = `${names.name}[${addr}]${o.smtpd_client_port_logging ? `:${port}` : ''}`;
  return {
    peer: {
      addr,
      port,
      name: names.name,
      reverseName: names.reverseName,
      nameStatus: names.nameStatus,
      reverseNameStatus: names.reverseNameStatus,
      namaddr,
      rfcAddr: family === 6 ? `IPv6:${addr}` : addr,
      family,
      serverAddr: normalAddress(localAddress),
      serverPort: String(localPort),
    },
    warning: names.warning,
  };
}
