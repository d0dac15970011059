/**
 * queue_commit_replay: after a crash, brings the queue up to date with the
 * commit log (queue_commit_log.ts) before anything else reads it: the
 * master's start and postsuper on a stopped daemon call it. Of each queue
 * ID only the newest record after the newest checkpoint counts: a removed
 * message is removed again wherever a file of it survived, a created one
 * whose file is missing or damaged (the page cache never reached the disk)
 * is written again from the log. Then the file system is synced and the
 * log dropped.
 *
 * Diagnostics: the IDs restored and removed, for the caller to log
 * See: queue_commit_log.ts
 */
import {
  chmodSync,
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { COMMIT_DIR, type CommitRecord, decodeRecords, syncFileSystem, syncPath } from './queue_commit_log.ts';
import { TRAILER_LENGTH } from './queue_file_format.ts';
import { readRange } from './queue_fs_io.ts';
import type { QueueId } from './queue_id.ts';
import { QUEUE_NAMES, type QueueName } from './queue_store.ts';

/** Where the queue keeps a message: the file store's paths. */
export interface ReplayTarget {
  readonly root: string;
  pathOf(queue: QueueName, id: QueueId): string;
}

export interface ReplayReport {
  readonly restored: readonly QueueId[];
  readonly removed: readonly QueueId[];
}

/** The queues a logged message can be in (maildrop is written by sendmail, outside the log). */
const LOGGED_QUEUES = QUEUE_NAMES.filter((q) => q !== 'maildrop');

/** Applies and then drops the commit log under `target.root`, if there is one. */
export async function replayCommitLog(target: ReplayTarget): Promise<ReplayReport> {
  const dir = join(target.root, COMMIT_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { restored: [], removed: [] };
    throw err;
  }
  const since = newestCheckpoint(dir, names);
  const latest = new Map<QueueId, CommitRecord>();
  for (const name of names.filter((n) => n.endsWith('.log'))) {
    for (const r of decodeRecords(readFileSync(join(dir, name)))) {
      if (r.time < since) continue; // the checkpoint's sync put it on disk
      const seen = latest.get(r.id);
      if (seen === undefined || r.time >= seen.time) latest.set(r.id, r);
    }
  }
  const restored: QueueId[] = [];
  const removed: QueueId[] = [];
  /** What must be on disk before the log goes: the messages' files, and the directories of the removals. */
  const durable = new Set<string>();
  const elsewhere = new ElsewhereIndex(target.root);
  for (const r of latest.values()) {
    if (r.type === 'R') {
      const paths = removeEverywhere(target, r.id);
      for (const path of paths) durable.add(dirname(path));
      if (paths.length > 0) removed.push(r.id);
    } else {
      const { path, written } = restore(target, elsewhere, r.queue, r.id, r.bytes);
      durable.add(path);
      if (written) restored.push(r.id);
    }
  }
  if (latest.size > 0) await syncAll(target.root, durable);
  for (const name of names) unlinkSync(join(dir, name));
  return { restored, removed };
}

/** One syncfs(2) of the queue's file system; without sync(1), a sync of each path instead. */
async function syncAll(root: string, paths: ReadonlySet<string>): Promise<void> {
  try {
    await syncFileSystem(root);
  } catch {
    for (const path of paths) if (existsSync(path)) syncPath(path);
  }
}

/** The start time of the newest checkpoint (0: none); records before it are on disk. */
function newestCheckpoint(dir: string, names: readonly string[]): bigint {
  let newest = 0n;
  for (const name of names.filter((n) => n.endsWith('.ckpt'))) {
    try {
      const t = BigInt(readFileSync(join(dir, name), 'latin1').trim());
      if (t > newest) newest = t;
    } catch {
      // unreadable: ignoring it only replays more
    }
  }
  return newest;
}

/** Removes every file of `id` a crash left behind; returns their paths. */
function removeEverywhere(target: ReplayTarget, id: QueueId): string[] {
  const found: string[] = [];
  for (const queue of LOGGED_QUEUES) {
    const path = target.pathOf(queue, id);
    try {
      unlinkSync(path);
      found.push(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return found;
}

/**
 * Queue files by name wherever they sit, hash depth included (after a
 * change of hash_queue_depth, postsuper -s has not moved them yet): built
 * on the first message not found where the current hashing puts it.
 */
class ElsewhereIndex {
  readonly #root: string;
  #paths: Map<string, string[]> | null = null;

  constructor(root: string) {
    this.#root = root;
  }

  paths(id: QueueId): readonly string[] {
    if (this.#paths === null) {
      this.#paths = new Map();
      for (const queue of QUEUE_NAMES) this.#walk(join(this.#root, queue));
    }
    return this.#paths.get(id) ?? [];
  }

  #walk(dir: string): void {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // no such queue
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) this.#walk(path);
      else if (e.isFile()) this.#paths!.set(e.name, [...(this.#paths!.get(e.name) ?? []), path]);
    }
  }
}

/**
 * Writes `bytes` again unless an intact copy is in some queue (maildrop
 * too: postsuper -r puts a message there for pickup), at any hash depth.
 * Returns where the message is, and whether it was written.
 */
function restore(
  target: ReplayTarget,
  elsewhere: ElsewhereIndex,
  queue: QueueName,
  id: QueueId,
  bytes: Buffer,
): { path: string; written: boolean } {
  let damaged: string | null = null;
  const expected = [queue, ...QUEUE_NAMES.filter((x) => x !== queue)].map((q) => target.pathOf(q, id));
  const found = expected.some((path) => existsSync(path)) ? expected : elsewhere.paths(id);
  for (const path of found) {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      continue;
    }
    if (size === bytes.length && readRange(path, size - TRAILER_LENGTH, TRAILER_LENGTH).equals(trailerOf(bytes))) {
      return { path, written: false };
    }
    damaged ??= path;
  }
  const path = damaged ?? target.pathOf(queue, id);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, bytes, { mode: 0o700 });
  chmodSync(path, 0o700);
  return { path, written: true };
}

const trailerOf = (bytes: Buffer): Buffer => bytes.subarray(bytes.length - TRAILER_LENGTH);
