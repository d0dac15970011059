/**
 * doctor_net: addresses and networks as the doctor judges them: whether an
 * address is public (routable on the Internet) or private, loopback,
 * link-local, shared or reserved for documentation (RFC 5737: never a real
 * sender, so a host's interface there is not taken for its public address); the prefix length of a mynetworks entry; whether an
 * address lies in a list of patterns; and which of this host's addresses
 * send mail (given with --public-ip, smtp_bind_address, or the public
 * addresses of its interfaces).
 *
 * Parameters: smtp_bind_address, smtp_bind_address6
 * See: RFC 6890 (special-purpose address registries), postfix/src/util/cidr_match.c
 */
import { isIP } from 'node:net';
import type { InterfaceAddress } from '../config/system_defaults.ts';
import { type CidrPattern, cidrMatches, parseCidrKey, parseCidrPattern } from '../maps/cidr_match.ts';

/** Networks that are not the public Internet (RFC 6890), as CIDR text. */
const NON_PUBLIC = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
].map((c) => parseCidrPattern(c) as CidrPattern);

/** True for an address routable on the Internet (not private, loopback, link-local, CGN, multicast). */
export function isPublicAddress(address: string): boolean {
  const key = parseCidrKey(address);
  if (key === null) return false;
  return !NON_PUBLIC.some((p) => cidrMatches(p, key));
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  if (address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

/** The number of one bits in a pattern's mask: 24 for 192.0.2.0/24. */
export function prefixLength(p: CidrPattern): number {
  let bits = 0;
  for (const b of p.mask) for (let i = 7; i >= 0; i--) if ((b >> i) & 1) bits++;
  return bits;
}

/** How many addresses a pattern covers, as a power of two (IPv4 /8 -> 24). */
export function hostBits(p: CidrPattern): number {
  return (p.v6 ? 128 : 32) - prefixLength(p);
}

/** A mynetworks-style pattern (`192.0.2.0/24`, `[2001:db8::]/32`, `127.0.0.1`) or null for tables, files, names. */
export function networkPattern(text: string): CidrPattern | null {
  if (text.startsWith('/') || /^[a-z]+:/i.test(text) || text.startsWith('!')) return null;
  const p = parseCidrPattern(text);
  return typeof p === 'string' ? null : p;
}

/** True when `address` lies in one of the network patterns (tables and names are not consulted). */
export function inNetworks(address: string, patterns: readonly string[]): boolean {
  const key = parseCidrKey(address);
  if (key === null) return false;
  for (const text of patterns) {
    const p = networkPattern(text);
    if (p !== null && cidrMatches(p, key)) return true;
  }
  return false;
}

/** True when the network has public addresses in it (it is not inside one non-public range). */
export function coversPublic(p: CidrPattern): boolean {
  return !NON_PUBLIC.some((np) => prefixLength(np) <= prefixLength(p) && cidrMatches(np, { v6: p.v6, bytes: p.net }));
}

/**
 * The addresses this host sends from: the --public-ip values when given;
 * else smtp_bind_address(6) when public; else the public addresses of its
 * interfaces (empty behind NAT: the doctor then asks for --public-ip).
 */
export function sendingAddresses(
  given: readonly string[],
  bind: readonly string[],
  interfaces: readonly InterfaceAddress[],
): string[] {
  if (given.length > 0) return [...new Set(given)];
  const bound = bind.filter((a) => a !== '' && isPublicAddress(a));
  if (bound.length > 0) return [...new Set(bound)];
  return [...new Set(interfaces.map((i) => i.address).filter(isPublicAddress))];
}
