/**
 * smtp_reuse: the connection cache of one agent. After a delivery, a
 * plaintext session that may be reused waits idle for up to
 * smtp_connection_cache_time_limit under its endpoint (address and port)
 * and, when it was the first good session of a request, under the
 * request's nexthop; the next delivery to either takes it, probes it with
 * RSET, and logs `conn_use=N`. An idle session that is not taken in time
 * gets QUIT and is closed. Postfix keeps these in the scache(8) service;
 * affix agents are long-lived, so the cache is in the agent.
 *
 * Parameters: smtp_connection_cache_time_limit, smtp_connection_reuse_time_limit,
 *   smtp_connection_reuse_count_limit (lmtp_* for lmtp)
 * See: postfix/src/smtp/smtp_reuse.c, postfix/src/scache/scache.c
 */
import type { SmtpSession } from './smtp_session.ts';

/** The key of a physical endpoint: service, address (or socket path) and port. */
export function endpointKey(service: string, addr: string, port: number): string {
  return `${service} ${addr}:${port}`;
}

/** The key of a nexthop destination: service and the nexthop as written. */
export function destKey(service: string, dest: string): string {
  return `${service} dest ${dest}`;
}

interface Entry {
  readonly session: SmtpSession;
  readonly keys: readonly string[];
  readonly timer: NodeJS.Timeout;
}

export class SmtpConnCache {
  readonly #byKey = new Map<string, Entry[]>();
  readonly #timeLimitMs: number;
  #closed = false;

  constructor(timeLimitSeconds: number) {
    this.#timeLimitMs = timeLimitSeconds * 1000;
  }

  /** Idle sessions held now. */
  get size(): number {
    const all = new Set<Entry>();
    for (const list of this.#byKey.values()) for (const e of list) all.add(e);
    return all.size;
  }

  /** Keeps `session` idle under `keys`; closes it instead when the cache is closed. */
  save(session: SmtpSession, keys: readonly string[]): void {
    if (this.#closed) {
      retire(session);
      return;
    }
    const timer = setTimeout(() => {
      this.#remove(entry);
      retire(session);
    }, this.#timeLimitMs);
    timer.unref();
    const entry: Entry = { session, keys, timer };
    for (const key of keys) {
      const list = this.#byKey.get(key) ?? [];
      list.push(entry);
      this.#byKey.set(key, list);
    }
  }

  /** Takes the most recently saved session under `key`, or null. */
  take(key: string): SmtpSession | null {
    const list = this.#byKey.get(key);
    const entry = list?.[list.length - 1];
    if (entry === undefined) return null;
    clearTimeout(entry.timer);
    this.#remove(entry);
    if (entry.session.stream.closed) {
      entry.session.stream.destroy();
      return this.take(key);
    }
    return entry.session;
  }

  /** Says QUIT to every idle session and refuses new ones. */
  close(): void {
    this.#closed = true;
    const all = new Set<Entry>();
    for (const list of this.#byKey.values()) for (const e of list) all.add(e);
    this.#byKey.clear();
    for (const e of all) {
      clearTimeout(e.timer);
      retire(e.session);
    }
  }

  #remove(entry: Entry): void {
    for (const key of entry.keys) {
      const list = (this.#byKey.get(key) ?? []).filter((e) => e !== entry);
      if (list.length === 0) this.#byKey.delete(key);
      else this.#byKey.set(key, list);
    }
  }
}

/** Ends an idle session politely: QUIT without waiting for the reply, then close. */
function retire(session: SmtpSession): void {
  session.stream.write('QUIT\r\n').catch(() => {});
  session.stream.close();
}
