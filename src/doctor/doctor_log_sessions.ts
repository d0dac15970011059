/**
 * doctor_log_sessions: what the doctor learns by following smtpd and smtp
 * processes line by line, where one line alone does not say it. A `Relay
 * access denied` reject does not say whether the client had authenticated;
 * the session's `disconnect from ... auth=0/1 starttls=1` line does, so the
 * reject is held per process until its disconnect. A `warning: TLS library
 * problem: ...` line names no peer; the `SSL_accept error from X` or
 * `SSL_connect error to X` line the same process writes next does.
 *
 * See: postfix/src/smtpd/smtpd.c (done_cmd_stats), postfix/src/tls/tls_server.c,
 *      postfix/src/tls/tls_client.c (SSL_accept/SSL_connect error)
 */
import type { LogEntry, LogEvent } from '../logscan/logscan_event.ts';

/** What a session's disconnect line adds to a relay-denied group. */
export interface SessionCounts {
  /** Sessions whose disconnect line was seen, that authenticated, failed AUTH, used STARTTLS. */
  sessions: number;
  authOk: number;
  authFailed: number;
  starttls: number;
}

/** Where the tracker puts what it learns (LogFacts). */
export interface SessionSink {
  /** The relay-denied group of `key`, if any. */
  relayGroup(key: string): SessionCounts | undefined;
  addTlsProblem(entry: LogEntry, direction: 'in' | 'out', peer: string, text: string): void;
}

/** Processes followed at once (more than run at once on any host). */
const MAX_PROCESSES = 500;

interface Pending {
  /** Keys of relay-denied groups with rejects in this session. */
  readonly relayKeys: Set<string>;
}

interface TlsPending {
  readonly entry: LogEntry;
  readonly text: string;
  readonly direction: 'in' | 'out';
}

function processKey(entry: LogEntry): string {
  return `${entry.frame.tag}[${entry.frame.pid ?? ''}]`;
}

/** `warning: TLS library problem: error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/...` -> `tlsv1 alert unknown ca`. */
export function tlsLibraryReason(text: string): string {
  const m = /error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+)/.exec(text);
  return m === null ? text.replace(/^TLS library problem: /, '') : m[1]!;
}

export class SessionTracker {
  readonly #facts: SessionSink;
  readonly #sessions = new Map<string, Pending>();
  readonly #tls = new Map<string, TlsPending[]>();

  constructor(facts: SessionSink) {
    this.#facts = facts;
  }

  /** A relay-denied reject, counted once the session's disconnect line says how it went. */
  relayReject(entry: LogEntry, key: string): void {
    const p = processKey(entry);
    let s = this.#sessions.get(p);
    if (s === undefined) {
      if (this.#sessions.size >= MAX_PROCESSES) this.#sessions.delete(this.#sessions.keys().next().value!);
      s = { relayKeys: new Set() };
      this.#sessions.set(p, s);
    }
    s.relayKeys.add(key);
  }

  disconnect(entry: LogEntry, e: Extract<LogEvent, { kind: 'disconnect' }>): void {
    const p = processKey(entry);
    const s = this.#sessions.get(p);
    if (s === undefined) return;
    this.#sessions.delete(p);
    const auth = e.commands.find((c) => c.command === 'auth');
    const starttls = e.commands.find((c) => c.command === 'starttls');
    for (const key of s.relayKeys) {
      const g = this.#facts.relayGroup(key);
      if (g === undefined) continue;
      g.sessions++;
      if (auth !== undefined && auth.ok > 0) g.authOk++;
      if (auth !== undefined && auth.ok < auth.total) g.authFailed++;
      if (starttls !== undefined && starttls.ok > 0) g.starttls++;
    }
  }

  /** A warning or error line: a TLS library problem is held for the SSL_accept/SSL_connect line after it. */
  diagnostic(entry: LogEntry): void {
    const text = entry.frame.text;
    if (!text.startsWith('TLS library problem: ')) return;
    const p = processKey(entry);
    let list = this.#tls.get(p);
    if (list === undefined) {
      if (this.#tls.size >= MAX_PROCESSES) this.#flushOne(this.#tls.keys().next().value!);
      list = [];
      this.#tls.set(p, list);
    }
    const direction = entry.frame.program === 'smtp' || entry.frame.program === 'lmtp' ? 'out' : 'in';
    if (list.length < 5) list.push({ entry, text: tlsLibraryReason(text), direction });
  }

  /** `SSL_accept error from unknown[192.0.2.1]: -1`, `SSL_connect error to mx[192.0.2.2]:25: lost connection`. */
  sslError(entry: LogEntry): void {
    const text = entry.frame.text;
    const inbound = text.startsWith('SSL_accept error from ');
    const rest = text.slice(inbound ? 22 : 21);
    const colon = rest.indexOf(': ', rest.indexOf(']'));
    const peer = colon < 0 ? rest : rest.slice(0, colon);
    const own = colon < 0 ? 'handshake failed' : rest.slice(colon + 2);
    const p = processKey(entry);
    const held = this.#tls.get(p);
    this.#tls.delete(p);
    const direction = inbound ? 'in' : 'out';
    if (held === undefined || held.length === 0) {
      this.#facts.addTlsProblem(entry, direction, peer, own === '-1' ? 'handshake failed' : own);
      return;
    }
    for (const h of held) this.#facts.addTlsProblem(h.entry, direction, peer, h.text);
  }

  #flushOne(p: string): void {
    for (const h of this.#tls.get(p) ?? [])
      this.#facts.addTlsProblem(h.entry, h.direction, '(peer not logged)', h.text);
    this.#tls.delete(p);
  }

  /** At the end of the log: library problems with no SSL_* line after them. */
  flushTls(): void {
    for (const p of [...this.#tls.keys()]) this.#flushOne(p);
  }
}
