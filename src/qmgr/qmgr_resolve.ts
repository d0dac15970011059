/**
 * qmgr_resolve: the one place qmgr asks trivial-rewrite (src/rewrite) where
 * a recipient goes: transport, nexthop, the address as resolved, its class
 * (`local` for mydestination) and the fail/error flags. The QmgrResolver
 * interface lets tests pass their own resolver.
 *
 * See: postfix/src/qmgr/qmgr_message.c (qmgr_resolve_one), postfix/src/global/resolve_clnt.c
 */
import { resolveAddress } from '../rewrite/resolve_addr.ts';
import type { ResolveReply } from '../rewrite/resolve_reply.ts';
import type { RewriteContext } from '../rewrite/rewrite_context.ts';

export type { ResolveReply };

export interface QmgrResolver {
  resolve(sender: string, address: string): Promise<ResolveReply>;
}

/** resolve_clnt_query_from(): the call every recipient of qmgr goes through. */
export function qmgrResolve(resolver: QmgrResolver, sender: string, address: string): Promise<ResolveReply> {
  return resolver.resolve(sender, address);
}

/** trivial-rewrite's resolver under one RewriteContext. */
export function trivialResolver(ctx: RewriteContext): QmgrResolver {
  return { resolve: (sender, address) => resolveAddress(ctx, address, { sender }) };
}
