/**
 * rewrite_tree: Postfix's `rewrite` request, which puts an address in
 * standard form: strips a source route (`@a,@b:user@c` becomes `user@c`),
 * turns `site!user` into `user@site` (swap_bangpath) and `user%site` into
 * `user@site` (allow_percent_hack), appends `@$myorigin` to a bare local part
 * (append_at_myorigin) and `.$mydomain` to a domain without a dot
 * (append_dot_mydomain), and drops one trailing dot. The `remote` context
 * completes with remote_header_rewrite_domain instead, and not at all when
 * it is empty. A lone `@` becomes the empty address `""`.
 *
 * Parameters: myorigin, mydomain, remote_header_rewrite_domain, swap_bangpath,
 *   allow_percent_hack, append_at_myorigin, append_dot_mydomain
 * Diagnostics: info `using backwards-compatible default setting
 *   append_dot_mydomain=yes to rewrite ...` (compatibility_level < 1, as Postfix);
 *   warning `rewrite_addr: null address` for an empty request
 * Security: rewrites untrusted addresses; the result is parsed again by its users
 * See: postfix/src/trivial-rewrite/rewrite.c, postfix/src/global/rewrite_clnt.c
 */
import { quote822Local, unquote822Local } from '../global/quote_822_local.ts';
import { tok822Externalize, tok822Scan, tok822ScanAddr } from '../maps/tok822_parse.ts';
import {
  type Tok822,
  tok822Alloc,
  tok822CutAfter,
  tok822FindType,
  tok822IsOp,
  tok822RfindType,
  tok822SubAppend,
  tok822SubKeepAfter,
  tok822SubKeepBefore,
  tok822SubPrepend,
} from '../maps/tok822_tree.ts';
import { type RewriteContext, type RewriteRule, rewriteDomains } from './rewrite_context.ts';
import { REWRITE_LOG } from './rewrite_log.ts';

/** Appends the tokens of `text` to the sublist of `tree`. */
function appendText(tree: Tok822, text: string): void {
  const list = tok822Scan(text);
  if (list.head !== null) tok822SubAppend(tree, list.head);
}

/** The note Postfix logs when the compatibility_level < 1 default of append_dot_mydomain changes an address. */
function compatNote(ctx: RewriteContext, label: Tok822 | null): void {
  if (!ctx.compat.append_dot_mydomain || label === null || tok822IsOp(label.type)) return;
  const value = label.text;
  if (value.toLowerCase() !== 'localhost') ctx.log.info(REWRITE_LOG.compatAppendDot(value, ctx.params.mydomain, false));
  else if (ctx.compat.localhostIsDefault) ctx.log.info(REWRITE_LOG.compatAppendDot(value, ctx.params.mydomain, true));
}

/**
 * rewrite_tree(): rewrites the address whose tokens are the sublist of the
 * address token `tree`, in place.
 */
export function rewriteTree(ctx: RewriteContext, rule: RewriteRule, tree: Tok822): void {
  const p = ctx.params;
  const { origin, domain: mydomain } = rewriteDomains(ctx, rule);
  if (tree.head === null || tree.tail === null) throw new Error('rewrite_tree: empty tree');

  // The empty address stays empty; a lone @ becomes it.
  if (tree.head === tree.tail && tree.tail.type === 'qstring' && tree.tail.text === '') return;
  if (tree.head === tree.tail && tree.tail.type === '@') {
    tok822SubKeepBefore(tree, tree.tail);
    tok822SubAppend(tree, tok822Alloc('qstring', ''));
    return;
  }

  // Strip a source route.
  const colon = tree.head.type === '@' ? tok822FindType(tree.head, ':') : null;
  if (colon !== null && colon !== tree.tail) tok822SubKeepAfter(tree, colon);

  let domain = tok822RfindType(tree.tail, '@');
  if (domain === null) {
    const bang = p.swap_bangpath ? tok822FindType(tree.head, '!') : null;
    const percent = bang === null && p.allow_percent_hack ? tok822RfindType(tree.tail, '%') : null;
    if (bang !== null) {
      // site!user becomes user@site.
      tok822SubKeepBefore(tree, bang);
      const local = tok822CutAfter(bang);
      tok822SubPrepend(tree, tok822Alloc('@'));
      if (local !== null) tok822SubPrepend(tree, local);
    } else if (percent !== null) {
      percent.type = '@';
    } else if (p.append_at_myorigin && origin !== '') {
      tok822SubAppend(tree, tok822Alloc('@'));
      appendText(tree, origin);
    }
  }

  // Append .mydomain to a domain without a dot, but leave forms ending in @ alone.
  domain = tok822RfindType(tree.tail, '@');
  if (
    p.append_dot_mydomain &&
    mydomain !== '' &&
    domain !== null &&
    domain !== tree.tail &&
    tok822FindType(domain, 'domlit') === null &&
    tok822FindType(domain, '.') === null
  ) {
    compatNote(ctx, domain.next);
    tok822SubAppend(tree, tok822Alloc('.'));
    appendText(tree, mydomain);
  }

  // Strip one trailing dot, but not dot-dot or @-dot.
  const tail = tree.tail!;
  if (tail.type === '.' && tail.prev !== null && tail.prev.type !== '.' && tail.prev.type !== '@') {
    tok822SubKeepBefore(tree, tail);
  }
}

/**
 * rewrite_addr(): rewrites one address in external (quoted) form, as the
 * rewrite service answers a `rewrite` request; the result is external too.
 */
export function rewriteAddress(ctx: RewriteContext, rule: RewriteRule, address: string): string {
  if (address === '') {
    ctx.log.warn(REWRITE_LOG.nullAddress());
    return '';
  }
  const tree = tok822ScanAddr(address);
  // Postfix panics on text without tokens (white space only); affix returns it empty.
  if (tree.head === null) return '';
  rewriteTree(ctx, rule, tree);
  return tok822Externalize(tree);
}

/** rewrite_clnt_internal(): the same for an address in internal (unquoted) form. */
export function rewriteAddressInternal(ctx: RewriteContext, rule: RewriteRule, address: string): string {
  return unquote822Local(rewriteAddress(ctx, rule, quote822Local(address)));
}
