/**
 * resolve_local: whether a domain is this machine's own: listed in
 * mydestination, or an address literal (`[192.0.2.1]`, `[IPv6:::1]`) of an
 * interface that inet_interfaces or proxy_interfaces names. One trailing dot
 * is ignored; `x..` and `.` are never local.
 *
 * Parameters: mydestination, inet_interfaces, proxy_interfaces (through the
 *   lists and addresses given to LocalDomains)
 * Diagnostics: warning for a malformed address literal (valid_mailhost_addr);
 *   a mydestination table that fails: warning, then DictLookupError
 * Security: parses untrusted address literals with valid_hostname's checks
 *   before converting them
 * See: postfix/src/global/resolve_local.c, own_inet_addr.c
 */
import { SocketAddress } from 'node:net';
import type { MatchList } from './match_list.ts';
import { validMailhostAddr } from './valid_hostname.ts';

/** One address in the form used for comparison (as inet_ntop() prints it), or null when invalid. */
export function canonicalAddress(address: string): string | null {
  const family = address.includes(':') ? 'ipv6' : 'ipv4';
  try {
    return new SocketAddress({ address, family }).address.toLowerCase();
  } catch {
    return null;
  }
}

/** What resolve_local() compares a domain with. */
export interface LocalDomains {
  /** mydestination, a string list. */
  readonly mydestination: MatchList;
  /** Addresses of inet_interfaces and proxy_interfaces, in canonicalAddress() form. */
  readonly addresses: ReadonlySet<string>;
  /** Receives the warnings of a malformed address literal. */
  readonly warn: (text: string) => void;
}

/**
 * resolve_local(): true when `domain` is local. Throws DictLookupError when a
 * mydestination table cannot answer (Postfix returns -1).
 */
export async function resolveLocal(local: LocalDomains, domain: string): Promise<boolean> {
  let name = domain;
  if (name === '') return false;
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '' || name.endsWith('.')) return false;

  if (await local.mydestination.match(name)) return true;

  if (name[0] === '[' && name[name.length - 1] === ']') {
    const bare = validMailhostAddr(name.slice(1, -1), local.warn);
    if (bare !== null) {
      const canonical = canonicalAddress(bare);
      if (canonical !== null && local.addresses.has(canonical)) return true;
    }
  }
  return false;
}
