/**
 * resolve_reply: what resolving a recipient gives (Postfix's RESOLVE_REPLY):
 * the transport (a master.cf service), the next hop, the recipient with
 * sender-specified routing stripped, the address class, and the flags
 * `fail` (a table could not answer: try again later), `error` (the address
 * is malformed) and `routed` (the local part still carries routing operators
 * `@`, `!` or `%`).
 *
 * See: postfix/src/global/resolve_clnt.h
 */

/**
 * RESOLVE_CLASS_*: local (mydestination, inet_interfaces, proxy_interfaces),
 * alias (virtual_alias_domains), virtual (virtual_mailbox_domains), relay
 * (relay_domains), default (anything else: what reject_unauth_destination refuses).
 */
export type AddressClass = 'local' | 'alias' | 'virtual' | 'relay' | 'default';

export interface ResolveReply {
  /** The transport; 'CHANNEL NOT UPDATED' when fail or error stopped the resolver first, as Postfix. */
  readonly transport: string;
  /** The next hop; 'NEXTHOP NOT UPDATED' likewise. */
  readonly nexthop: string;
  /** The recipient in internal form; 'NEXTRCPT NOT UPDATED' when fail stopped the resolver first. */
  readonly recipient: string;
  /** null only with `fail` before the class was known. */
  readonly class: AddressClass | null;
  /** RESOLVE_FLAG_FAIL: a table lookup failed; defer, do not bounce. */
  readonly fail: boolean;
  /** RESOLVE_FLAG_ERROR: bad address syntax (a bad domain, an address starting with `-`). */
  readonly error: boolean;
  /** RESOLVE_FLAG_ROUTED: routing operators are left in the local part. */
  readonly routed: boolean;
}

/** RESOLVE_CLASS_FINAL: a class this system delivers to itself (local, virtual alias or mailbox). */
export function isFinalClass(cls: AddressClass | null): boolean {
  return cls === 'local' || cls === 'alias' || cls === 'virtual';
}

/** The flags as Postfix's resolve_clnt test prints them: `FLAG_ROUTED CLASS_DEFAULT `. */
export function resolveFlagsText(reply: ResolveReply): string {
  const words: string[] = [];
  if (reply.routed) words.push('FLAG_ROUTED');
  if (reply.error) words.push('FLAG_ERROR');
  if (reply.fail) words.push('FLAG_FAIL');
  if (reply.class !== null) words.push(`CLASS_${reply.class.toUpperCase()}`);
  return words.map((w) => `${w} `).join('');
}
