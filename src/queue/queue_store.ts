/**
 * queue_store: the interface to the mail queue. The file-system store is
 * the embedded default; a PostgreSQL store comes later, so nothing above
 * this interface (cleanup, qmgr, the delivery agents, the queue tools) may
 * assume files. A message lives in one named queue at a time, as in
 * Postfix: maildrop, incoming, active, deferred, hold, corrupt.
 *
 * See: postfix/src/global/mail_queue.c, postfix/src/global/mail_stream.c
 */
import type { Readable } from 'node:stream';
import type { QueueEnvelope, QueueRecipient } from './queue_envelope.ts';
import type { QueueId } from './queue_id.ts';

export const QUEUE_NAMES = ['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Per-message logs kept beside the queue: why recipients were deferred, bounced, or traced. */
export const LOG_KINDS = ['defer', 'bounce', 'trace'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

/** One recipient's entry in a defer, bounce or trace log (Postfix's attribute block). */
export interface DeliveryLogEntry {
  readonly recipient: string;
  /** Original recipient as given in the envelope. */
  readonly original: string;
  readonly orcpt: string | null;
  readonly notify: number;
  /** Index of the recipient record in the message. */
  readonly offset: number;
  /** RFC 3463 status, e.g. 4.4.1. */
  readonly status: string;
  /** delayed, failed, delivered, relayed, expanded. */
  readonly action: string;
  readonly reason: string;
  /** `smtp;550 5.1.1 ...` when the remote MTA said it, else ''. */
  readonly diagnostic: string;
  /** `dns;mx.example.com` when a remote MTA was involved, else ''. */
  readonly remoteMta: string;
  /** When the entry was written, microseconds since the epoch. */
  readonly time: number;
}

/** A queued message as read back: its envelope, recipients and where its content is. */
export interface QueueMessage {
  readonly id: QueueId;
  readonly queue: QueueName;
  readonly envelope: QueueEnvelope;
  readonly recipients: ReadonlyArray<{ readonly recipient: QueueRecipient; readonly done: boolean }>;
  /** Size of the content in bytes (LF line ends), as qmgr logs `size=`. */
  readonly size: number;
}

/** What a queue listing says of one message without reading it. */
export interface QueueListEntry {
  readonly id: QueueId;
  readonly queue: QueueName;
  /** For deferred mail: the earliest time of the next attempt, ms since the epoch. */
  readonly mtime: number;
  /** Size on disk (or stored size), bytes. */
  readonly fileSize: number;
  /** postsuper -e/-f: expire at the next attempt. */
  readonly forceExpire: boolean;
}

/** One message of QueueStore.scan(): what list() says, the message (null when damaged), and its log. */
export interface QueueScanItem {
  readonly entry: QueueListEntry;
  readonly message: QueueMessage | null;
  /** The entries of the log scan() was asked for (defer, for showq); empty when there is none. */
  readonly log: readonly DeliveryLogEntry[];
}

/** What a start-up sweep of one queue did (queue_recover.ts logs it). */
export interface SweepResult {
  /** Messages never completed (a crash while writing them), removed. */
  readonly removed: readonly string[];
  /** Entries that cannot be messages (bad names, not files), moved to corrupt. */
  readonly quarantined: readonly string[];
}

/** Content to queue: one buffer, or chunks as they arrive (smtpd DATA). */
export type MessageContent = Buffer | AsyncIterable<Buffer>;

export interface QueueStore {
  /** A fresh queue ID, so smtpd can log `ID: client=...` before the message exists. */
  newId(): QueueId;
  /**
   * Writes a complete message into `queue` under `id`. Resolves only when it
   * is on stable storage (the file and its directory entry); rejects, leaving
   * nothing behind, on any write or sync error.
   */
  create(
    id: QueueId,
    queue: 'incoming' | 'hold' | 'maildrop',
    envelope: QueueEnvelope,
    recipients: readonly QueueRecipient[],
    content: MessageContent,
  ): Promise<QueueMessage>;
  /** Reads a message's envelope and recipients; QueueFileCorrupt when it is damaged. */
  read(queue: QueueName, id: QueueId): Promise<QueueMessage>;
  /** The content, verified against its checksum as it is read (the stream errors on a mismatch). */
  content(message: QueueMessage): Readable;
  /** Moves a message to another queue; `nextAttempt` (ms) sets when deferred mail is due. */
  move(id: QueueId, from: QueueName, to: QueueName, nextAttempt?: number): Promise<void>;
  /** Marks recipients (by index) done, durably, before anything else happens to them. */
  markDone(message: QueueMessage, indexes: readonly number[]): Promise<void>;
  /**
   * Optional: removes a message all of whose recipients are done, durably
   * (a crash never brings it back), instead of markDone() and a later
   * remove(); cheaper where a removal can share its sync with others.
   */
  removeDone?(message: QueueMessage): Promise<void>;
  /** Sets or clears when the delay warning is due (qmgr clears it once the warning went out), durably. */
  updateWarn(message: QueueMessage, warnAt: number | null): Promise<void>;
  /** Sets or clears the force-expire mark (postsuper -e/-f). */
  setForceExpire(queue: QueueName, id: QueueId, on: boolean): Promise<void>;
  remove(queue: QueueName, id: QueueId): Promise<void>;
  appendLog(kind: LogKind, id: QueueId, entry: DeliveryLogEntry): Promise<void>;
  readLog(kind: LogKind, id: QueueId): Promise<DeliveryLogEntry[]>;
  removeLog(kind: LogKind, id: QueueId): Promise<void>;
  /** Every complete message in `queue`, one at a time (never all in memory at once). */
  list(queue: QueueName): AsyncIterable<QueueListEntry>;
  /**
   * What list() would say of one message, or null when `queue` holds no
   * complete message `id` (postsuper and postcat look IDs up with it).
   */
  stat(queue: QueueName, id: QueueId): Promise<QueueListEntry | null>;
  /**
   * Optional: list(), read() and readLog(`log`) of every complete message
   * of `queue` in one pass, one message at a time, for listings (showq)
   * that want envelopes but not content. `blocking` lets a command that
   * does nothing else meanwhile use synchronous I/O.
   */
  scan?(
    queue: QueueName,
    options?: { readonly log?: LogKind; readonly blocking?: boolean },
  ): AsyncIterable<QueueScanItem>;
  /**
   * Start-up recovery of one queue: removes messages that were never
   * completed (never one this process is still writing) and moves entries
   * that cannot be messages to corrupt. Never used on maildrop, which other
   * processes write.
   */
  sweep(queue: QueueName): Promise<SweepResult>;
  /**
   * Optional: what the store's own crash recovery did when it opened (a
   * write-ahead log replayed: files written again, files removed again),
   * once; then null.
   */
  takeReplayReport?(): { readonly restored: readonly QueueId[]; readonly removed: readonly QueueId[] } | null;
  /** Bytes available to the queue. */
  freeSpace(): Promise<number>;
}
