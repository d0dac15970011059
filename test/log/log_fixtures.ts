/**
 * log_fixtures: what the log tests share: a fixed local time, temporary
 * directories removed when the test ends, a smtpd log writing to a file,
 * and a way to run a few lines of TypeScript in a child process (for
 * stdout and for several writers at once).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createLog, type Log, type LogOptions } from '../../src/log/log.ts';

/** 1 November 2026, 09:05:17 local time: a one-digit day shows zero- versus space-padding. */
export const NOV_01 = new Date(2026, 10, 1, 9, 5, 17).getTime();

/** 29 November 2026, 09:11:02 local time, as in postfix-compat.md §4.1. */
export const NOV_29 = new Date(2026, 10, 29, 9, 11, 2).getTime();

export function fixedClock(ms: number): () => number {
  return () => ms;
}

/** smtpd's log as mx.example.test, pid 17499, written to `dir`/maillog at local time `at`. */
export function fileLog(dir: string, at: number, options: Partial<LogOptions> = {}): Log {
  return createLog({
    program: 'smtpd',
    maillog_file: join(dir, 'maillog'),
    maillog_file_prefixes: dir,
    myhostname: 'mx.example.test',
    pid: 17499,
    clock: fixedClock(at),
    ...options,
  });
}

/** A new empty directory, removed in t.after(). */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'affix-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The absolute path of a file in src/log, for child processes to import. */
export function srcLog(file: string): string {
  return new URL(`../../src/log/${file}`, import.meta.url).pathname;
}

/**
 * Runs ES module code (TypeScript imports allowed) in a child node; resolves
 * to its stdout, rejects when it fails or is still running after timeoutMs.
 */
export function runChild(code: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', code],
      { maxBuffer: 64 * 1024 * 1024, cwd: new URL('../../', import.meta.url).pathname, timeout: timeoutMs },
      (err, stdout, stderr) => (err === null ? resolve(stdout) : reject(new Error(`${err.message}\n${stderr}`))),
    );
  });
}
