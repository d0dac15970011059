/**
 * qmgr_scan: a scan of the incoming or the deferred queue, one message at a
 * time. A request to scan while a scan runs is remembered and starts a new
 * scan when this one ends; "ignore time stamps" (QMGR_SCAN_ALL) and
 * "override defer_transports" apply to the scan in progress at once. The
 * incoming scan first takes the messages cleanup announced (no directory
 * read needed for them), then the directory.
 *
 * See: postfix/src/qmgr/qmgr_scan.c
 */
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueListEntry, QueueStore } from '../queue/queue_store.ts';

/** QMGR_SCAN_* and QMGR_FLUSH_* request bits. */
export const SCAN = {
  START: 1 << 0,
  ALL: 1 << 1,
  FLUSH_ONCE: 1 << 2,
  FLUSH_DFXP: 1 << 3,
} as const;

/** A message a scan found; `announced`: cleanup just queued it (not found in the directory). */
export interface ScanEntry extends QueueListEntry {
  readonly announced?: boolean;
}

export class QmgrScan {
  readonly queue: 'incoming' | 'deferred';
  /** Flags of the scan in progress; of the next one. */
  flags = 0;
  nflags = 0;
  #iter: AsyncIterator<QueueListEntry> | null = null;
  readonly #store: QueueStore;
  /** Messages announced by cleanup, fed before the directory is read. */
  readonly #announced: QueueId[] = [];

  constructor(store: QueueStore, queue: 'incoming' | 'deferred') {
    this.#store = store;
    this.queue = queue;
  }

  get running(): boolean {
    return this.#iter !== null;
  }

  /** A message cleanup just queued. */
  announce(id: QueueId): void {
    this.#announced.push(id);
  }

  /** qmgr_scan_request(): `flags` for the scan in progress or the next one. */
  request(flags: number): void {
    if (this.#iter !== null && (flags & SCAN.ALL) !== 0) this.flags |= SCAN.ALL;
    if (this.#iter !== null && (flags & SCAN.FLUSH_DFXP) !== 0) this.flags |= SCAN.FLUSH_DFXP;
    this.nflags |= flags;
    if (this.#iter === null && (flags & SCAN.START) !== 0) {
      this.nflags &= ~SCAN.START;
      this.#start();
    }
  }

  #start(): void {
    this.flags = this.nflags;
    this.nflags = 0;
    this.#iter = this.#store.list(this.queue)[Symbol.asyncIterator]();
  }

  /** qmgr_scan_next(): the next message, or null when there is none now. */
  async next(): Promise<ScanEntry | null> {
    const announced = this.#announced.shift();
    if (announced !== undefined) {
      return { id: announced, queue: this.queue, mtime: 0, fileSize: 0, forceExpire: false, announced: true };
    }
    if (this.#iter !== null) {
      const r = await this.#iter.next();
      if (!r.done) return r.value;
      this.#iter = null;
    }
    if ((this.nflags & SCAN.START) !== 0) {
      this.#start();
      const r = await this.#iter!.next();
      if (!r.done) return r.value;
      this.#iter = null;
    }
    return null;
  }

  /** Abandons a scan in progress (qmgr stops). */
  async close(): Promise<void> {
    const iter = this.#iter;
    this.#iter = null;
    await iter?.return?.();
  }
}
