/**
 * resolve_route: the second half of Postfix's resolve_addr(): once the
 * destination domain is known, its address class (virtual alias, virtual
 * mailbox, relay, default; or local) and the transport and next hop that
 * class gives, with relayhost and the sender-dependent tables for mail that
 * leaves this host. Also the reply under construction and how a table
 * failure ends the request with `fail`.
 *
 * Parameters: virtual_alias_domains, virtual_mailbox_domains, relay_domains,
 *   show_user_unknown_table_name, helpful_warnings, and the ResolveRoutes of
 *   the personality (local_transport ... relayhost, sender_dependent_*_maps)
 * Diagnostics: warnings `PARAM lookup failure`, `do not list domain X in BOTH A and B`
 * See: postfix/src/trivial-rewrite/resolve.c
 */
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import type { MatchList } from './match_list.ts';
import type { AddressClass } from './resolve_reply.ts';
import type { ResolveRoutes, RewriteContext } from './rewrite_context.ts';
import { REWRITE_LOG } from './rewrite_log.ts';

/** The reply being built; FAIL returns it as it stands, as Postfix does. */
export interface Work {
  transport: string;
  nexthop: string;
  recipient: string;
  class: AddressClass | null;
  fail: boolean;
  error: boolean;
  routed: boolean;
}

/** A lookup failure: resolving stops with `fail`. */
export class Failed extends Error {}

/** Calls `f`; a table failure becomes a warning and Failed. */
export async function orFail<T>(ctx: RewriteContext, what: string | null, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (!(err instanceof DictLookupError)) throw err;
    if (what !== null) ctx.log.warn(REWRITE_LOG.lookupFailure(what));
    throw new Failed();
  }
}

/** A list match for a helpful warning only; a failure there counts as no match, as in Postfix. */
async function listed(list: MatchList | null, name: string): Promise<boolean> {
  if (list === null) return false;
  try {
    return await list.match(name);
  } catch (err) {
    if (err instanceof DictLookupError) return false;
    throw err;
  }
}

/** Looks the sender (or the null sender's key) up in a sender-dependent table. */
async function senderLookup(ctx: RewriteContext, maps: Maps, sender: string, nullKey: string) {
  const key = sender !== '' ? sender : nullKey;
  const found = await orFail(ctx, maps.title, () => mailAddrFind(maps, key, ctx.addrFind));
  if (found !== null && found.value === '') {
    ctx.log.warn(REWRITE_LOG.ignoringNullResult(maps.title, key));
    return { key, value: 'DUNNO' };
  }
  return found === null ? null : { key, value: found.value };
}

/** The class, transport and next hop of a remote domain (resolve_addr()'s `domain != 0` branch). */
export async function routeRemote(
  ctx: RewriteContext,
  r: Work,
  routes: ResolveRoutes,
  rcptDomain: string,
  sender: string,
) {
  const p = ctx.params;
  const warnBoth = (a: string, b: string) => ctx.log.warn(REWRITE_LOG.listedTwice(rcptDomain, a, b));
  const matches = (name: string, list: MatchList | null) =>
    list === null ? Promise.resolve(false) : orFail(ctx, name, () => list.match(rcptDomain));

  if (await matches('virtual_alias_domains', ctx.virtual_alias_domains)) {
    if (p.helpful_warnings) {
      if (await listed(ctx.virtual_mailbox_domains, rcptDomain))
        warnBoth('virtual_alias_domains', 'virtual_mailbox_domains');
      if (await listed(ctx.relay_domains, rcptDomain)) warnBoth('virtual_alias_domains', 'relay_domains');
    }
    r.transport = 'error';
    r.nexthop = `5.1.1 User unknown${p.show_user_unknown_table_name ? ' in virtual alias table' : ''}`;
    r.class = 'alias';
    return null;
  }
  if (await matches('virtual_mailbox_domains', ctx.virtual_mailbox_domains)) {
    if (p.helpful_warnings && (await listed(ctx.relay_domains, rcptDomain)))
      warnBoth('virtual_mailbox_domains', 'relay_domains');
    r.transport = routes.virtual_transport.value;
    r.nexthop = rcptDomain;
    r.class = 'virtual';
    return routes.virtual_transport.name;
  }
  let blame: string;
  if (await matches('relay_domains', ctx.relay_domains)) {
    r.transport = routes.relay_transport.value;
    blame = routes.relay_transport.name;
    r.class = 'relay';
  } else {
    const maps = routes.sender_dependent_default_transport_maps;
    const xport =
      maps === null ? null : await senderLookup(ctx, maps, sender, p.empty_address_default_transport_maps_lookup_key);
    if (xport !== null) {
      r.transport = xport.value.toLowerCase() === 'dunno' ? routes.default_transport.value : xport.value;
      blame = maps!.title;
    } else {
      r.transport = routes.default_transport.value;
      blame = routes.default_transport.name;
    }
    r.class = 'default';
  }
  // With off-host delivery, the sender-dependent or global relayhost overrides the domain.
  const relayMaps = routes.sender_dependent_relayhost_maps;
  let relay =
    relayMaps === null ? null : await senderLookup(ctx, relayMaps, sender, p.empty_address_relayhost_maps_lookup_key);
  if (relay !== null && relay.value.toLowerCase() === 'dunno') relay = null;
  r.nexthop = relay !== null ? relay.value : routes.relayhost.value !== '' ? routes.relayhost.value : rcptDomain;
  return blame;
}

/** The class, transport and next hop of a local domain. */
export async function routeLocal(ctx: RewriteContext, r: Work, routes: ResolveRoutes, rcptDomain: string) {
  if (ctx.params.helpful_warnings) {
    const warnBoth = (b: string) => ctx.log.warn(REWRITE_LOG.listedTwice(rcptDomain, 'mydestination', b));
    if (await listed(ctx.virtual_alias_domains, rcptDomain)) warnBoth('virtual_alias_domains');
    if (await listed(ctx.virtual_mailbox_domains, rcptDomain)) warnBoth('virtual_mailbox_domains');
  }
  r.transport = routes.local_transport.value;
  r.nexthop = rcptDomain;
  r.class = 'local';
  return routes.local_transport.name;
}
