/**
 * dns_fcrdns: the name of an SMTP client, forward-confirmed as smtpd does it.
 * Address → PTR name (the reverse name); that name → its addresses of the
 * client's family; the client's address among them → the name is verified,
 * else the client is `unknown` and smtpd logs why:
 *   warning: hostname x does not resolve to address y
 *   warning: hostname x does not resolve to address y: Name or service not known
 * The statuses drive reject_unknown_client_hostname (name) and
 * reject_unknown_reverse_client_hostname (reverse name): ok, temp (a
 * temporary DNS failure: reply 450), perm (no usable PTR), forged (PTR
 * present, forward check failed).
 *
 * Diagnostics: `warning` holds the line smtpd logs; `numeric hostname: x` for a
 *   PTR that is an IP address
 * Security: the PTR name is chosen by whoever owns the client's address; it
 *   is trusted only after the forward check, and must be a valid host name
 * See: postfix/src/smtpd/smtpd_peer.c (smtpd_peer_sockaddr_to_hostname),
 *      postfix/src/util/myaddrinfo.c (sockaddr_to_hostname)
 */
import { isIP } from 'node:net';
import { sameAddress } from './dns_arpa.ts';
import type { HostsTable } from './dns_hosts.ts';
import { validHostaddr, validHostname } from './dns_name.ts';
import type { DnsResolver } from './dns_resolver.ts';
import type { DnsMissing } from './dns_result.ts';
import { gaiError, gaiStrerror } from './dns_strerror.ts';

/** Postfix's SMTPD_PEER_CODE_OK / _TEMP / _PERM / _FORGED (2, 4, 5, 6). */
export type PeerNameStatus = 'ok' | 'temp' | 'perm' | 'forged';

export type ClientNameReason =
  /** PTR name resolves back to the client address. */
  | 'confirmed'
  /** No PTR record (NXDOMAIN, NODATA), or one that is not a valid host name. */
  | 'no-ptr'
  /** The PTR lookup failed temporarily. */
  | 'ptr-tempfail'
  /** The PTR name does not resolve (NXDOMAIN, NODATA) in the client's family. */
  | 'name-not-found'
  /** The forward lookup of the PTR name failed temporarily. */
  | 'name-tempfail'
  /** The PTR name resolves, but not to the client address. */
  | 'mismatch';

export interface ClientName {
  readonly addr: string;
  /** The verified name, or `unknown`. */
  readonly name: string;
  /** The PTR name, unverified, or `unknown`. */
  readonly reverseName: string;
  readonly nameStatus: PeerNameStatus;
  readonly reverseNameStatus: Exclude<PeerNameStatus, 'forged'>;
  readonly reason: ClientNameReason;
  /** What smtpd logs as a warning, without `warning: `; null when nothing. */
  readonly warning: string | null;
  /** The failed lookup behind the reason, for `affix doctor` (its Postfix text); null when none. */
  readonly lookup: DnsMissing | null;
}

export const CLIENT_NAME_UNKNOWN = 'unknown';

export interface ClientNameOptions {
  /** Consulted before the DNS, as the "files" source of the system's name service. */
  readonly hosts?: HostsTable | null;
}

/** Finds and verifies the client's host name (smtpd_peer_sockaddr_to_hostname). */
export async function clientHostname(dns: DnsResolver, addr: string, o: ClientNameOptions = {}): Promise<ClientName> {
  const unknown = { addr, name: CLIENT_NAME_UNKNOWN, reverseName: CLIENT_NAME_UNKNOWN, warning: null, lookup: null };
  const family = isIP(addr);
  if (family === 0) return { ...unknown, nameStatus: 'perm', reverseNameStatus: 'perm', reason: 'no-ptr' };

  // Address to name: getnameinfo(NI_NAMEREQD), then the sanity checks of sockaddr_to_hostname().
  let name = o.hosts?.namesOf(addr)[0];
  if (name === undefined) {
    const ptr = await dns.ptr(addr);
    if (ptr.status !== 'ok') {
      const temp = ptr.status === 'retry';
      return {
        ...unknown,
        nameStatus: temp ? 'temp' : 'perm',
        reverseNameStatus: temp ? 'temp' : 'perm',
        reason: temp ? 'ptr-tempfail' : 'no-ptr',
        lookup: ptr,
      };
    }
    name = ptr.records[0]!.name;
  }
  if (validHostaddr(name) || !validHostname(name)) {
    const warning = validHostaddr(name) ? `numeric hostname: ${name}` : null;
    return { ...unknown, nameStatus: 'perm', reverseNameStatus: 'perm', reason: 'no-ptr', warning };
  }

  // Name to addresses, of the client's family only (hostname_to_sockaddr_pf).
  const known = { addr, reverseName: name, reverseNameStatus: 'ok' as const };
  const listed = o.hosts?.addressesOf(name, family as 4 | 6) ?? [];
  let addresses: readonly string[] = listed;
  if (listed.length === 0) {
    const forward = await dns.hostAddresses(name, [family === 4 ? 'ipv4' : 'ipv6']);
    if (forward.status !== 'ok') {
      const temp = gaiError(forward.error) === 'EAI_AGAIN';
      return {
        ...known,
        name: CLIENT_NAME_UNKNOWN,
        nameStatus: temp ? 'temp' : 'forged',
        reason: temp ? 'name-tempfail' : 'name-not-found',
        warning: `hostname ${name} does not resolve to address ${addr}: ${gaiStrerror(forward.error)}`,
        lookup: forward,
      };
    }
    addresses = forward.records.map((rr) => rr.address);
  }
  if (!addresses.some((a) => sameAddress(a, addr))) {
    return {
      ...known,
      name: CLIENT_NAME_UNKNOWN,
      nameStatus: 'forged',
      reason: 'mismatch',
      warning: `hostname ${name} does not resolve to address ${addr}`,
      lookup: null,
    };
  }
  return { ...known, name, nameStatus: 'ok', reason: 'confirmed', warning: null, lookup: null };
}
