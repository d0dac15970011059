/**
 * queue_fs_durable_name: whether the fsync of a newly created file also
 * makes its name durable on the file system holding a directory. On ext4
 * (the journal commits the entry with the inode; without a journal, the
 * driver syncs the parent of a new inode), XFS (the log is forced past
 * the create) and btrfs (the tree log records the new entry) it does, and
 * Postfix relies on that: it never syncs a queue directory. Elsewhere POSIX
 * promises nothing, so the store syncs the directory as well.
 *
 * See: ../shared/reference/bench-and-security.md §2.2 ("Postfix does not
 *   fsync the directory"), linux/fs/ext4/fsync.c ext4_sync_parent()
 */
import { statfsSync } from 'node:fs';

/** statfs(2) f_type of the file systems named above. */
const NAME_DURABLE_WITH_FILE: ReadonlySet<number> = new Set([
  0xef53, // ext4 (and ext2/ext3 mounted through the ext4 driver)
  0x58465342, // XFS
  0x9123683e, // btrfs
]);

/** True when fsync() of a new file in `dir` makes its directory entry durable too (by file system type). */
export function newNameDurableWithFile(dir: string): boolean {
  try {
    return NAME_DURABLE_WITH_FILE.has(statfsSync(dir).type);
  } catch {
    return false; // unknown: sync the directory, the safe way
  }
}
