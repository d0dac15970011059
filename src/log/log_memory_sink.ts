/**
 * log_memory_sink: keeps records in memory, for tests. waitFor() resolves
 * when a line matching a text or RegExp has been logged, so a test can
 * assert the log line an admin would grep for:
 * `await memory.waitFor('NOQUEUE: reject: RCPT from unknown[127.0.0.5]: 554 5.7.1')`.
 */
import type { LogRecord, LogSink, RotateResult } from './log_sink.ts';

/** What a line must contain (a string) or match (a RegExp). */
export type LogPattern = string | RegExp;

interface Waiter {
  readonly pattern: LogPattern;
  readonly since: number;
  readonly resolve: (record: LogRecord) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Lines quoted in a waitFor() timeout, to show what was logged instead. */
const QUOTED_LINES = 20;

function matches(pattern: LogPattern, line: string): boolean {
  // search() ignores lastIndex, so a /g RegExp matches the same way every time.
  return typeof pattern === 'string' ? line.includes(pattern) : line.search(pattern) >= 0;
}

export class MemorySink implements LogSink {
  readonly #records: LogRecord[] = [];
  readonly #waiters = new Set<Waiter>();
  #closed = false;

  /** Every record logged so far. */
  get records(): readonly LogRecord[] {
    return this.#records;
  }

  /** Every line logged so far: `postfix/smtpd[12574]: connect from localhost[127.0.0.1]`. */
  get lines(): string[] {
    return this.#records.map((r) => r.line);
  }

  /** A position in the log, for waitFor(…, since) to look only at later lines. */
  mark(): number {
    return this.#records.length;
  }

  write(record: LogRecord): void {
    if (this.#closed) return;
    const index = this.#records.push(record) - 1;
    for (const w of this.#waiters) {
      if (index >= w.since && matches(w.pattern, record.line)) this.#settle(w).resolve(record);
    }
  }

  /**
   * Resolves with the first record at or after `since` (default: the start)
   * whose line contains `pattern` (a string) or matches it (a RegExp); rejects
   * after `timeoutMs` with the last lines logged.
   */
  waitFor(pattern: LogPattern, timeoutMs = 10_000, since = 0): Promise<LogRecord> {
    for (let i = since; i < this.#records.length; i++) {
      const record = this.#records[i]!;
      if (matches(pattern, record.line)) return Promise.resolve(record);
    }
    if (this.#closed) return Promise.reject(new Error(`waitFor ${String(pattern)}: the log is closed`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern,
        since,
        resolve,
        reject,
        timer: setTimeout(() => {
          const last = this.lines.slice(-QUOTED_LINES);
          const shown = typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
          this.#settle(waiter).reject(
            new Error(
              `waitFor: no log line matching ${shown} within ${timeoutMs} ms; last ${last.length} lines:\n${last.join('\n')}`,
            ),
          );
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #settle(w: Waiter): Waiter {
    clearTimeout(w.timer);
    this.#waiters.delete(w);
    return w;
  }

  reopen(): void {}

  rotate(): Promise<RotateResult> {
    return Promise.reject(new Error("empty 'maillog_file' parameter value - logfile rotation failed"));
  }

  /** Rejects the waits still pending; later records are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#waiters])
      this.#settle(w).reject(new Error(`waitFor ${String(w.pattern)}: the log is closed`));
  }
}
