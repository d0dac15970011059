/**
 * queue_fs_super: the file-level maintenance postsuper does on the file
 * store, beneath the QueueStore interface: every file of a queue or log
 * directory at whatever hash depth it sits (after a change of
 * hash_queue_names or hash_queue_depth files may sit too deep or too
 * shallow), purging temporary files that a crash left behind more than a
 * week ago (-p), and putting files back where the current hashing wants
 * them, removing subdirectories that are no longer needed (-s).
 *
 * Parameters: hash_queue_names, hash_queue_depth (through the store)
 * Diagnostics: `bogus file name: QUEUE/NAME` for what cannot be a queue ID
 *   (returned for the caller to log)
 * Security: only names that pass parseQueueId are moved; paths are built
 *   from the store's root, the queue name and such names
 * See: postfix/src/postsuper/postsuper.c (super)
 */
import { lstat, mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { FsQueueStore } from './queue_fs_store.ts';
import { parseQueueId, type QueueId } from './queue_id.ts';
import type { LogKind, QueueName } from './queue_store.ts';

/** A temporary file older than this is a crash leftover (Postfix's MAX_TEMP_AGE). */
export const MAX_TEMP_AGE = 7 * 24 * 3600 * 1000;

export interface QueueFile {
  /** Absolute path. */
  readonly path: string;
  /** Path from the queue directory: `deferred/9/9F4411600A3`. */
  readonly shown: string;
  readonly name: string;
  /** A regular file (not a directory, socket or link). */
  readonly regular: boolean;
  /** Has the owner execute bit: written to the end (message queues only). */
  readonly complete: boolean;
  readonly mtime: number;
  /** How many hash levels down it sits. */
  readonly depth: number;
}

/** Every entry of queue or log directory `name`, descending into one-character subdirectories. */
export async function* queueFiles(store: FsQueueStore, name: QueueName | LogKind): AsyncGenerator<QueueFile> {
  yield* walk(store, join(store.root, name), 0);
}

async function* walk(store: FsQueueStore, dir: string, depth: number): AsyncGenerator<QueueFile> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names.sort()) {
    const path = join(dir, name);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(path);
    } catch {
      continue; // gone meanwhile
    }
    if (st.isDirectory() && name.length === 1) {
      yield* walk(store, path, depth + 1);
      continue;
    }
    yield {
      path,
      shown: relative(store.root, path),
      name,
      regular: st.isFile(),
      complete: (st.mode & 0o100) !== 0,
      mtime: st.mtimeMs,
      depth,
    };
  }
}

/**
 * postsuper -p: removes what is not a regular file, and files of message
 * queues never completed and older than MAX_TEMP_AGE. Returns how many.
 */
export async function purgeTemporary(
  store: FsQueueStore,
  queues: readonly (QueueName | LogKind)[],
  now: number,
): Promise<number> {
  let removed = 0;
  for (const queue of queues) {
    const messages = queue !== 'defer' && queue !== 'bounce' && queue !== 'trace';
    for await (const f of queueFiles(store, queue)) {
      if (!f.regular || (messages && !f.complete && now > f.mtime + MAX_TEMP_AGE)) {
        await rm(f.path, { force: true, recursive: !f.regular });
        removed++;
      }
    }
  }
  return removed;
}

export interface StructureResult {
  /** Files moved to the hash directory the configuration wants. */
  readonly moved: number;
  /** `QUEUE/…/NAME` of files whose name cannot be a queue ID (left alone). */
  readonly bogus: readonly string[];
}

/** postsuper -s: every file into the subdirectory hashing wants; unneeded subdirectories removed. */
export async function fixStructure(
  store: FsQueueStore,
  queues: readonly (QueueName | LogKind)[],
): Promise<StructureResult> {
  let moved = 0;
  const bogus: string[] = [];
  for (const queue of queues) {
    for await (const f of queueFiles(store, queue)) {
      if (!f.regular) continue;
      const id = parseQueueId(f.name);
      if (id === null) {
        bogus.push(f.shown);
        continue;
      }
      const wanted = store.pathOf(queue, id);
      if (wanted === f.path) continue;
      await mkdir(dirname(wanted), { recursive: true, mode: 0o700 });
      try {
        await rename(f.path, wanted);
        moved++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    await pruneDirectories(join(store.root, queue), 0, wantedDepth(store, queue));
  }
  return { moved, bogus };
}

/** How many hash levels the configuration wants for `queue`. */
function wantedDepth(store: FsQueueStore, queue: QueueName | LogKind): number {
  const sample = store.dirOf(queue, 'A0000000000' as QueueId);
  return relative(join(store.root, queue), sample)
    .split(sep)
    .filter((p) => p !== '').length;
}

/**
 * Removes empty one-character subdirectories deeper than hashing wants
 * (rmdir fails on non-empty ones, which is fine). Wanted ones stay even
 * when empty: a running daemon may be about to move a file into them.
 */
async function pruneDirectories(dir: string, depth: number, wanted: number): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.length !== 1) continue;
    const sub = join(dir, name);
    const st = await lstat(sub).catch(() => null);
    if (st === null || !st.isDirectory()) continue;
    await pruneDirectories(sub, depth + 1, wanted);
    if (depth + 1 > wanted) await rmdir(sub).catch(() => undefined);
  }
}
