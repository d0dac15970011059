/**
 * smtpd_anvil: the client counters Postfix keeps in its anvil server, kept
 * here in one object shared by the sessions of a daemon: concurrent
 * connections per client address, and connection, message, recipient, new
 * TLS session and AUTH rates per anvil_rate_time_unit. Clients listed in
 * smtpd_client_event_limit_exceptions are not counted. An entry that is
 * idle and past its time unit is dropped, so the table holds only active
 * clients. The limits themselves are applied by smtpd_limits.ts.
 *
 * Parameters: anvil_rate_time_unit (passed in as the time unit of each call)
 * Security: bounded by the number of distinct active clients
 * See: postfix/src/anvil/anvil.c, postfix/src/smtpd/smtpd.c (anvil_clnt_* calls)
 */

export type Rate = 'connect' | 'mail' | 'rcpt' | 'newtls' | 'auth';

/**
 * The counters as smtpd asks for them: one Anvil in this process, or the
 * master's Anvil asked over the fork channel from an smtpd worker process
 * (src/cli/master_worker.ts), so limits hold daemon-wide.
 */
export interface AnvilService {
  /** A new connection: [count, rate]. */
  connect(key: string, unitMs: number): Promise<[number, number]>;
  disconnect(key: string): void;
  /** Counts one event and returns its rate in the current time unit. */
  event(key: string, what: Exclude<Rate, 'connect'>, unitMs: number): Promise<number>;
  /** The current rate without counting. */
  peek(key: string, what: Rate): Promise<number>;
}

/** `anvil` as an AnvilService. */
export function localAnvil(anvil: Anvil): AnvilService {
  return {
    connect: async (key, unitMs) => anvil.connect(key, unitMs),
    disconnect: (key) => anvil.disconnect(key),
    event: async (key, what, unitMs) => anvil.event(key, what, unitMs),
    peek: async (key, what) => anvil.peek(key, what),
  };
}

interface Entry {
  count: number;
  start: number;
  readonly rates: Record<Rate, number>;
}

export class Anvil {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: () => number;
  #lastSweep = 0;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  #entry(key: string, unitMs: number): Entry {
    const now = this.#clock();
    this.#sweep(now, unitMs);
    let e = this.#entries.get(key);
    if (e === undefined) {
      e = { count: 0, start: now, rates: { connect: 0, mail: 0, rcpt: 0, newtls: 0, auth: 0 } };
      this.#entries.set(key, e);
    } else if (now - e.start >= unitMs) {
      e.start = now;
      for (const k of Object.keys(e.rates) as Rate[]) e.rates[k] = 0;
    }
    return e;
  }

  #sweep(now: number, unitMs: number): void {
    if (now - this.#lastSweep < unitMs) return;
    this.#lastSweep = now;
    for (const [key, e] of this.#entries) if (e.count <= 0 && now - e.start >= unitMs) this.#entries.delete(key);
  }

  /** A new connection: returns [count, rate]. */
  connect(key: string, unitMs: number): [number, number] {
    const e = this.#entry(key, unitMs);
    e.count++;
    e.rates.connect++;
    return [e.count, e.rates.connect];
  }

  disconnect(key: string): void {
    const e = this.#entries.get(key);
    if (e !== undefined) e.count = Math.max(0, e.count - 1);
  }

  /** Counts one event and returns its rate in the current time unit. */
  event(key: string, what: Exclude<Rate, 'connect'>, unitMs: number): number {
    const e = this.#entry(key, unitMs);
    e.rates[what]++;
    return e.rates[what];
  }

  /** The current rate without counting (anvil_clnt_newtls_stat). */
  peek(key: string, what: Rate): number {
    return this.#entries.get(key)?.rates[what] ?? 0;
  }
}
