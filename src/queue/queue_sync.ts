/**
 * queue_sync: group commit. Every message must be on stable storage before
 * its 250 goes out; instead of one sync after the other, each caller joins
 * the batch that is forming, the batch syncs its files concurrently and
 * each directory once, and then every caller in it is released. Under load
 * many messages share one round of syncs; alone, a message waits for its
 * own sync only. Many callers waiting on one file (a commit log segment,
 * queue_commit_log.ts) share one sync of it, an fdatasync() where asked.
 *
 * Diagnostics: a failed sync rejects every caller of that batch (they answer 451)
 * See: ../shared/reference/bench-and-security.md §2.3
 */
import { closeSync, fdatasync, fsync, openSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** What can be synced: an fs.promises handle, or a plain descriptor (the store's synchronous writes use those). */
export type SyncTarget = FileHandle | number;

interface Pending {
  readonly file: SyncTarget | null;
  /** fdatasync() rather than fsync(): the file's size and blocks are already on disk (a commit log segment). */
  readonly dataOnly: boolean;
  readonly dir: string | null;
  readonly done: (err: unknown) => void;
}

export class SyncGroup {
  #pending: Pending[] = [];
  #running = false;
  /** Batches flushed so far, and messages in them: for benchmarks and tests. */
  batches = 0;
  synced = 0;

  /** Resolves when `file` (if any) and the directory `dir` (if any) are on stable storage. */
  sync(file: SyncTarget | null, dir: string | null, dataOnly = false): Promise<void> {
    return new Promise((ok, fail) => {
      this.#pending.push({ file, dir, dataOnly, done: (err) => (err === undefined ? ok() : fail(err)) });
      if (!this.#running) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      let error: unknown;
      try {
        // Files first, then their directories: on ext4 the files' syncs commit the journal
        // that holds the new entries, so the directory syncs after them are nearly free
        // (run at the same time, they forced an extra journal commit: measured slower).
        // A file appears once per batch however many callers wait on it (a commit log's segment).
        const files = new Map<SyncTarget, boolean>();
        for (const p of batch) if (p.file !== null) files.set(p.file, (files.get(p.file) ?? true) && p.dataOnly);
        await Promise.all([...files].map(([file, dataOnly]) => syncTarget(file, dataOnly)));
        const dirs = new Set(batch.map((p) => p.dir).filter((d): d is string => d !== null));
        await Promise.all([...dirs].map(syncDirectory));
      } catch (err) {
        error = err;
      }
      this.batches++;
      this.synced += batch.length;
      for (const p of batch) p.done(error);
    }
    this.#running = false;
  }
}

/** fsync() of a handle or a descriptor (on the thread pool: it waits for the disk). */
function syncTarget(file: SyncTarget, dataOnly = false): Promise<void> {
  if (typeof file !== 'number') return dataOnly ? file.datasync() : file.sync();
  const done = (ok: () => void, fail: (e: unknown) => void) => (err: Error | null) => (err === null ? ok() : fail(err));
  return new Promise((ok, fail) => (dataOnly ? fdatasync : fsync)(file, done(ok, fail)));
}

/**
 * fsync() on a directory: makes a new, renamed or removed entry in it
 * durable. Opening and closing are quick system calls made at once; only
 * the sync waits on the thread pool.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await syncTarget(fd);
  } finally {
    closeSync(fd);
  }
}
