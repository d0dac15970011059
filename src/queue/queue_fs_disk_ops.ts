/**
 * queue_fs_disk_ops: the two disk operations of the queue file store that
 * wait on the device, written once for both places they run: in the
 * caller's thread (CLI tools, tests) and on the store's disk thread
 * (queue_fs_disk_thread.ts, the daemon). Each resolves only once its change
 * is on stable storage, through the caller's group commit.
 *
 * Diagnostics: both reject with the system error (the store removes a partial file)
 * See: queue_fs_store.ts (#writeBuffer, removeDone), queue_sync.ts
 */
import { closeSync, fchmodSync, openSync } from 'node:fs';
import { closeQuietly, unlinkIfThereSync, writeAllSync } from './queue_fs_io.ts';
import type { SyncGroup } from './queue_sync.ts';

/** Mode of a queue file while it is written, and once complete (the execute bit says "complete"). */
export const MODE_WRITING = 0o600;
export const MODE_COMPLETE = 0o700;

/**
 * Writes a new queue file from `chunks`, marks it complete and waits for
 * its group commit (with `syncDir`, when the file system needs the
 * directory synced for a new name). The open, the writes and the chmod
 * only touch the page cache; the fsync joins `group`.
 */
export async function createQueueFile(
  group: SyncGroup,
  path: string,
  chunks: readonly Buffer[],
  syncDir: string | null,
): Promise<void> {
  const fd = openSync(path, 'wx', MODE_WRITING);
  try {
    writeAllSync(fd, chunks);
    // The sync makes the data and the execute bit durable together.
    fchmodSync(fd, MODE_COMPLETE);
    await group.sync(fd, syncDir);
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  closeSync(fd);
}

/** Removes a queue file and waits until its directory no longer lists it on disk (group commit). */
export async function removeQueueFile(group: SyncGroup, path: string, dir: string): Promise<void> {
  unlinkIfThereSync(path);
  await group.sync(null, dir);
}
