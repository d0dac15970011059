/**
 * dns_cache: a bounded cache of lookup results, least recently used first
 * out. Each entry expires with the TTL of its answer (a negative answer with
 * its SOA's negative TTL, RFC 2308), cut to a maximum; an entry with no TTL
 * is not kept. Postfix leaves caching to a local resolver; affix keeps this
 * small cache per resolver, so one SMTP session asks a DNSBL or an MX once.
 *
 * Standards: RFC 1035 section 7.4, RFC 2308 section 5
 */

interface Entry<V> {
  readonly value: V;
  /** Milliseconds since the epoch (of the cache's clock) when the entry expires. */
  readonly expires: number;
}

export class DnsCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #limit: number;

  /** `limit`: most entries kept; 0 disables the cache. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The live entry for `key` and its remaining seconds, marked as recently used. */
  get(key: string, now: number): { readonly value: V; readonly ttl: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= now) return undefined;
    this.#entries.set(key, entry);
    return { value: entry.value, ttl: Math.ceil((entry.expires - now) / 1000) };
  }

  /** Keeps `value` for `ttl` seconds; evicts the least recently used entry when full. */
  set(key: string, value: V, ttl: number, now: number): void {
    if (this.#limit <= 0 || ttl <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, expires: now + ttl * 1000 });
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
