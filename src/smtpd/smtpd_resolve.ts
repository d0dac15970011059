/**
 * smtpd_resolve: where an address goes, as smtpd asks trivial-rewrite — the
 * address class (local, virtual alias, virtual mailbox, relay, or other),
 * transport and next hop, and whether the address is malformed, routed
 * through a `%`, `!` or `@` in its local part, or undecided because a table
 * failed. smtpd's relay control and address checks use only this one
 * interface (SmtpdResolver); rewriteResolver() answers it with the shared
 * resolver of src/rewrite.
 *
 * See: postfix/src/smtpd/smtpd_resolve.c, postfix/src/trivial-rewrite/resolve.c
 */
import { resolveAddress } from '../rewrite/resolve_addr.ts';
import { resolveLocal } from '../rewrite/resolve_local.ts';
import type { AddressClass } from '../rewrite/resolve_reply.ts';
import type { RewriteContext } from '../rewrite/rewrite_context.ts';

export type ResolveClass = AddressClass;

export interface ResolveReply {
  readonly transport: string;
  readonly nexthop: string;
  /** The resolved recipient, user@domain. */
  readonly recipient: string;
  readonly class: ResolveClass;
  /** RESOLVE_FLAG_ERROR: the address is malformed (bad domain syntax). */
  readonly error: boolean;
  /** RESOLVE_FLAG_FAIL: a table lookup failed; try again later. */
  readonly fail: boolean;
  /** RESOLVE_FLAG_ROUTED: the local part holds routing operators. */
  readonly routed: boolean;
}

/** What smtpd needs from trivial-rewrite. */
export interface SmtpdResolver {
  resolve(sender: string, address: string): Promise<ResolveReply>;
  /** resolve_local(): mydestination, or an address literal of one of our interfaces. */
  isLocalDomain(domain: string): Promise<boolean>;
}

/** The resolver of src/rewrite behind smtpd's interface. */
export function rewriteResolver(ctx: RewriteContext): SmtpdResolver {
  return {
    async resolve(sender, address) {
      const r = await resolveAddress(ctx, address, { sender });
      return { ...r, class: r.class ?? 'default' };
    },
    isLocalDomain: (domain) => resolveLocal(ctx.local, domain),
  };
}
