/**
 * logscan_counter: a count per key with a bound on the number of keys, so a
 * table of reasons or warnings stays small however large the log: once full,
 * counts for new keys go to one `(other)` row. Also sorts for "top N".
 * And the rows of the summary's traffic tables: messages and bytes per
 * sender, recipient or domain.
 */

export interface CountRow {
  readonly key: string;
  readonly count: number;
}

export const OTHER_KEY = '(other)';

/**
 * A copy of `text` that shares no memory with the line it was cut from. V8
 * makes substrings views of their parent, and a log line is a view of a
 * 64 KiB chunk: a table key kept as a view would keep the whole chunk alive.
 * The copy is flat (JSON gives back a sequential string; `${text} `.slice()
 * gave a view of a copy, one more object to reach on every comparison of a
 * table key). Strings shorter than 13 characters are never views.
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

export class Counter {
  readonly #counts = new Map<string, number>();
  readonly #maxKeys: number;
  #total = 0;

  constructor(maxKeys = 10_000) {
    this.#maxKeys = maxKeys;
  }

  add(key: string, n = 1): void {
    this.#total += n;
    const had = this.#counts.get(key);
    if (had !== undefined) {
      this.#counts.set(key, had + n);
    } else if (this.#counts.size < this.#maxKeys) {
      this.#counts.set(detach(key), n);
    } else {
      this.#counts.set(OTHER_KEY, (this.#counts.get(OTHER_KEY) ?? 0) + n);
    }
  }

  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#counts.size;
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** The `n` largest counts (all when n <= 0), larger first, then by key. */
  top(n = 0): CountRow[] {
    const rows = [...this.#counts].map(([key, count]) => ({ key, count }));
    rows.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return n > 0 ? rows.slice(0, n) : rows;
  }
}

export interface ReasonRow {
  readonly reason: string;
  readonly count: number;
  /** Where it happened most (recipient domain, client), most first. */
  readonly where: readonly CountRow[];
}

/** Counts per reason, and per reason the places it happened (both bounded). */
export class ReasonTable {
  readonly #reasons: Counter;
  readonly #where = new Map<string, Counter>();

  constructor(maxReasons = 1000) {
    this.#reasons = new Counter(maxReasons);
  }

  add(reason: string, where: string): void {
    this.#reasons.add(reason);
    const key = this.#reasons.get(reason) > 0 ? reason : OTHER_KEY;
    let w = this.#where.get(key);
    if (w === undefined) {
      w = new Counter(20);
      this.#where.set(detach(key), w);
    }
    w.add(where);
  }

  get total(): number {
    return this.#reasons.total;
  }

  /** The `n` most frequent reasons (all when n <= 0), each with its three most frequent places. */
  top(n = 0): ReasonRow[] {
    return this.#reasons
      .top(n)
      .map((r) => ({ reason: r.key, count: r.count, where: this.#where.get(r.key)?.top(3) ?? [] }));
  }
}

export interface RecipientDomainStats {
  sent: number;
  bytes: number;
  defers: number;
  delaySum: number;
  maxDelay: number;
}

/** Messages and bytes of one sender, recipient or domain. */
export interface Traffic {
  messages: number;
  bytes: number;
}

/**
 * A sender's or recipient's traffic, with the row of its domain (when the
 * address alone decides that domain): counting a message for the address
 * then counts it for the domain without a second lookup. In a table of
 * tens of thousands of addresses each lookup costs cache misses.
 */
export interface AddressTraffic<D> extends Traffic {
  readonly domain: D;
}

/**
 * What a byte sum or delay field starts as in a new object, overwritten
 * with 0 at once: a double. Byte sums pass 2^31 in a large log and delays
 * have fractions; a field V8 first stores a small integer in changes to a
 * double when they do, every object made before then changes shape, and
 * the optimized code that counts is thrown away and compiled again.
 */
export const AS_DOUBLE = 0.5;

/** The row of `key` in a traffic table, made (with no traffic yet, bytes a double: AS_DOUBLE) on first use. */
export function trafficRow(map: Map<string, Traffic>, key: string): Traffic {
  let row = map.get(key);
  if (row === undefined) {
    row = { messages: 0, bytes: AS_DOUBLE };
    row.bytes = 0;
    map.set(detach(key), row);
  }
  return row;
}

/** The stats of a recipient domain, made on first use (sums and delays as doubles: AS_DOUBLE). */
export function domainStats(map: Map<string, RecipientDomainStats>, domain: string): RecipientDomainStats {
  let d = map.get(domain);
  if (d === undefined) {
    d = { sent: 0, bytes: AS_DOUBLE, defers: 0, delaySum: AS_DOUBLE, maxDelay: AS_DOUBLE };
    d.bytes = 0;
    d.delaySum = 0;
    d.maxDelay = 0;
    map.set(detach(domain), d);
  }
  return d;
}
