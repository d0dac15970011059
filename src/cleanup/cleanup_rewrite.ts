/**
 * cleanup_rewrite: the one place cleanup asks trivial-rewrite (src/rewrite)
 * to put an address into canonical form: `user` -> `user@$myorigin` in the
 * local context, `@$remote_header_rewrite_domain` in the remote one, source
 * routes, `site!user` and `user%site` undone. The AddressRewriter interface
 * lets tests and other callers pass their own.
 *
 * See: postfix/src/cleanup/cleanup_rewrite.c, postfix/src/global/rewrite_clnt.c
 */
import { resolveLocal } from '../rewrite/resolve_local.ts';
import type { RewriteContext } from '../rewrite/rewrite_context.ts';
import { rewriteAddressInternal } from '../rewrite/rewrite_tree.ts';

export type RewriteContextName = 'local' | 'remote';

/** What cleanup needs from trivial-rewrite. */
export interface AddressRewriter {
  /** rewrite_clnt_internal(): `address` (internal form) in canonical form. */
  rewrite(context: RewriteContextName, address: string): Promise<string>;
  /** resolve_local(): true when `domain` is this machine's own (mydestination, interface literals). */
  isLocalDomain(domain: string): Promise<boolean>;
}

/** cleanup_rewrite_internal(): the call every address of cleanup goes through. */
export function cleanupRewrite(
  rewriter: AddressRewriter,
  context: RewriteContextName,
  address: string,
): Promise<string> {
  return rewriter.rewrite(context, address);
}

/** trivial-rewrite's rewriter under one RewriteContext. The null address stays null, as rewrite_clnt() keeps it. */
export function trivialRewriter(ctx: RewriteContext): AddressRewriter {
  return {
    rewrite: async (context, address) => (address === '' ? '' : rewriteAddressInternal(ctx, context, address)),
    isLocalDomain: (domain) => resolveLocal(ctx.local, domain),
  };
}
