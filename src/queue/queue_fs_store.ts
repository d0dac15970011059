/**
 * queue_fs_store: the mail queue as files under queue_directory, in
 * Postfix's directories (incoming, active, deferred, hold, corrupt,
 * maildrop; defer, bounce and trace logs), hashed as hash_queue_names and
 * hash_queue_depth say. A file is created with mode 0600 and gets the owner
 * execute bit (0700) only when complete, as Postfix marks it; readers skip
 * files without it. New files are synced in groups (queue_sync.ts) before
 * create() resolves: in the daemon (options.commitLog) through the commit
 * log (queue_commit_log.ts: one sync of a log segment for the group, and a
 * removal record for removeDone() and remove()), elsewhere each file, with its
 * directory where the file system needs it
 * (queue_fs_durable_name.ts); done marks and the cleared warning time are synced
 * before markDone() and updateWarn() resolve, and the removal of a finished
 * message before removeDone() does. Calls that only touch the page cache
 * (creating, renaming and removing a queue file, writes, chmod, reads of
 * small files) are synchronous; what waits for the disk (fsync) goes to
 * the thread pool (see #writeBuffer). In the daemon (options.keepFresh)
 * qmgr's first read of a new incoming file comes from the bytes just
 * written (queue_fs_fresh.ts). sweep() is start-up recovery: it
 * removes files never completed (but not those this store is writing) and
 * moves what cannot be a queue file to corrupt.
 *
 * Parameters: queue_directory, hash_queue_names, hash_queue_depth, enable_long_queue_ids
 * Diagnostics: create() rejects with the system error; read() with QueueFileCorrupt
 * Security: paths are built only from QueueIds (never from client text);
 *   files are 0600/0700 and directories 0700
 * See: postfix/src/global/mail_queue.c, mail_stream.c, postfix/src/cleanup/cleanup_out.c
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  fchmodSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { appendFile, chmod, lstat, mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { CommitLog, type CommitRecord, commitClock } from './queue_commit_log.ts';
import { type ReplayReport, replayCommitLog } from './queue_commit_replay.ts';
import type { QueueEnvelope, QueueRecipient } from './queue_envelope.ts';
import {
  type DecodedHead,
  DONE_MARK,
  decodeHead,
  decodeTrailer,
  encodeHead,
  encodeTrailer,
  encodeWarn,
  headCrc,
  QueueFileCorrupt,
  TRAILER_LENGTH,
  warnOffsetOf,
} from './queue_file_format.ts';
import { newNameDurableWithFile } from './queue_fs_durable_name.ts';
import { FreshFiles } from './queue_fs_fresh.ts';
import { closeQuietly, readRange, unlinkIfThere, unlinkIfThereSync, writeAll, writeAllSync } from './queue_fs_io.ts';
import { scanQueue } from './queue_fs_scan.ts';
import { hashDirs, parseQueueId, type QueueId, QueueIdGenerator, type QueueIdSlot } from './queue_id.ts';
import { formatLogEntry, parseLog } from './queue_log_format.ts';
import type {
  DeliveryLogEntry,
  LogKind,
  MessageContent,
  QueueListEntry,
  QueueMessage,
  QueueName,
  QueueScanItem,
  QueueStore,
  SweepResult,
} from './queue_store.ts';
import { LOG_KINDS, QUEUE_NAMES } from './queue_store.ts';
import { SyncGroup } from './queue_sync.ts';

export interface FsQueueOptions {
  readonly queue_directory: string;
  readonly hash_queue_names: readonly string[];
  readonly hash_queue_depth: number;
  readonly enable_long_queue_ids: boolean;
  /** Keep each new incoming file's bytes for qmgr's first read (queue_fs_fresh.ts): the daemon's choice; default off. */
  readonly keepFresh?: boolean;
  /** This process's share of the queue ID counter when several processes create files (default: all of it). */
  readonly idSlot?: QueueIdSlot;
  /**
   * The daemon's choice (default: none): new files are made durable through
   * the commit log (queue_commit_log.ts), which init() first replays when
   * this process owns the queue ('replay': the master) and only opens
   * ('append': an smtpd worker, started after the master's replay).
   */
  readonly commitLog?: 'replay' | 'append';
}

const MODE_WRITING = 0o600;
const MODE_COMPLETE = 0o700;
/** Group-execute: postsuper -e/-f asked for expiry at the next attempt (Postfix's MAIL_QUEUE_STAT_EXPIRE). */
const MODE_FORCE_EXPIRE = 0o010;
const HEAD_READ = 64 * 1024;
/** Content up to this size is read in one go (content()). */
const SMALL_CONTENT = 64 * 1024;

/** What the file store remembers about a message it read, beyond QueueMessage. */
interface FsMessage extends QueueMessage {
  readonly contentOffset: number;
  readonly contentCrc: number;
  readonly typeOffsets: readonly number[];
  /** Offset of the warning time's payload, null in files older than the 'W' record. */
  readonly warnOffset: number | null;
}

function isFsMessage(m: QueueMessage): m is FsMessage {
  return typeof (m as Partial<FsMessage>).contentOffset === 'number';
}

export class FsQueueStore implements QueueStore {
  readonly root: string;
  readonly #hashed: ReadonlySet<string>;
  readonly #depth: number;
  readonly #ids: QueueIdGenerator;
  readonly #sync = new SyncGroup();
  /** Incoming files just written, read from memory once (options.keepFresh); null: always from the file. */
  readonly #fresh: FreshFiles | null;
  readonly #madeDirs = new Set<string>();
  /** Paths this store is writing now: a start-up sweep must never take them for crash leftovers. */
  readonly #writing = new Set<string>();
  /** Directories whose new entries need a sync of their own (queue_fs_durable_name.ts), by directory. */
  readonly #syncNewNames = new Map<string, boolean>();
  readonly #commitMode: 'replay' | 'append' | undefined;
  /** Names this process's commit log segments: its share of the queue ID counter. */
  readonly #slotName: string;
  /** This process's commit log; null without one (files are then synced one by one) or once closed. */
  #commit: CommitLog | null = null;
  /** What init()'s replay of the commit log did, until the daemon's start-up logs it. */
  #replayed: ReplayReport | null = null;

  constructor(options: FsQueueOptions) {
    this.root = options.queue_directory;
    this.#hashed = new Set(options.hash_queue_names);
    this.#depth = options.hash_queue_depth;
    this.#ids = new QueueIdGenerator(options.enable_long_queue_ids, undefined, options.idSlot);
    this.#fresh = options.keepFresh === true ? new FreshFiles() : null;
    this.#commitMode = options.commitLog;
    this.#slotName = String(options.idSlot?.index ?? 0);
  }

  /** Creates the queue and log directories. */
  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    for (const name of [...QUEUE_NAMES, ...LOG_KINDS])
      await mkdir(join(this.root, name), { recursive: true, mode: 0o700 });
    await this.openCommitLog();
  }

  /**
   * Replays the commit log if this process owns the queue (options.commitLog
   * 'replay'), then logs to a segment of its own. init() calls it; a tool
   * that does not create the queue directories (postsuper) calls it itself.
   */
  async openCommitLog(): Promise<void> {
    if (this.#commitMode === undefined || this.#commit !== null) return;
    if (this.#commitMode === 'replay') this.#replayed = await replayCommitLog(this);
    this.#commit = new CommitLog(this.root, this.#slotName, this.#sync);
  }

  /** Checkpoints and drops this process's commit log segment (a clean stop). */
  async closeCommitLog(): Promise<void> {
    const log = this.#commit;
    this.#commit = null;
    await log?.close();
  }

  takeReplayReport(): ReplayReport | null {
    const report = this.#replayed;
    this.#replayed = null;
    return report;
  }

  /**
   * Appends `record` to the commit log and returns the descriptor to sync,
   * or null when there is no log or the append failed (a full disk): the
   * caller then syncs its file or directory itself. The log stays: the next
   * record overwrites whatever part of this one was written.
   */
  #logged(record: CommitRecord): number | null {
    try {
      return this.#commit?.append(record) ?? null;
    } catch {
      return null;
    }
  }

  /** Group-commit statistics: how many sync rounds for how many messages. */
  get syncStats(): { batches: number; synced: number } {
    return { batches: this.#sync.batches, synced: this.#sync.synced };
  }

  newId(): QueueId {
    return this.#ids.next();
  }

  /** The directory that holds `id` in queue or log `name`. */
  dirOf(name: QueueName | LogKind, id: QueueId): string {
    const parts = this.#hashed.has(name) ? hashDirs(id, this.#depth) : [];
    return join(this.root, name, ...parts);
  }

  pathOf(name: QueueName | LogKind, id: QueueId): string {
    return join(this.dirOf(name, id), id);
  }

  async #ensureDir(dir: string): Promise<void> {
    if (this.#madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    this.#madeDirs.add(dir);
  }

  /**
   * The directory to sync after a new file's own sync: `dir`, unless the
   * file system makes a new name durable with the file (ext4, XFS, btrfs),
   * as Postfix assumes; that saves a disk flush per group commit.
   */
  #newNameSync(dir: string): string | null {
    let needed = this.#syncNewNames.get(dir);
    if (needed === undefined) {
      needed = !newNameDurableWithFile(dir);
      this.#syncNewNames.set(dir, needed);
    }
    return needed ? dir : null;
  }

  async create(
    id: QueueId,
    queue: 'incoming' | 'hold' | 'maildrop',
    envelope: QueueEnvelope,
    recipients: readonly QueueRecipient[],
    content: MessageContent,
  ): Promise<QueueMessage> {
    const dir = this.dirOf(queue, id);
    await this.#ensureDir(dir);
    const path = join(dir, id);
    const head = encodeHead(envelope, recipients);
    const warnOffset = warnOffsetOf(head);
    const crcHead = headCrc(head, [], warnOffset);
    this.#writing.add(path);
    try {
      const { crc, length } = Buffer.isBuffer(content)
        ? await this.#writeBuffer(path, dir, head, crcHead, content, queue, id)
        : await this.#writeStream(path, dir, head, crcHead, content);
      return newMessage(id, queue, envelope, recipients, head, warnOffset, crc, length);
    } catch (err) {
      // The partial file goes; a file that was there already (EEXIST) is another message's.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      this.#writing.delete(path);
    }
  }

  /**
   * Writes a queue file from content already in memory (what cleanup hands
   * over). The open, the write and the chmod are synchronous: they only
   * touch the page cache and the directory (open p50 47 µs, p99 230 µs
   * under smtp-source load on ext4), while each call through the thread
   * pool costs a wake-up and an event-loop round trip, and an open queued
   * behind the group commit's syncs waited 2.8 ms at the median (measured
   * with bench/smtpd's load). Only the fsync, which waits for the disk,
   * runs on the thread pool, in the group commit, and create() resolves
   * only after it.
   */
  async #writeBuffer(
    path: string,
    dir: string,
    head: Buffer,
    crcHead: number,
    content: Buffer,
    queue: QueueName,
    id: QueueId,
  ): Promise<{ crc: number; length: number }> {
    const crc = crc32(content);
    const bytes = Buffer.concat([head, content, encodeTrailer(crcHead, crc, content.length)]);
    const fd = openSync(path, 'wx', MODE_WRITING);
    let logged: number | null = null;
    try {
      writeAllSync(fd, [bytes]);
      // The execute bit says "complete"; the sync makes the data and the bit durable together.
      fchmodSync(fd, MODE_COMPLETE);
      // With a commit log, the log's sync is the file's; the time is taken after the file is written.
      logged = this.#logged({ type: 'C', time: commitClock(), queue, id, bytes });
      if (logged === null) await this.#sync.sync(fd, this.#newNameSync(dir));
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    closeSync(fd);
    if (logged !== null) {
      try {
        await this.#sync.sync(logged, null, true);
      } catch (err) {
        // create() removes the file; the log must not bring it back after a crash.
        this.#logged({ type: 'R', time: commitClock(), queue, id });
        throw err;
      }
    }
    // qmgr reads a new incoming file next (not one in hold or maildrop): from memory.
    if (queue === 'incoming') this.#fresh?.remember(id, bytes);
    return { crc, length: content.length };
  }

  /** Writes a queue file from streamed content, chunk by chunk. */
  async #writeStream(
    path: string,
    dir: string,
    head: Buffer,
    crcHead: number,
    content: AsyncIterable<Buffer>,
  ): Promise<{ crc: number; length: number }> {
    const file = await open(path, 'wx', MODE_WRITING);
    let crc = 0;
    let length = 0;
    try {
      await writeAll(file, [head]);
      for await (const chunk of content) {
        crc = crc32(chunk, crc);
        length += chunk.length;
        await writeAll(file, [chunk]);
      }
      await writeAll(file, [encodeTrailer(crcHead, crc, length)]);
      // The execute bit says "complete"; the sync makes the data and the bit durable together.
      await file.chmod(MODE_COMPLETE);
      await this.#sync.sync(file, this.#newNameSync(dir));
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
    await file.close();
    return { crc, length };
  }

  /**
   * Synchronous reads (see #writeBuffer): qmgr reads each new file just
   * after cleanup wrote it, from the page cache; five thread-pool round
   * trips per message cost more than the reads. (A cold read after a
   * restart waits for the disk in the event loop, as Postfix's qmgr does.)
   */
  async read(queue: QueueName, id: QueueId): Promise<QueueMessage> {
    const path = this.pathOf(queue, id);
    const fresh = this.#fresh?.get(id);
    // The file must still be there (postsuper -d may have removed it by its path), as an open would find.
    if (fresh !== undefined && existsSync(path)) {
      return messageOf(id, queue, fresh.length, decodeHead(fresh), fresh.subarray(-TRAILER_LENGTH));
    }
    const fd = openSync(path, 'r');
    try {
      const { size } = fstatSync(fd);
      let length = Math.min(HEAD_READ, size);
      let decoded = null;
      for (;;) {
        const buf = Buffer.alloc(length);
        const bytesRead = readSync(fd, buf, 0, length, 0);
        decoded = decodeHead(buf.subarray(0, bytesRead));
        if (decoded !== null || length >= size) break;
        length = Math.min(length * 4, size);
      }
      const trailer = Buffer.alloc(TRAILER_LENGTH);
      if (size >= TRAILER_LENGTH) readSync(fd, trailer, 0, TRAILER_LENGTH, size - TRAILER_LENGTH);
      return messageOf(id, queue, size, decoded, trailer);
    } finally {
      closeSync(fd);
    }
  }

  content(message: QueueMessage): Readable {
    if (!isFsMessage(message)) throw new TypeError('content(): not a message of this store');
    const fresh = this.#fresh?.get(message.id);
    if (fresh !== undefined) {
      this.#fresh!.forget(message.id); // delivery takes it once; a later attempt reads the file
      return checkedContent(fresh.subarray(message.contentOffset, message.contentOffset + message.size), message);
    }
    if (message.size <= SMALL_CONTENT) return this.#smallContent(message);
    const out = new PassThrough();
    const source = createReadStream(this.pathOf(message.queue, message.id), {
      start: message.contentOffset,
      end: message.contentOffset + message.size - 1,
    });
    let crc = 0;
    source.on('data', (data: string | Buffer) => {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      crc = crc32(chunk, crc);
      if (!out.write(chunk)) source.pause();
    });
    out.on('drain', () => source.resume());
    source.on('error', (err) => out.destroy(err));
    source.on('end', () => {
      if (crc >>> 0 !== message.contentCrc >>> 0) out.destroy(new QueueFileCorrupt('content checksum mismatch'));
      else out.end();
    });
    return out;
  }

  /**
   * content() of a small message: one synchronous read when the reader
   * first asks (a stream costs several thread-pool round trips, for a
   * file qmgr has just read from the page cache), checked the same way.
   */
  #smallContent(message: FsMessage): Readable {
    const path = this.pathOf(message.queue, message.id);
    return new Readable({
      read() {
        try {
          pushChecked(this, readRange(path, message.contentOffset, message.size), message);
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
  }

  async move(id: QueueId, from: QueueName, to: QueueName, nextAttempt?: number): Promise<void> {
    const source = this.pathOf(from, id);
    if (nextAttempt !== undefined) {
      const t = nextAttempt / 1000;
      await utimes(source, t, t);
    }
    const dir = this.dirOf(to, id);
    await this.#ensureDir(dir);
    renameSync(source, join(dir, id)); // a directory update in the page cache, like the create in #writeBuffer
  }

  async markDone(message: QueueMessage, indexes: readonly number[]): Promise<void> {
    if (!isFsMessage(message)) throw new TypeError('markDone(): not a message of this store');
    if (indexes.length === 0) return;
    this.#fresh?.forget(message.id);
    // One-byte writes into the page cache: synchronous (see #writeBuffer); the fsync is grouped.
    const fd = openSync(this.pathOf(message.queue, message.id), 'r+');
    try {
      for (const i of indexes) {
        const at = message.typeOffsets[i];
        if (at === undefined) throw new RangeError(`markDone(): no recipient ${i} in ${message.id}`);
        writeSync(fd, DONE_MARK, 0, 1, at);
      }
      await this.#sync.sync(fd, null);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Removes a message whose recipients are now all done, in place of a
   * done mark and a later remove(): the unlink is made durable by a sync of
   * its directory (with a commit log: a removal record and the log's sync,
   * which replay turns into the unlink again), shared with the other
   * removals and creations of the moment (group commit), and only then does
   * this resolve. So a delivered recipient is never delivered again after a
   * crash, as with markDone(), for one sync per batch instead of one per message.
   */
  async removeDone(message: QueueMessage): Promise<void> {
    this.#fresh?.forget(message.id);
    const dir = this.dirOf(message.queue, message.id);
    unlinkIfThereSync(join(dir, message.id)); // synchronous, like the create in #writeBuffer
    const logged = this.#logged({ type: 'R', time: commitClock(), queue: message.queue, id: message.id });
    await (logged === null ? this.#sync.sync(null, dir) : this.#sync.sync(logged, null, true));
  }

  async updateWarn(message: QueueMessage, warnAt: number | null): Promise<void> {
    if (!isFsMessage(message)) throw new TypeError('updateWarn(): not a message of this store');
    if (message.warnOffset === null) return; // a file from before the 'W' record: its warning time stays
    this.#fresh?.forget(message.id);
    const file = await open(this.pathOf(message.queue, message.id), 'r+');
    try {
      await file.write(encodeWarn(warnAt), 0, 8, message.warnOffset);
      await this.#sync.sync(file, null);
    } finally {
      await file.close();
    }
  }

  async setForceExpire(queue: QueueName, id: QueueId, on: boolean): Promise<void> {
    this.#fresh?.forget(id);
    await chmod(this.pathOf(queue, id), on ? MODE_COMPLETE | MODE_FORCE_EXPIRE : MODE_COMPLETE);
  }

  async remove(queue: QueueName, id: QueueId): Promise<void> {
    this.#fresh?.forget(id);
    await unlinkIfThere(this.pathOf(queue, id));
    this.#logged({ type: 'R', time: commitClock(), queue, id }); // not synced, like the unlink
  }

  /** remove() of a file found at `path`, wherever the hashing put it (postsuper's mass operations). */
  async removeFile(path: string, queue: QueueName, id: QueueId): Promise<void> {
    this.#fresh?.forget(id);
    await unlinkIfThere(path);
    this.#logged({ type: 'R', time: commitClock(), queue, id });
  }

  async appendLog(kind: LogKind, id: QueueId, entry: DeliveryLogEntry): Promise<void> {
    const dir = this.dirOf(kind, id);
    await this.#ensureDir(dir);
    await appendFile(join(dir, id), formatLogEntry(entry), { mode: 0o600 });
  }

  async readLog(kind: LogKind, id: QueueId): Promise<DeliveryLogEntry[]> {
    try {
      return parseLog(await readFile(this.pathOf(kind, id), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async removeLog(kind: LogKind, id: QueueId): Promise<void> {
    await unlinkIfThere(this.pathOf(kind, id));
  }

  async *list(queue: QueueName): AsyncIterable<QueueListEntry> {
    for await (const { dir, name } of this.#walk(join(this.root, queue), this.#hashed.has(queue) ? this.#depth : 0)) {
      const id = parseQueueId(name);
      if (id === null) continue;
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await stat(join(dir, name));
      } catch {
        continue; // moved or removed while we looked
      }
      if (!st.isFile() || (st.mode & 0o100) === 0) continue; // still being written
      yield { id, queue, mtime: st.mtimeMs, fileSize: st.size, forceExpire: (st.mode & MODE_FORCE_EXPIRE) !== 0 };
    }
  }

  async stat(queue: QueueName, id: QueueId): Promise<QueueListEntry | null> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(this.pathOf(queue, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (!st.isFile() || (st.mode & 0o100) === 0) return null;
    return { id, queue, mtime: st.mtimeMs, fileSize: st.size, forceExpire: (st.mode & MODE_FORCE_EXPIRE) !== 0 };
  }

  async *scan(
    queue: QueueName,
    options: { readonly log?: LogKind; readonly blocking?: boolean } = {},
  ): AsyncIterable<QueueScanItem> {
    const depth = this.#hashed.has(queue) ? this.#depth : 0;
    const log = options.log;
    const logPath = log === undefined ? undefined : (id: QueueId) => this.pathOf(log, id);
    for await (const s of scanQueue(queue, join(this.root, queue), depth, { blocking: options.blocking, logPath })) {
      const h = s.head;
      const message = h === null ? null : fsMessage(s.entry.id, queue, h, s.size, s.contentCrc);
      yield { entry: s.entry, message, log: s.log };
    }
  }

  /** Every entry name of a queue directory, descending `depth` levels of hash directories. */
  async *#walk(dir: string, depth: number): AsyncIterable<{ dir: string; name: string }> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names.sort()) {
      if (depth > 0 && name.length === 1) yield* this.#walk(join(dir, name), depth - 1);
      else yield { dir, name };
    }
  }

  /** Every file in `queue`, complete or not, valid name or not: for recovery and postsuper. */
  async *rawEntries(queue: QueueName): AsyncIterable<{ path: string; name: string; complete: boolean }> {
    for await (const { dir, name } of this.#walk(join(this.root, queue), this.#hashed.has(queue) ? this.#depth : 0)) {
      try {
        const st = await stat(join(dir, name));
        if (st.isFile()) yield { path: join(dir, name), name, complete: (st.mode & 0o100) !== 0 };
      } catch {
        // gone meanwhile
      }
    }
  }

  async sweep(queue: QueueName): Promise<SweepResult> {
    const removed: string[] = [];
    const quarantined: string[] = [];
    for await (const { dir, name } of this.#walk(join(this.root, queue), this.#hashed.has(queue) ? this.#depth : 0)) {
      const path = join(dir, name);
      if (this.#writing.has(path)) continue;
      let st: Awaited<ReturnType<typeof stat>>;
      try {
        st = await lstat(path);
      } catch {
        continue; // gone meanwhile
      }
      if (st.isDirectory() && this.#hashed.has(queue) && name.length === 1) continue;
      const id = parseQueueId(name);
      if (id !== null && st.isFile() && (st.mode & 0o100) === 0) {
        // Never made complete: a crash (or a kill) in the middle of writing it.
        await rm(path, { force: true });
        removed.push(name);
      } else if (id === null || !st.isFile()) {
        await this.#ensureDir(join(this.root, 'corrupt'));
        await rename(path, join(this.root, 'corrupt', uniqueName(name)));
        quarantined.push(name);
      }
    }
    return { removed, quarantined };
  }

  async freeSpace(): Promise<number> {
    // Synchronous: statfs(2) is a quick system call, made at every MAIL FROM;
    // the async one costs a thread-pool round trip. Not cached, so a disk that
    // fills (or gets space back) is seen at the next MAIL, as in Postfix.
    const s = statfsSync(this.root);
    return s.bavail * s.bsize;
  }
}

/** The in-memory view of a file create() has just written. */
function newMessage(
  id: QueueId,
  queue: QueueName,
  envelope: QueueEnvelope,
  recipients: readonly QueueRecipient[],
  head: Buffer,
  warnOffset: number,
  contentCrc: number,
  contentLength: number,
): FsMessage {
  return {
    id,
    queue,
    envelope,
    recipients: recipients.map((recipient) => ({ recipient, done: false })),
    size: contentLength,
    contentOffset: head.length,
    contentCrc,
    typeOffsets: recipientTypeOffsets(head, recipients.length, warnOffset),
    warnOffset,
  };
}

/** Offsets of the recipient type bytes in a head written by encodeHead() (they follow the 'W' payload). */
function recipientTypeOffsets(head: Buffer, count: number, warnOffset: number): number[] {
  const offsets: number[] = [];
  let at = warnOffset + 8;
  for (let i = 0; i < count; i++) {
    offsets.push(at);
    at += 5 + head.readUInt32BE(at + 1);
  }
  return offsets;
}

/** A name for a quarantined file that cannot be a queue ID: keeps it readable, never a path, never a clash. */
function uniqueName(name: string): string {
  const safe = name.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, 200);
  return `${safe}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** A message from its file's bytes: `head` as decodeHead() found it, `trailer` the file's last bytes; checked whole. */
function messageOf(id: QueueId, queue: QueueName, size: number, head: DecodedHead | null, trailer: Buffer): FsMessage {
  if (head === null) throw new QueueFileCorrupt(`unexpected EOF in data: file size ${size}`);
  if (size < head.contentOffset + TRAILER_LENGTH) throw new QueueFileCorrupt('missing end record');
  const end = decodeTrailer(trailer);
  if (end.headCrc !== head.crc) throw new QueueFileCorrupt('envelope checksum mismatch');
  if (head.contentOffset + end.contentLength + TRAILER_LENGTH !== size) {
    throw new QueueFileCorrupt(
      `message size mismatch: ${size} bytes, expected ${head.contentOffset + end.contentLength + TRAILER_LENGTH}`,
    );
  }
  return fsMessage(id, queue, head, end.contentLength, end.contentCrc);
}

/** The in-memory view of a decoded queue file whose content is `size` bytes with checksum `contentCrc`. */
function fsMessage(id: QueueId, queue: QueueName, head: DecodedHead, size: number, contentCrc: number): FsMessage {
  return {
    id,
    queue,
    envelope: head.envelope,
    recipients: head.recipients.map((r) => ({ recipient: r.recipient, done: r.done })),
    size,
    contentOffset: head.contentOffset,
    contentCrc,
    typeOffsets: head.recipients.map((r) => r.typeOffset),
    warnOffset: head.warnOffset,
  };
}

/** Pushes a message's whole content into `stream` and ends it, if its checksum is the one the file recorded. */
function pushChecked(stream: Readable, content: Buffer, message: FsMessage): void {
  if (crc32(content) >>> 0 !== message.contentCrc >>> 0) throw new QueueFileCorrupt('content checksum mismatch');
  if (content.length > 0) stream.push(content);
  stream.push(null);
}

/** content() from bytes in memory, checked as a read from the file is. */
function checkedContent(content: Buffer, message: FsMessage): Readable {
  return new Readable({
    read() {
      try {
        pushChecked(this, content, message);
      } catch (err) {
        this.destroy(err as Error);
      }
    },
  });
}
