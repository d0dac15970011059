/**
 * dns_resolver: the resolver every part of affix shares — smtpd's client
 * name and DNSBL checks, the smtp client's MX and address lookups, `affix
 * doctor`. It asks the configured servers itself (dns_transport), keeps a
 * bounded TTL cache with negative caching, merges identical lookups in
 * flight, and returns typed results with Postfix's verdict and text.
 *
 *   const dns = new DnsResolver({ servers: ['127.0.0.1:5353'], timeout: 2000 });
 *   const mx = await dns.mx('example.org');
 *   if (mx.status === 'ok') for (const rr of mx.records) connect(rr.exchange);
 *   else if (mx.status === 'retry') defer('4.4.3', mx.text);
 *
 * Parameters: takes plain values; dns_config.ts maps affix_dns_servers,
 *   affix_dns_timeout, affix_dns_tries, affix_dns_cache_size,
 *   affix_dns_cache_max_ttl, affix_dns_ncache_max_ttl onto them
 * Security: see dns_transport (network input) and dns_lookup (name checks)
 * See: postfix/src/dns/dns_lookup.c, postfix/src/dns/dns_lookup_types.c (dns_lookup_v)
 */
import { ConfigError } from '../config/config_error.ts';
import { reverseName } from './dns_arpa.ts';
import { DnsCache } from './dns_cache.ts';
import { type DnsLookupContext, dnsLookup } from './dns_lookup.ts';
import type { DnsMissing, DnsResult, DnsStatus } from './dns_result.ts';
import type { DnsAddrRr, DnsMxRr, DnsPtrRr, DnsRandom, DnsRr, DnsRrOf, DnsTxtRr, DnsType } from './dns_rr.ts';
import { sortMx } from './dns_rr.ts';
import { type DnsServer, parseDnsServers, systemDnsServers } from './dns_servers.ts';
import { dnsMissing } from './dns_strerror.ts';

export interface DnsResolverOptions {
  /** Servers as `addr`, `addr:port`, `[v6]:port`; empty or absent: the system's (/etc/resolv.conf). */
  readonly servers?: readonly string[];
  /** Milliseconds to wait for each server on each try (5000, as RES_TIMEOUT). */
  readonly timeout?: number;
  /** Rounds over all servers (2, as RES_DFLRETRY). */
  readonly tries?: number;
  /** Most results kept in the cache; 0 disables it (1000). */
  readonly cacheSize?: number;
  /** Longest time a result is kept, seconds (3600). */
  readonly cacheMaxTtl?: number;
  /** Longest time a NXDOMAIN/NODATA answer is kept, seconds (300); it needs an SOA in the answer. */
  readonly ncacheMaxTtl?: number;
  /** Seconds a temporary failure is kept, so a dead DNSBL is not asked on every RCPT (0: never). */
  readonly retryTtl?: number;
  /** Milliseconds since the epoch; tests pass a fake clock to expire entries. */
  readonly clock?: () => number;
  /** For the order of equal-preference MX hosts; tests pass seededRandom(n). */
  readonly random?: DnsRandom;
  /** Where warnings go (a Log's warn); default: nowhere. */
  readonly warn?: (text: string) => void;
}

/** Address families to look up for a host, as inet_protocols selects them. */
export type DnsFamily = 'ipv4' | 'ipv6';

/** dns_lookup_v() keeps the most favourable status; Postfix orders them by these numbers. */
const STATUS_RANK: Readonly<Record<DnsStatus, number>> = {
  ok: 0,
  retry: -2,
  inval: -3,
  fail: -4,
  nullmx: -5,
  notfound: -7,
};

export class DnsResolver {
  readonly #servers: readonly DnsServer[] | null;
  readonly #timeout: number;
  readonly #tries: number;
  readonly #cache: DnsCache<DnsResult<DnsRr>>;
  readonly #inflight = new Map<string, Promise<DnsResult<DnsRr>>>();
  readonly #cacheMaxTtl: number;
  readonly #ncacheMaxTtl: number;
  readonly #retryTtl: number;
  readonly #clock: () => number;
  readonly #random: DnsRandom;
  readonly #warn: (text: string) => void;
  #system: readonly DnsServer[] | null = null;

  /** Throws ConfigError for a server that is not `addr[:port]`. */
  constructor(options: DnsResolverOptions = {}) {
    const parsed = parseDnsServers(options.servers ?? []);
    if (!parsed.ok) throw new ConfigError(parsed.error);
    this.#servers = parsed.value.length > 0 ? parsed.value : null;
    this.#timeout = options.timeout ?? 5000;
    this.#tries = Math.max(1, options.tries ?? 2);
    this.#cache = new DnsCache(options.cacheSize ?? 1000);
    this.#cacheMaxTtl = options.cacheMaxTtl ?? 3600;
    this.#ncacheMaxTtl = options.ncacheMaxTtl ?? 300;
    this.#retryTtl = options.retryTtl ?? 0;
    this.#clock = options.clock ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#warn = options.warn ?? (() => {});
  }

  /** The servers asked, in order. */
  get servers(): readonly DnsServer[] {
    this.#system ??= this.#servers ?? systemDnsServers();
    return this.#system;
  }

  /** Records of one type, from the cache when it holds a live answer. */
  async lookup<T extends DnsType>(name: string, type: T): Promise<DnsResult<DnsRrOf<T>>> {
    const key = `${type} ${name.toLowerCase().replace(/\.$/, '')}`;
    const cached = this.#cache.get(key, this.#clock());
    if (cached !== undefined) return { ...cached.value, ttl: cached.ttl } as DnsResult<DnsRrOf<T>>;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#fetch(key, name, type);
      this.#inflight.set(key, pending);
    }
    return (await pending) as DnsResult<DnsRrOf<T>>;
  }

  /** MX hosts by preference, equal preferences shuffled; status nullmx for a null MX (RFC 7505). */
  async mx(domain: string): Promise<DnsResult<DnsMxRr>> {
    const result = await this.lookup(domain, 'MX');
    return result.status === 'ok' ? { ...result, records: sortMx(result.records, this.#random) } : result;
  }

  a(name: string): Promise<DnsResult<DnsAddrRr>> {
    return this.lookup(name, 'A') as Promise<DnsResult<DnsAddrRr>>;
  }

  aaaa(name: string): Promise<DnsResult<DnsAddrRr>> {
    return this.lookup(name, 'AAAA') as Promise<DnsResult<DnsAddrRr>>;
  }

  /** TXT records; each has its chunks and their concatenation. */
  txt(name: string): Promise<DnsResult<DnsTxtRr>> {
    return this.lookup(name, 'TXT');
  }

  /** PTR records of an address, asked under in-addr.arpa or ip6.arpa (never /etc/hosts). */
  async ptr(address: string): Promise<DnsResult<DnsPtrRr>> {
    const name = reverseName(address);
    if (name === null) return dnsMissing('badname', address, 'PTR');
    return this.lookup(name, 'PTR');
  }

  /**
   * The addresses of a host: A then AAAA (or one family), as the smtp client
   * and smtpd's forward check need them. Like dns_lookup_v(): records of all
   * lookups that found some; otherwise the most hopeful failure (retry over
   * notfound), its text from that lookup.
   */
  async hostAddresses(host: string, families: readonly DnsFamily[] = ['ipv4', 'ipv6']): Promise<DnsResult<DnsAddrRr>> {
    const types = families.map((f) => (f === 'ipv4' ? 'A' : 'AAAA') as 'A' | 'AAAA');
    const results = await Promise.all(types.map((type) => this.lookup(host, type)));
    const found = results.filter((r) => r.status === 'ok');
    if (found.length > 0) {
      return {
        ...found[0]!,
        records: found.flatMap((r) => r.records) as DnsAddrRr[],
        ttl: Math.min(...found.map((r) => r.ttl)),
      };
    }
    let best: DnsMissing | null = null;
    for (const r of results as DnsMissing[]) {
      if (best === null || STATUS_RANK[r.status] >= STATUS_RANK[best.status]) best = r;
    }
    return best ?? dnsMissing('nodata', host, 'A');
  }

  /** Results held in the cache now. */
  get cached(): number {
    return this.#cache.size;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  async #fetch(key: string, name: string, type: DnsType): Promise<DnsResult<DnsRr>> {
    try {
      const ctx: DnsLookupContext = {
        transport: { servers: this.servers, timeout: this.#timeout, tries: this.#tries },
        warn: this.#warn,
      };
      const result = await dnsLookup(name, type, ctx);
      this.#cache.set(key, result, this.#keep(result), this.#clock());
      return result;
    } finally {
      this.#inflight.delete(key);
    }
  }

  /** Seconds to keep a result: its TTL, cut to the maximum for its kind. */
  #keep(result: DnsResult<DnsRr>): number {
    switch (result.status) {
      case 'ok':
        return Math.min(result.ttl, this.#cacheMaxTtl);
      case 'nullmx':
        return Math.min(result.ttl, this.#cacheMaxTtl);
      case 'notfound':
        return result.error === 'badname' || result.error === 'loop' ? 0 : Math.min(result.ttl, this.#ncacheMaxTtl);
      case 'retry':
      case 'fail':
        return this.#retryTtl;
      case 'inval':
        return 0;
    }
  }
}
