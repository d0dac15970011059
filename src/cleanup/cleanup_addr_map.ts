/**
 * cleanup_addr_map: mail_addr_map(), one lookup of an address in a
 * parameter's tables with Postfix's derived keys, turned into the list of
 * addresses it maps to: `@domain` results get the user's local part, each
 * result is put in canonical form, and an unmatched address extension
 * (`user+ext`) is carried over when propagate_unmatched_extensions says so.
 *
 * Parameters: recipient_delimiter, myorigin, double_bounce_sender (passed in)
 * Diagnostics: warning `TITLE lookup of ADDR returns non-address result "X"`,
 *   then DictLookupError as for a table that failed
 * See: postfix/src/global/mail_addr_map.c, mail_addr_crunch.c
 */

import { quote822Local, unquote822Local } from '../global/quote_822_local.ts';
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import { tok822Externalize, tok822Parse } from '../maps/tok822_parse.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { cleanupRewrite } from './cleanup_rewrite.ts';

/** The addresses (internal form) in an RFC 822 address list, as tok822 parses it. */
export function addressList(text: string): string[] {
  const out: string[] = [];
  for (let tp = tok822Parse(text); tp !== null; tp = tp.next) {
    if (tp.type === 'addr') out.push(unquote822Local(tok822Externalize(tp.head)));
  }
  return out;
}

/**
 * mail_addr_map_internal(): what `address` (internal form) maps to in
 * `maps`, or null when no key matched. Throws DictLookupError when a table
 * failed.
 */
export async function mailAddrMap(
  ctx: CleanupContext,
  maps: Maps,
  address: string,
  propagate: boolean,
): Promise<string[] | null> {
  const p = ctx.params;
  const found = await mailAddrFind(maps, address, {
    recipient_delimiter: p.recipient_delimiter,
    myorigin: p.myorigin,
    double_bounce_sender: p.double_bounce_sender,
    isLocalDomain: (domain) => ctx.rewriter.isLocalDomain(domain),
  });
  if (found === null) return null;
  let value = found.value;
  if (value.startsWith('@')) {
    const at = address.lastIndexOf('@');
    let user = at < 0 ? address : address.slice(0, at);
    if (found.extension !== null) user = user.slice(0, user.length - found.extension.length);
    value = quote822Local(user + value);
  }
  const extension = propagate ? found.extension : null;
  const out: string[] = [];
  for (const addr of addressList(value)) {
    let canon = await cleanupRewrite(ctx.rewriter, 'local', addr);
    if (extension !== null) {
      const at = canon.lastIndexOf('@');
      canon = at < 0 ? canon + extension : canon.slice(0, at) + extension + canon.slice(at);
    }
    out.push(canon);
  }
  if (out.length === 0) {
    ctx.log.warn(CLEANUP_LOG.nonAddress(maps.title, address, found.value));
    throw new DictLookupError(maps.title, 'retry', 'non-address result');
  }
  return out;
}
