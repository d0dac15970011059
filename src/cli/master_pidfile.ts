/**
 * master_pidfile: the lock files that say a master daemon runs for a
 * configuration: `$queue_directory/pid/master.pid` (read by `postfix
 * status/stop` and by admins' scripts) and `$data_directory/master.lock`,
 * each holding the pid right-aligned in 32 columns, as Postfix writes them.
 * Node cannot flock(), so liveness is the pid answering signal 0, and an
 * exclusive create settles two daemons starting at once.
 *
 * See: postfix/src/master/master.c (lock files), postfix/conf/postfix-script (status)
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface PidFiles {
  readonly pidFile: string;
  readonly lockFile: string;
}

/** Where the pid files of a configuration live. */
export function pidFiles(queueDirectory: string, processIdDirectory: string, dataDirectory: string): PidFiles {
  return {
    pidFile: join(resolve(queueDirectory), processIdDirectory, 'master.pid'),
    lockFile: join(resolve(dataDirectory), 'master.lock'),
  };
}

/** `%*lu\n` with a width of 4 * sizeof(unsigned long). */
export function formatPid(pid: number): string {
  return `${String(pid).padStart(32)}\n`;
}

/** The pid recorded in `file`, or null when there is none (no file, or not a number). */
export function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the running master, or null when none runs (stale files count as none). */
export function runningPid(files: PidFiles): number | null {
  const pid = readPid(files.pidFile);
  return pid !== null && processAlive(pid) ? pid : null;
}

function createExclusive(file: string, pid: number): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  try {
    const fd = openSync(file, 'wx', 0o600);
    writeSync(fd, formatPid(pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Claims the pid files for this process. Returns the pid of a master that
 * already runs instead, or null on success. Stale files (dead pid) are replaced.
 */
export function claimPidFiles(files: PidFiles, pid: number = process.pid): number | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createExclusive(files.pidFile, pid)) {
      rmSync(files.lockFile, { force: true });
      createExclusive(files.lockFile, pid);
      return null;
    }
    const other = readPid(files.pidFile);
    if (other !== null && other !== pid && processAlive(other)) return other;
    rmSync(files.pidFile, { force: true }); // stale: its master died without cleaning up
  }
  return readPid(files.pidFile);
}

/** Removes the pid files, if they are still ours. */
export function releasePidFiles(files: PidFiles, pid: number = process.pid): void {
  for (const file of [files.pidFile, files.lockFile]) {
    if (readPid(file) === pid) rmSync(file, { force: true });
  }
}
