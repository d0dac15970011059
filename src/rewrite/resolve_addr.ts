/**
 * resolve_addr: Postfix's `resolve` request: maps a recipient (internal
 * form) to a transport, a next hop and the final recipient, with the address
 * class and flags that smtpd's relay control (reject_unauth_destination),
 * cleanup and the queue manager act on. The loop strips every local domain
 * and opens up `user%site`, `site!user`, `user@site@site` and quoted local
 * parts that hide such forms (`"user@site"@local`), so that what is left is
 * the real destination; the class then comes from mydestination,
 * virtual_alias_domains, virtual_mailbox_domains and relay_domains, the
 * transport from the class (or transport_maps), and the next hop from the
 * domain, relayhost, or the transport setting.
 *
 * Parameters: see RewriteParams and ResolveRoutes; resolve_dequoted_address,
 *   resolve_null_domain, resolve_numeric_domain, allow_min_user,
 *   empty_address_recipient, show_user_unknown_table_name, relocated_maps
 * Diagnostics: warnings `PARAM lookup failure` (then `fail`), `do not list
 *   domain X in BOTH A and B` (helpful_warnings), `file DIR/main.cf: parameter
 *   X: null transport is not allowed`, `resolve_addr: <A>: giving up after N iterations`
 * Security: resolves untrusted recipients; relay control depends on the class
 *   being `default` for every form that routes mail elsewhere
 * See: postfix/src/trivial-rewrite/resolve.c
 */
import { quote822Local } from '../global/quote_822_local.ts';
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import { tok822Internalize, tok822Scan, tok822ScanAddr } from '../maps/tok822_parse.ts';
import {
  type Tok822,
  tok822Alloc,
  tok822RfindType,
  tok822SubAppend,
  tok822SubKeepBefore,
} from '../maps/tok822_tree.ts';
import { resolveLocal } from './resolve_local.ts';
import type { AddressClass, ResolveReply } from './resolve_reply.ts';
import { Failed, orFail, routeLocal, routeRemote, type Work } from './resolve_route.ts';
import type { ResolveRoutes, RewriteContext } from './rewrite_context.ts';
import { REWRITE_LOG } from './rewrite_log.ts';
import { rewriteTree } from './rewrite_tree.ts';
import { validHostaddr, validMailhostLiteral, validUtf8Hostname, validUtf8String } from './valid_hostname.ts';

export interface ResolveOptions {
  /** The envelope sender, for sender_dependent_*_maps ('' is the null sender). */
  readonly sender?: string;
  /** Resolve for an address verification probe (the address_verify_* personality). */
  readonly verify?: boolean;
}

/**
 * The preliminary resolver: strips local domains and routing operators until
 * a remote domain, or none, is left. Returns the tree, the remote `@` token
 * (null when the destination is local) and the stripped local domain.
 */
async function stripLocal(ctx: RewriteContext, addr: string) {
  const p = ctx.params;
  const tree = tok822ScanAddr(quote822Local(addr));
  let saved: Tok822 | null = null;
  let domain: Tok822 | null = null;
  const loopMax = addr.length + 100;
  for (let loop = 0; ; loop++) {
    if (loop > loopMax) {
      ctx.log.warn(REWRITE_LOG.givingUp(addr, loop));
      throw new Failed();
    }
    // Strip a trailing dot at the end of the domain, but not dot-dot or at-dot.
    const tail = tree.tail;
    if (
      tail?.type === '.' &&
      tok822RfindType(tail, '@') !== null &&
      tail.prev!.type !== '.' &&
      tail.prev!.type !== '@'
    ) {
      tok822SubKeepBefore(tree, tail);
    }
    if (p.resolve_null_domain && tree.tail?.type === '@') tok822SubKeepBefore(tree, tree.tail);

    // Strip (and save) @domain if local.
    domain = tok822RfindType(tree.tail, '@');
    if (domain !== null) {
      const next = domain.next;
      if (next !== null && !(await orFail(ctx, null, () => resolveLocal(ctx.local, tok822Internalize(next))))) break;
      tok822SubKeepBefore(tree, domain);
      saved = domain;
      domain = null;
    }

    // Replace foo%bar by foo@bar and site!user by user@site, and retry.
    if (
      tok822RfindType(tree.tail, '@') !== null ||
      (p.swap_bangpath && tok822RfindType(tree.tail, '!') !== null) ||
      (p.allow_percent_hack && tok822RfindType(tree.tail, '%') !== null)
    ) {
      rewriteTree(ctx, 'local', tree);
      continue;
    }

    // Crack open a quoted local part and look for routing operators in it.
    const head = tree.head;
    if (p.resolve_dequoted_address && head !== null && head === tree.tail && head.type === 'qstring') {
      const local = head.text;
      let oper = local.lastIndexOf('@');
      if (oper < 0 && p.allow_percent_hack) oper = local.lastIndexOf('%');
      if (oper < 0 && p.swap_bangpath) oper = local.lastIndexOf('!');
      if (oper >= 0) {
        const atLike = local[oper] !== '!';
        head.text = atLike ? `${local.slice(0, oper)}@${local.slice(oper + 1)}` : local;
        let text = tok822Internalize(head);
        if (atLike) text = quote822Local(text);
        const list = tok822Scan(text);
        tree.head = list.head;
        tree.tail = list.tail;
        rewriteTree(ctx, 'local', tree);
        continue;
      }
    }

    // An empty local part becomes the local MAILER-DAEMON (empty_address_recipient).
    if (tree.head !== null && tree.head === tree.tail && tree.head.type === 'qstring' && tree.head.text === '') {
      tree.head = null;
    }
    if (tree.head === null) {
      const list = tok822Scan(p.empty_address_recipient);
      tree.head = list.head;
      tree.tail = list.tail;
      continue;
    }
    // Re-resolve with @$myhostname, for backwards compatibility.
    if (saved === null) {
      appendDomain(tree, p.myhostname);
      continue;
    }
    domain = null;
    break;
  }
  return { tree, domain, saved };
}

function appendDomain(tree: Tok822, name: string): void {
  tok822SubAppend(tree, tok822Alloc('@'));
  const list = tok822Scan(name);
  if (list.head !== null) tok822SubAppend(tree, list.head);
}

/** resolve_addr() after the preliminary resolver; fills `r` or throws Failed. */
async function resolveWork(ctx: RewriteContext, r: Work, addr: string, sender: string, routes: ResolveRoutes) {
  const p = ctx.params;
  const stripped = await stripLocal(ctx, addr);
  const { tree } = stripped;
  let remote = stripped.domain !== null;
  if (!remote) {
    if (stripped.saved !== null) tok822SubAppend(tree, stripped.saved);
    else appendDomain(tree, p.myhostname);
  }

  // The recipient in internal form; a domain must be a host name or an address literal.
  let nextrcpt = tok822Internalize(tree);
  const at = nextrcpt.lastIndexOf('@');
  if (at < 0) throw new Error(`no @ in address: "${nextrcpt}"`);
  let rcptDomain = nextrcpt.slice(at + 1);
  r.recipient = nextrcpt;
  if (rcptDomain[0] === '[') {
    if (!validMailhostLiteral(rcptDomain)) r.error = true;
  } else if (p.smtputf8_enable && !validUtf8String(nextrcpt)) {
    r.error = true;
  } else if (!validUtf8Hostname(p.smtputf8_enable, rcptDomain)) {
    if (p.resolve_numeric_domain && validHostaddr(rcptDomain)) {
      rcptDomain = `[${rcptDomain}]`;
      nextrcpt = nextrcpt.slice(0, at + 1) + rcptDomain;
      r.recipient = nextrcpt;
      if (await orFail(ctx, null, () => resolveLocal(ctx.local, rcptDomain))) remote = false;
    } else {
      r.error = true;
    }
  }
  if (r.error) {
    r.class = 'default';
    return;
  }

  // Routing operators left in the local part, whatever swap_bangpath and allow_percent_hack say.
  const op = nextrcpt.search(/[@!%]/);
  if (nextrcpt.slice(op + 1) !== rcptDomain) r.routed = true;

  const blame = remote
    ? await routeRemote(ctx, r, routes, rcptDomain, sender)
    : await routeLocal(ctx, r, routes, rcptDomain);

  // A main.cf transport:nexthop setting overrides the next hop.
  const colon = r.transport.indexOf(':');
  if (colon >= 0) {
    const destination = r.transport.slice(colon + 1);
    r.transport = r.transport.slice(0, colon);
    if (destination !== '') r.nexthop = destination;
  }
  if (r.transport === '') {
    // Only a parameter can give an empty transport; the virtual alias class sets `error`.
    if (blame === null) throw new Error('resolve_addr: null blame');
    ctx.log.warn(REWRITE_LOG.nullTransport(p.config_directory, blame));
    throw new Failed();
  }

  // transport_maps can override transport and next hop, except for the virtual alias class.
  const transport = routes.transport_maps;
  if (transport !== null && r.class !== 'alias') {
    const found = await orFail(ctx, transport.maps.title, () =>
      transport.lookup(nextrcpt, rcptDomain, { transport: r.transport, nexthop: r.nexthop }),
    );
    if (found !== null) {
      r.transport = found.transport;
      r.nexthop = found.nexthop;
    }
  }

  // Bounce recipients that have moved, whatever their class.
  const relocated = ctx.relocated_maps;
  if (relocated !== null) {
    const found = await orFail(ctx, 'relocated_maps', () => mailAddrFind(relocated, nextrcpt, ctx.addrFind));
    if (found !== null) {
      r.transport = 'error';
      r.nexthop = `5.1.6 User has moved to ${found.value}`;
    }
  }

  // An address starting with `-` could pass for an option to a command.
  if (!p.allow_min_user && nextrcpt[0] === '-') r.error = true;
}

/**
 * resolve_clnt_query_from() / resolve_clnt_verify_from(): resolves a
 * recipient in internal form. Never throws for a table failure: the reply
 * then has `fail` set.
 */
export async function resolveAddress(
  ctx: RewriteContext,
  address: string,
  options: ResolveOptions = {},
): Promise<ResolveReply> {
  const r: Work = {
    transport: 'CHANNEL NOT UPDATED',
    nexthop: 'NEXTHOP NOT UPDATED',
    recipient: 'NEXTRCPT NOT UPDATED',
    class: null,
    fail: false,
    error: false,
    routed: false,
  };
  const routes = options.verify ? ctx.verify : ctx.regular;
  try {
    await resolveWork(ctx, r, address, options.sender ?? '', routes);
  } catch (err) {
    if (!(err instanceof Failed)) throw err;
    r.fail = true;
  }
  return { ...r };
}

/**
 * resolve_class(): the class of a domain, in resolve_addr()'s order; null
 * when a table cannot answer.
 */
export async function resolveClass(ctx: RewriteContext, domain: string): Promise<AddressClass | null> {
  try {
    if (await resolveLocal(ctx.local, domain)) return 'local';
    if (ctx.virtual_alias_domains !== null && (await ctx.virtual_alias_domains.match(domain))) return 'alias';
    if (ctx.virtual_mailbox_domains !== null && (await ctx.virtual_mailbox_domains.match(domain))) return 'virtual';
    if (ctx.relay_domains !== null && (await ctx.relay_domains.match(domain))) return 'relay';
    return 'default';
  } catch (err) {
    if (err instanceof DictLookupError) return null;
    throw err;
  }
}
