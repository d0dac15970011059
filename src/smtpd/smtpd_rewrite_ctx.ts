/**
 * smtpd_rewrite_ctx: whose header rules cleanup applies to a message from
 * this client (Postfix's smtpd_check_rewrite()). A client that matches
 * local_header_rewrite_clients gets the `local` context (header addresses
 * completed with $myorigin, missing headers added); every other client
 * gets `remote` (remote_header_rewrite_domain, usually nothing).
 *
 * Parameters: local_header_rewrite_clients, mynetworks, inet_interfaces
 * Diagnostics: warning `parameter local_header_rewrite_clients: invalid
 *   request: WORD`; a table that cannot answer is logged and the client is
 *   treated as remote (Postfix stops the session with a fatal error there)
 * Security: decides only header rewriting, never access
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_rewrite)
 */
import type { SmtpdSession } from './smtpd_state.ts';

export async function rewriteContextFor(s: SmtpdSession): Promise<'local' | 'remote'> {
  const { ctx, peer } = s;
  const words = ctx.params.local_header_rewrite_clients;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const name = word.toLowerCase();
    try {
      if (name === 'permit_inet_interfaces') {
        if (await ctx.resolver.isLocalDomain(`[${peer.rfcAddr}]`)) return 'local';
      } else if (name === 'permit_mynetworks') {
        if (await ctx.lists.mynetworks.matchClient(peer.name, peer.addr)) return 'local';
      } else if (name === 'permit_sasl_authenticated') {
        if (s.sasl !== null) return 'local';
      } else if (name === 'permit_tls_clientcerts' || name === 'permit_tls_all_clientcerts') {
        // Client certificates are not asked for (see the differences): never a match.
      } else if (name === 'check_address_map' && i + 1 < words.length) {
        const dict = await ctx.tables.open(words[++i]!);
        if ((await dict.lookup(peer.addr)) !== null) return 'local';
      } else if (name === 'static:all') {
        return 'local';
      } else {
        ctx.log.warn(`parameter local_header_rewrite_clients: invalid request: ${word}`);
      }
    } catch (err) {
      ctx.log.warn(`local_header_rewrite_clients: ${word}: ${err instanceof Error ? err.message : String(err)}`);
      return 'remote';
    }
  }
  return 'remote';
}
