/**
 * log_wait: waits for a line in a mail log that a daemon writes while the
 * test runs (the log is read again every `pollMs` until the line is there
 * or `timeoutMs` has passed; daemons flush once per event-loop turn).
 */

export interface LogWait {
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Names the log in the error: `no Postfix log line matching ...`. */
  readonly what: string;
}

/** The first line of `log()` containing `pattern` (a string) or matching it (a RegExp). */
export async function waitForLogLine(log: () => string, pattern: RegExp | string, w: LogWait): Promise<string> {
  const deadline = Date.now() + w.timeoutMs;
  for (;;) {
    const line = log()
      .split('\n')
      .find((l) => (typeof pattern === 'string' ? l.includes(pattern) : pattern.test(l)));
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no ${w.what} matching ${String(pattern)} in:\n${log()}`);
    await new Promise((r) => setTimeout(r, w.pollMs));
  }
}
