/**
 * rewrite_context: what address rewriting and resolving work with, built
 * once per service from its configuration (openRewriteContext() in
 * rewrite_init.ts) and passed to rewriteAddress() and resolveAddress(): the
 * parameter values, the domain lists that define the address classes, the
 * tables, and the two routing personalities (regular mail, and address
 * verification probes with their address_verify_* overrides). Only the
 * transport table's `*` cache changes after it is built.
 *
 * See: postfix/src/trivial-rewrite/trivial-rewrite.h (RWR_CONTEXT, RES_CONTEXT)
 */
import type { Params } from '../config/params.ts';
import type { MailAddrFindOptions } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import type { MatchList } from './match_list.ts';
import type { LocalDomains } from './resolve_local.ts';
import type { TransportMaps } from './transport_lookup.ts';

/** The rewriting context: `local` completes with myorigin/mydomain, `remote` with remote_header_rewrite_domain. */
export type RewriteRule = 'local' | 'remote';

/** The parameter values rewriting and resolving read. */
export type RewriteParams = Pick<
  Params,
  | 'myhostname'
  | 'mydomain'
  | 'myorigin'
  | 'config_directory'
  | 'smtputf8_enable'
  | 'swap_bangpath'
  | 'allow_percent_hack'
  | 'append_at_myorigin'
  | 'append_dot_mydomain'
  | 'remote_header_rewrite_domain'
  | 'resolve_dequoted_address'
  | 'resolve_null_domain'
  | 'resolve_numeric_domain'
  | 'allow_min_user'
  | 'empty_address_recipient'
  | 'show_user_unknown_table_name'
  | 'helpful_warnings'
  | 'empty_address_relayhost_maps_lookup_key'
  | 'empty_address_default_transport_maps_lookup_key'
>;

/** Where warnings and compatibility notes go (a Log is one). */
export interface RewriteLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

/** A parameter value with the name it came from (a personality's value may be address_verify_*'s). */
export interface NamedValue {
  readonly name: string;
  readonly value: string;
}

/** RES_CONTEXT: the transports, relay host and tables of one resolver personality. */
export interface ResolveRoutes {
  readonly local_transport: NamedValue;
  readonly virtual_transport: NamedValue;
  readonly relay_transport: NamedValue;
  readonly default_transport: NamedValue;
  readonly relayhost: NamedValue;
  /** Maps.title is the parameter name, for warnings. */
  readonly sender_dependent_default_transport_maps: Maps | null;
  readonly sender_dependent_relayhost_maps: Maps | null;
  readonly transport_maps: TransportMaps | null;
}

export interface RewriteContext {
  readonly params: RewriteParams;
  readonly log: RewriteLog;
  /**
   * warn_compat_break_app_dot_mydomain: compatibility_level below 1 and
   * append_dot_mydomain not set, so each use of the old default is logged;
   * localhostIsDefault: "localhost" is in no address class (the note then says so).
   */
  readonly compat: { readonly append_dot_mydomain: boolean; readonly localhostIsDefault: boolean };
  /** mydestination and the addresses of inet_interfaces and proxy_interfaces. */
  readonly local: LocalDomains;
  /** null when the parameter is empty. */
  readonly virtual_alias_domains: MatchList | null;
  readonly virtual_mailbox_domains: MatchList | null;
  readonly relay_domains: MatchList | null;
  readonly relocated_maps: Maps | null;
  readonly regular: ResolveRoutes;
  readonly verify: ResolveRoutes;
  /** recipient_delimiter, myorigin ... for the address-keyed table lookups. */
  readonly addrFind: MailAddrFindOptions;
}

/** The completion domains of a rewriting context (RWR_CONTEXT). */
export function rewriteDomains(ctx: RewriteContext, rule: RewriteRule): { origin: string; domain: string } {
  const p = ctx.params;
  return rule === 'local'
    ? { origin: p.myorigin, domain: p.mydomain }
    : { origin: p.remote_header_rewrite_domain, domain: p.remote_header_rewrite_domain };
}
