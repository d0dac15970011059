/**
 * transport_lookup: transport_maps, the table that overrides the transport
 * and next hop the address class gives. Keys are tried in Postfix's order:
 * the full address, the address without its extension, the domain, then its
 * parent domains (`.example.com`, or `example.com` when transport_maps is in
 * parent_domain_matches_subdomains), and finally the `*` entry. A result is
 * `transport:nexthop`: `:nexthop` keeps the transport, `transport` alone (or
 * `transport:`) resets the next hop to the recipient domain, or to `Address
 * is undeliverable` for the error and retry transports.
 *
 * Parameters: transport_maps (or address_verify_transport_maps), recipient_delimiter,
 *   parent_domain_matches_subdomains
 * Diagnostics: a failing table throws DictLookupError; the resolver warns and defers
 * See: postfix/src/trivial-rewrite/transport.c, transport(5)
 */

import { DictLookupError } from '../maps/dict.ts';
import type { MaFind, MailAddrFindOptions } from '../maps/mail_addr_find.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';

/** A transport and next hop. */
export interface Route {
  readonly transport: string;
  readonly nexthop: string;
}

/** MAIL_SERVICE_ERROR and MAIL_SERVICE_RETRY: transports whose next hop is a reason text. */
const REASON_TRANSPORTS: ReadonlySet<string> = new Set(['error', 'retry']);

/** How long the `*` entry is cached, in milliseconds (Postfix: 30 seconds). */
const WILDCARD_TTL = 30_000;

/**
 * update_entry(): applies a table result (split into transport and next hop)
 * to the current route, for a recipient in `rcptDomain`.
 */
export function updateRoute(transport: string, nexthop: string, rcptDomain: string, current: Route): Route {
  if (transport === '') return nexthop === '' ? current : { transport: current.transport, nexthop };
  if (nexthop !== '') return { transport, nexthop };
  return { transport, nexthop: REASON_TRANSPORTS.has(transport) ? 'Address is undeliverable' : rcptDomain };
}

/** parse_transport_entry(): `transport:nexthop` split at the first colon. */
export function parseTransportEntry(value: string): { transport: string; nexthop: string } {
  const colon = value.indexOf(':');
  return colon < 0
    ? { transport: value, nexthop: '' }
    : { transport: value.slice(0, colon), nexthop: value.slice(colon + 1) };
}

export interface TransportMapsOptions {
  /** MATCH_FLAG_PARENT for transport_maps: parent domains are looked up as `example.com`. */
  readonly parent: boolean;
  /** recipient_delimiter etc. for the address keys. */
  readonly addrFind: MailAddrFindOptions;
  /** Milliseconds since the epoch; default Date.now. */
  readonly now?: () => number;
}

/** TRANSPORT_INFO: the tables, and the `*` entry cached for 30 seconds. */
export class TransportMaps {
  readonly maps: Maps;
  readonly #strategy: readonly MaFind[];
  readonly #addrFind: MailAddrFindOptions;
  readonly #now: () => number;
  #wildcard: { transport: string; nexthop: string } | null = null;
  #wildcardError: DictLookupError | null = null;
  #expire = 0;

  constructor(maps: Maps, options: TransportMapsOptions) {
    this.maps = maps;
    this.#strategy = ['full', 'noext', 'domain', options.parent ? 'pdms' : 'pddms'];
    this.#addrFind = options.addrFind;
    this.#now = options.now ?? Date.now;
  }

  /** transport_pre_init() + transport_post_init(): opens with the `*` entry looked up. */
  static async open(maps: Maps, options: TransportMapsOptions): Promise<TransportMaps> {
    const t = new TransportMaps(maps, options);
    await t.#wildcardInit();
    return t;
  }

  /** transport_wildcard_init(): (re)reads the `*` entry (a full key: pattern tables see it too). */
  async #wildcardInit(): Promise<void> {
    this.#wildcard = null;
    this.#wildcardError = null;
    try {
      const value = await this.maps.find('*');
      if (value !== null) this.#wildcard = parseTransportEntry(value);
    } catch (err) {
      if (!(err instanceof DictLookupError)) throw err;
      this.#wildcardError = err;
    }
    this.#expire = this.#now() + WILDCARD_TTL;
  }

  /**
   * transport_lookup(): the route for `address` (internal form, with a domain),
   * or null when no entry applies. Throws DictLookupError when a table fails.
   */
  async lookup(address: string, rcptDomain: string, current: Route): Promise<Route | null> {
    const at = address.lastIndexOf('@');
    if (at < 0 || at === address.length - 1) throw new Error(`transport_lookup: bad address: "${address}"`);
    const found = await mailAddrFind(this.maps, address, {
      ...this.#addrFind,
      strategy: this.#strategy,
      queryForm: 'external-first',
    });
    if (found !== null) {
      const e = parseTransportEntry(found.value);
      return updateRoute(e.transport, e.nexthop, rcptDomain, current);
    }
    if (this.#wildcardError !== null || this.#now() > this.#expire) await this.#wildcardInit();
    if (this.#wildcardError !== null) throw this.#wildcardError;
    if (this.#wildcard !== null) {
      return updateRoute(this.#wildcard.transport, this.#wildcard.nexthop, rcptDomain, current);
    }
    return null;
  }
}
