/**
 * rewrite_init: builds a RewriteContext from a service's configuration, once
 * per service (and again on reload): converts the parameters, opens the
 * domain lists and tables, finds the addresses of inet_interfaces and
 * proxy_interfaces, and reads transport_maps' `*` entry. A table that cannot
 * be opened is logged as an error and fails each lookup (the resolver then
 * answers `fail`, and mail is deferred), as in a Postfix daemon.
 *
 * Parameters: those of RewriteParams and ResolveRoutes, plus mydestination,
 *   relay_domains, virtual_alias_domains, virtual_mailbox_domains, relocated_maps,
 *   inet_interfaces, inet_protocols, proxy_interfaces, parent_domain_matches_subdomains,
 *   recipient_delimiter, double_bounce_sender, owner_request_special, compatibility_level
 * Diagnostics: ConfigError for a bad parameter value, `PARAM: no pattern after
 *   '!'`, and `config variable inet_interfaces: host not found: NAME`
 * See: postfix/src/trivial-rewrite/trivial-rewrite.c (pre_jail_init), resolve.c
 *   (resolve_init), postfix/src/global/own_inet_addr.c, mail_params.c (compat warnings)
 */
import { lookup } from 'node:dns/promises';
import { parseCompatLevel } from '../config/compat_level.ts';
import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import type { Params } from '../config/params.ts';
import type { DictOpenOptions } from '../maps/dict_open.ts';
import type { MailAddrFindOptions } from '../maps/mail_addr_find.ts';
import { type Maps, openMaps } from '../maps/maps.ts';
import { domainList, type MatchListOptions, matchParentStyle, stringList } from './match_list.ts';
import { resolveClass } from './resolve_addr.ts';
import { canonicalAddress, type LocalDomains, resolveLocal } from './resolve_local.ts';
import type { ResolveRoutes, RewriteContext, RewriteLog, RewriteParams } from './rewrite_context.ts';
import { REWRITE_LOG } from './rewrite_log.ts';
import { TransportMaps } from './transport_lookup.ts';

export interface RewriteContextOptions {
  /** How tables are opened (cwd, env, extra types ...); log, flags and surrogate are set here. */
  readonly dict?: Omit<DictOpenOptions, 'log' | 'flags' | 'surrogate'>;
  /** Addresses of a host name in inet_interfaces or proxy_interfaces; default getaddrinfo(). */
  readonly lookupHost?: (name: string) => Promise<readonly string[]>;
  /** Milliseconds since the epoch, for the transport `*` cache; default Date.now. */
  readonly now?: () => number;
}

type MapsParam =
  | 'transport_maps'
  | 'sender_dependent_relayhost_maps'
  | 'sender_dependent_default_transport_maps'
  | 'address_verify_transport_maps'
  | 'address_verify_sender_dependent_relayhost_maps'
  | 'address_verify_sender_dependent_default_transport_maps'
  | 'relocated_maps';

async function defaultLookupHost(name: string): Promise<readonly string[]> {
  return (await lookup(name, { all: true })).map((a) => a.address);
}

const isLoopback = (address: string): boolean => address === '::1' || address.startsWith('127.');

/**
 * own_inet_addr_init() and proxy_inet_addr_init(): the addresses that make an
 * address literal local, in canonicalAddress() form.
 */
async function ownAddresses(config: Config, options: RewriteContextOptions): Promise<Set<string>> {
  const params = config.params;
  const protocols = params.inet_protocols.map((p) => p.toLowerCase());
  const wanted = (address: string) =>
    protocols.includes('all') || protocols.includes(address.includes(':') ? 'ipv6' : 'ipv4');
  const out = new Set<string>();
  const add = (address: string) => {
    const canonical = canonicalAddress(address);
    if (canonical !== null && wanted(canonical)) out.add(canonical);
  };
  const hosts = async (name: string, list: readonly string[]) => {
    for (const host of list) {
      const bare = host.replace(/^\[(.*)\]$/, '$1');
      if (canonicalAddress(bare) !== null) {
        add(bare);
        continue;
      }
      let found: readonly string[] = [];
      try {
        found = await (options.lookupHost ?? defaultLookupHost)(bare);
      } catch {
        // reported below as "host not found"
      }
      if (found.length === 0) throw new ConfigError(REWRITE_LOG.hostNotFound(name, host));
      for (const a of found) add(a);
    }
  };
  const inet = params.inet_interfaces.map((i) => i.toLowerCase());
  const system = config.system.interfaces.map((i) => i.address);
  if (inet.length === 1 && inet[0] === 'all') system.forEach(add);
  else if (inet.length === 1 && inet[0] === 'loopback-only') system.filter(isLoopback).forEach(add);
  else await hosts('inet_interfaces', params.inet_interfaces);
  await hosts('proxy_interfaces', params.proxy_interfaces);
  return out;
}

function rewriteParams(p: Params): RewriteParams {
  return {
    myhostname: p.myhostname,
    mydomain: p.mydomain,
    myorigin: p.myorigin,
    config_directory: p.config_directory,
    smtputf8_enable: p.smtputf8_enable,
    swap_bangpath: p.swap_bangpath,
    allow_percent_hack: p.allow_percent_hack,
    append_at_myorigin: p.append_at_myorigin,
    append_dot_mydomain: p.append_dot_mydomain,
    remote_header_rewrite_domain: p.remote_header_rewrite_domain,
    resolve_dequoted_address: p.resolve_dequoted_address,
    resolve_null_domain: p.resolve_null_domain,
    resolve_numeric_domain: p.resolve_numeric_domain,
    allow_min_user: p.allow_min_user,
    empty_address_recipient: p.empty_address_recipient,
    show_user_unknown_table_name: p.show_user_unknown_table_name,
    helpful_warnings: p.helpful_warnings,
    empty_address_relayhost_maps_lookup_key: p.empty_address_relayhost_maps_lookup_key,
    empty_address_default_transport_maps_lookup_key: p.empty_address_default_transport_maps_lookup_key,
  };
}

/** Builds the context of one service; `log` receives warnings, compatibility notes and table errors. */
export async function openRewriteContext(
  config: Config,
  log: RewriteLog,
  options: RewriteContextOptions = {},
): Promise<RewriteContext> {
  const p = config.params;
  const params = rewriteParams(p);
  const listOptions = (name: string): MatchListOptions => ({
    log,
    utf8: p.smtputf8_enable,
    parent: matchParentStyle(p.parent_domain_matches_subdomains, name),
    ...(options.dict === undefined ? {} : { dictOptions: options.dict }),
  });
  const openList = async (name: 'virtual_alias_domains' | 'virtual_mailbox_domains' | 'relay_domains') =>
    p[name].length === 0
      ? null
      : name === 'relay_domains'
        ? domainList(name, p[name], listOptions(name))
        : stringList(name, p[name], listOptions(name));
  const openNamedMaps = async (name: MapsParam, noRegsub: boolean): Promise<Maps | null> =>
    p[name].length === 0
      ? null
      : openMaps(name, p[name].join(', '), {
          ...options.dict,
          log,
          flags: { fold_fix: true, utf8: p.smtputf8_enable, no_regsub: noRegsub },
          surrogate: true,
        });

  const local: LocalDomains = {
    mydestination: await stringList('mydestination', p.mydestination, listOptions('mydestination')),
    addresses: await ownAddresses(config, options),
    warn: (text) => log.warn(text),
  };
  const addrFind: MailAddrFindOptions = {
    recipient_delimiter: p.recipient_delimiter,
    myorigin: p.myorigin,
    double_bounce_sender: config.value('double_bounce_sender'),
    owner_request_special: config.value('owner_request_special').toLowerCase() === 'yes',
    isLocalDomain: (domain) => resolveLocal(local, domain),
  };
  const transportMaps = async (name: 'transport_maps' | 'address_verify_transport_maps') => {
    const maps = await openNamedMaps(name, true);
    const parent = matchParentStyle(p.parent_domain_matches_subdomains, 'transport_maps');
    return maps === null
      ? null
      : TransportMaps.open(maps, { parent, addrFind, ...(options.now ? { now: options.now } : {}) });
  };
  const named = (name: keyof Params & string) => ({ name, value: String(p[name]) });
  const regular: ResolveRoutes = {
    local_transport: named('local_transport'),
    virtual_transport: named('virtual_transport'),
    relay_transport: named('relay_transport'),
    default_transport: named('default_transport'),
    relayhost: named('relayhost'),
    sender_dependent_default_transport_maps: await openNamedMaps('sender_dependent_default_transport_maps', true),
    sender_dependent_relayhost_maps: await openNamedMaps('sender_dependent_relayhost_maps', true),
    transport_maps: await transportMaps('transport_maps'),
  };
  const verify: ResolveRoutes = {
    local_transport: named('address_verify_local_transport'),
    virtual_transport: named('address_verify_virtual_transport'),
    relay_transport: named('address_verify_relay_transport'),
    default_transport: named('address_verify_default_transport'),
    relayhost: named('address_verify_relayhost'),
    sender_dependent_default_transport_maps: await openNamedMaps(
      'address_verify_sender_dependent_default_transport_maps',
      true,
    ),
    sender_dependent_relayhost_maps: await openNamedMaps('address_verify_sender_dependent_relayhost_maps', true),
    transport_maps: await transportMaps('address_verify_transport_maps'),
  };

  // warn_compat_break_app_dot_mydomain: level below 1 and append_dot_mydomain not set.
  const level = parseCompatLevel(p.compatibility_level);
  const compatAppendDot =
    level !== null && level < (parseCompatLevel('1') ?? 0) && config.setting('append_dot_mydomain') === undefined;
  const ctx: RewriteContext = {
    params,
    log,
    compat: { append_dot_mydomain: compatAppendDot, localhostIsDefault: false },
    local,
    virtual_alias_domains: await openList('virtual_alias_domains'),
    virtual_mailbox_domains: await openList('virtual_mailbox_domains'),
    relay_domains: await openList('relay_domains'),
    relocated_maps: await openNamedMaps('relocated_maps', false),
    regular,
    verify,
    addrFind,
  };
  if (!compatAppendDot) return ctx;
  // The note for "localhost" needs its class; it is looked up once, here.
  const localhostIsDefault = (await resolveClass(ctx, 'localhost')) === 'default';
  return { ...ctx, compat: { append_dot_mydomain: true, localhostIsDefault } };
}

/** Closes the tables of a context that is no longer used (after a reload). */
export async function closeRewriteContext(ctx: RewriteContext): Promise<void> {
  const maps = [ctx.relocated_maps];
  for (const routes of [ctx.regular, ctx.verify]) {
    maps.push(
      routes.sender_dependent_default_transport_maps,
      routes.sender_dependent_relayhost_maps,
      routes.transport_maps?.maps ?? null,
    );
  }
  for (const m of maps) await m?.close();
  const lists = [ctx.local.mydestination, ctx.virtual_alias_domains, ctx.virtual_mailbox_domains, ctx.relay_domains];
  for (const list of lists) {
    for (const pattern of list?.patterns ?? []) await pattern.dict?.close?.();
  }
}
