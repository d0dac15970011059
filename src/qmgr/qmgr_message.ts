/**
 * qmgr_message: a message in the active queue, as qmgr keeps it in memory:
 * the queued message read back from the store, when it became active, how
 * many delivery requests (entries) are still out for it, and whether some
 * recipient must be tried again (Postfix's message->flags).
 *
 * See: postfix/src/qmgr/qmgr.h (QMGR_MESSAGE), qmgr_message.c
 */
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueMessage } from '../queue/queue_store.ts';

/** How the message came in: Postfix's QMGR_SCAN_ALL, QMGR_FLUSH_* and QMGR_FORCE_EXPIRE bits. */
export interface MessageFlags {
  /** postqueue -i / -s: dead transports and destinations get another chance for this message. */
  readonly flushEach: boolean;
  /** postqueue -f: defer_transports does not apply. */
  readonly flushDeferTransports: boolean;
  /** postsuper -e/-f: no delivery; return it to the sender now. */
  readonly forceExpire: boolean;
}

export class QmgrMessage {
  readonly id: QueueId;
  readonly queued: QueueMessage;
  readonly flags: MessageFlags;
  /** When it entered the active queue, µs since the epoch (delays=a/b). */
  readonly activeAt: number;
  /** Postfix's create_time: arrival, ms since the epoch; expiry and backoff count from it. */
  readonly createTime: number;
  /** Entries (delivery requests) not yet done. */
  refcount = 0;
  /** In-core recipients (of those entries). */
  rcptCount = 0;
  /** Some recipient must be tried again (DELIVER_STAT_DEFER). */
  deferred = false;
  /** A bounce or trace log may exist: entries were written now, or the message was queued before. */
  mayHaveBounceLog: boolean;
  mayHaveTraceLog: boolean;
  /** Its file is already gone: every recipient was done and the store removed it (removeDone). */
  removed = false;
  /** An agent found the file damaged: it goes to corrupt when its requests are done. */
  corrupt = false;
  /** Defer, bounce and done records still being written; the message is finished only after them. */
  readonly #writes = new Set<Promise<unknown>>();

  /** `fresh`: new mail from cleanup, which cannot have bounce or trace logs yet. */
  constructor(queued: QueueMessage, flags: MessageFlags, activeAt: number, fresh = false) {
    this.mayHaveBounceLog = !fresh;
    this.mayHaveTraceLog = !fresh;
    this.id = queued.id;
    this.queued = queued;
    this.flags = flags;
    this.activeAt = activeAt;
    this.createTime = Math.floor(queued.envelope.arrival / 1000);
  }

  get sender(): string {
    return this.queued.envelope.sender;
  }

  /** Remembers a record being written for this message. */
  write(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.#writes.delete(tracked));
    this.#writes.add(tracked);
  }

  /** Resolves when every record written so far is written. */
  async settle(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all([...this.#writes]);
  }
}
