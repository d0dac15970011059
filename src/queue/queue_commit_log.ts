/**
 * queue_commit_log: the daemon's write-ahead log of queue files. A new
 * queue file is written to the page cache and its bytes appended to this
 * process's log segment; one sync of the segment then makes every message of
 * a group commit durable (instead of a sync per file and its directory), and
 * a removal is a short record. Each record carries the time (CLOCK_MONOTONIC,
 * never stepped) it was written. When a segment is full, a checkpoint syncs
 * the whole file system (`sync -f`), records when it started in a checkpoint
 * file and drops the old segment: every record older than any checkpoint is
 * already on disk in the queue itself. queue_commit_replay.ts applies what
 * is left after a crash.
 *
 * Layout: QUEUE_DIRECTORY/commit/NAME.log (segments), NAME.ckpt (checkpoints)
 * Record: u32 length, u32 crc32 of the body; body: 'C' or 'R', u64 time (ns),
 *   queue name and queue ID (a length byte each), then for 'C' the file's bytes
 * Diagnostics: append() throws the system error (what it wrote of the record is overwritten by the next)
 * Security: replay takes only records with a valid checksum, a queue name and a well-formed queue ID,
 *   so a damaged log can never name a path outside the queue
 * See: ../shared/reference/bench-and-security.md §2 (durability), queue_sync.ts
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { unlinkIfThereSync, writeAllSync } from './queue_fs_io.ts';
import { parseQueueId, type QueueId } from './queue_id.ts';
import { QUEUE_NAMES, type QueueName } from './queue_store.ts';
import type { SyncGroup } from './queue_sync.ts';

/** The directory of segments and checkpoints, under queue_directory. */
export const COMMIT_DIR = 'commit';
/** A segment this large is checkpointed and replaced. */
export const SEGMENT_LIMIT = 64 * 1024 * 1024;
/**
 * A segment grows by this many bytes of zeros ahead of its records. Writing
 * into blocks the file already has changes no metadata, so the group
 * commit's fdatasync() writes the new records' blocks only: one disk write
 * per group instead of the data, the inode and the allocation. (Records end
 * at the first zero length, so replay stops there.)
 */
const PREALLOCATE = 4 * 1024 * 1024;
let zeros: Buffer | null = null;
const RECORD_HEAD = 8;

export type CommitRecord =
  | {
      readonly type: 'C';
      readonly time: bigint;
      readonly queue: QueueName;
      readonly id: QueueId;
      readonly bytes: Buffer;
    }
  | { readonly type: 'R'; readonly time: bigint; readonly queue: QueueName; readonly id: QueueId };

/** The time records and checkpoints are ordered by: monotonic, the same in every process until a reboot. */
export const commitClock = (): bigint => process.hrtime.bigint();

/** A record's bytes, ready to append. */
export function encodeRecord(r: CommitRecord): Buffer[] {
  const queue = Buffer.from(r.queue, 'latin1');
  const id = Buffer.from(r.id, 'latin1');
  const fixed = Buffer.alloc(RECORD_HEAD + 1 + 8 + 1 + queue.length + 1 + id.length);
  let at = RECORD_HEAD;
  fixed[at++] = r.type.charCodeAt(0);
  fixed.writeBigUInt64BE(r.time, at);
  at += 8;
  fixed[at++] = queue.length;
  at += queue.copy(fixed, at);
  fixed[at++] = id.length;
  id.copy(fixed, at);
  const parts = r.type === 'C' ? [fixed, r.bytes] : [fixed];
  let crc = crc32(fixed.subarray(RECORD_HEAD));
  if (r.type === 'C') crc = crc32(r.bytes, crc);
  fixed.writeUInt32BE(fixed.length - RECORD_HEAD + (r.type === 'C' ? r.bytes.length : 0), 0);
  fixed.writeUInt32BE(crc >>> 0, 4);
  return parts;
}

/** The records of a segment's bytes, up to the first one that is incomplete or damaged (a crash mid-append). */
export function decodeRecords(data: Buffer): CommitRecord[] {
  const records: CommitRecord[] = [];
  let at = 0;
  while (at + RECORD_HEAD <= data.length) {
    const length = data.readUInt32BE(at);
    const body = data.subarray(at + RECORD_HEAD, at + RECORD_HEAD + length);
    if (length < 11 || body.length < length || crc32(body) >>> 0 !== data.readUInt32BE(at + 4)) break;
    const record = decodeBody(body);
    if (record === null) break;
    records.push(record);
    at += RECORD_HEAD + length;
  }
  return records;
}

function decodeBody(body: Buffer): CommitRecord | null {
  const type = String.fromCharCode(body[0]!);
  const time = body.readBigUInt64BE(1);
  let at = 9;
  const queueLength = body[at++]!;
  const queue = body.toString('latin1', at, at + queueLength) as QueueName;
  at += queueLength;
  const idLength = body[at++] ?? 0;
  const id = body.toString('latin1', at, at + idLength) as QueueId;
  at += idLength;
  if (at > body.length || !QUEUE_NAMES.includes(queue) || parseQueueId(id) === null) return null;
  if (type === 'C') return { type, time, queue, id, bytes: body.subarray(at) };
  if (type === 'R') return { type, time, queue, id };
  return null;
}

/** coreutils' sync, wherever PATH is (a daemon's environment may have none). */
const SYNC_COMMAND = existsSync('/bin/sync') ? '/bin/sync' : 'sync';

/** sync(1) -f: syncfs(2) on the file system holding `dir` (Node has no binding for it). */
export function syncFileSystem(dir: string): Promise<void> {
  return new Promise((ok, fail) => {
    execFile(SYNC_COMMAND, ['-f', dir], (err) => (err === null ? ok() : fail(err)));
  });
}

/**
 * This process's segment, opened at its first record. append() writes to
 * the page cache; the caller then joins the group commit with the
 * descriptor it returns. A segment past SEGMENT_LIMIT is replaced and
 * checkpointed in the background; close() checkpoints the last one.
 */
export class CommitLog {
  readonly #dir: string;
  readonly #root: string;
  readonly #base: string;
  readonly #sync: SyncGroup;
  readonly #limit: number;
  #sequence = 0;
  /** -1 until the first record. */
  #fd = -1;
  /** Where the next record goes. */
  #size = 0;
  /** Bytes of zeros written so far (see PREALLOCATE). */
  #allocated = 0;
  #checkpointing: Promise<void> | null = null;

  /** A log named after `owner` (unique among the processes sharing the queue) and this process. */
  constructor(root: string, owner: string, sync: SyncGroup, limit = SEGMENT_LIMIT) {
    this.#limit = limit;
    this.#root = root;
    this.#dir = join(root, COMMIT_DIR);
    this.#base = `${owner}.${process.pid}.${Date.now().toString(36)}`;
    this.#sync = sync;
  }

  #segmentPath(sequence: number): string {
    return join(this.#dir, `${this.#base}.${sequence}.log`);
  }

  #open(): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.#segmentPath(this.#sequence), 'wx', 0o600);
    this.#size = 0;
    this.#allocated = 0;
  }

  /**
   * Appends `record` and returns the descriptor to sync it with. A full
   * segment is replaced here, before the write, so every sync of the old
   * descriptor was asked for before the checkpoint's, which closes it.
   */
  append(record: CommitRecord): number {
    if (this.#fd >= 0 && this.#size >= this.#limit && this.#checkpointing === null) this.#rotate();
    if (this.#fd < 0) this.#open();
    const parts = encodeRecord(record);
    const length = parts.reduce((n, p) => n + p.length, 0);
    while (this.#size + length > this.#allocated) {
      // 64 KB first (a postsuper run logs a few removals), doubling up to PREALLOCATE.
      const grow = Math.min(PREALLOCATE, Math.max(64 * 1024, this.#allocated));
      zeros ??= Buffer.alloc(PREALLOCATE);
      writeAllSync(this.#fd, [zeros.subarray(0, grow)], this.#allocated);
      this.#allocated += grow;
    }
    // A failure leaves a torn record at #size, which the next record overwrites (replay stops at it till then).
    writeAllSync(this.#fd, parts, this.#size);
    this.#size += length;
    return this.#fd;
  }

  /** Starts a new segment; the old one goes once a checkpoint covers it. */
  #rotate(): void {
    const oldFd = this.#fd;
    const oldPath = this.#segmentPath(this.#sequence);
    const started = commitClock();
    this.#sequence++;
    this.#open();
    this.#checkpointing = this.#checkpoint(oldFd, oldPath, started)
      .catch(() => undefined) // the old segment stays; replay applies it, and the next rotation tries again
      .finally(() => {
        this.#checkpointing = null;
      });
  }

  async #checkpoint(oldFd: number, oldPath: string, started: bigint): Promise<void> {
    try {
      await this.#sync.sync(oldFd, null, true); // after every group commit that still uses the old descriptor
    } finally {
      closeSync(oldFd);
    }
    await syncFileSystem(this.#root);
    writeCheckpoint(this.#dir, this.#base, started);
    unlinkIfThereSync(oldPath);
  }

  /** Waits for a checkpoint under way. */
  async settled(): Promise<void> {
    await this.#checkpointing;
  }

  /**
   * At a clean stop: checkpoints and removes the last segment, so a process
   * that comes and goes (an smtpd worker at each reload) leaves nothing for
   * replay. Appending afterwards starts a new segment.
   */
  async close(): Promise<void> {
    await this.settled();
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    await this.#checkpoint(fd, this.#segmentPath(this.#sequence++), commitClock());
  }
}

/** Records, durably, that everything before `started` is on disk; a crash mid-way leaves the old checkpoint. */
export function writeCheckpoint(dir: string, base: string, started: bigint): void {
  const path = join(dir, `${base}.ckpt`);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${started}\n`, { mode: 0o600 });
  syncPath(tmp);
  renameSync(tmp, path);
  syncPath(dir);
}

/** fsync() of a file or directory by name, synchronously (only at a checkpoint, a few times a day). */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
