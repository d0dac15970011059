/**
 * logscan_summary_state: what the summary remembers per queue ID, as
 * pflogsumm's hashes do: where a received message came from (%rcvdMsg,
 * until qmgr's first `from=, size=` line), its size (%msgSizes) and whether
 * it was deferred before (%msgDfrdFlgs).
 *
 * pflogsumm keeps every queue ID for the whole run, so memory grows with the
 * log, and a queue ID used again later (short IDs are reused: microseconds
 * plus inode number) is taken for the first message: the second message's
 * size and sender are not counted, its deliveries get the first one's size.
 * The default policy `forget` drops a message when it is `removed`, and bounds
 * what is left for messages never removed (FIFO, oldest first), so memory
 * stays constant and reused IDs count as the new messages they are. Policy
 * `pflogsumm` keeps everything, for byte-for-byte agreement on such logs.
 *
 * See: /usr/sbin/pflogsumm (main loop: "avoid double-counting!")
 */

import { detach } from './logscan_counter.ts';

export type DuplicatePolicy = 'forget' | 'pflogsumm';

/**
 * Bound under `forget`: messages never removed in this log (received but
 * never queued, still queued at its end). Beyond it the oldest go, in
 * blocks of MAX_PENDING.
 */
const MAX_PENDING = 50_000;
const MAX_QUEUED = 200_000;

interface Message {
  /** Where it came from (client domain, or `pickup`), until qmgr's from= line. */
  origin: string | null;
  /** Size from qmgr's first from= line; 0 counts as unknown, as in Perl. */
  size: number;
  deferred: boolean;
}

export class SummaryMessages {
  readonly #policy: DuplicatePolicy;
  /** One record per queue ID: what pflogsumm keeps in %rcvdMsg, %msgSizes and %msgDfrdFlgs. */
  readonly #messages = new Map<string, Message>();
  constructor(policy: DuplicatePolicy) {
    this.#policy = policy;
  }

  #record(qid: string): Message {
    let m = this.#messages.get(qid);
    if (m === undefined) {
      m = { origin: null, size: 0, deferred: false };
      this.#messages.set(detach(qid), m);
      if (this.#policy === 'forget' && this.#messages.size > MAX_QUEUED + MAX_PENDING) this.#evict();
    }
    return m;
  }

  /** Drops the oldest records (FIFO) when the log has far more unfinished messages than any queue holds. */
  #evict(): void {
    const keys = this.#messages.keys();
    for (let i = 0; i < MAX_PENDING; i++) {
      const k = keys.next();
      if (k.done === true) return;
      this.#messages.delete(k.value);
    }
  }

  /** smtpd's client= or pickup's uid= line: remember the origin (null: pflogsumm's undef). */
  received(qid: string, origin: string | null): void {
    if (origin === null || origin === '') {
      const m = this.#messages.get(qid);
      if (m !== undefined) m.origin = null;
      return;
    }
    this.#record(qid).origin = detach(origin);
  }

  /**
   * qmgr's from=, size= line. Returns undefined when the ID already has a
   * size (a retry of a deferred message: not counted again); otherwise the
   * origin of a message received in this log (null for one that was not).
   */
  queued(qid: string, size: number): { readonly origin: string | null } | undefined {
    const m = this.#record(qid);
    if (m.size !== 0) return undefined;
    m.size = size;
    const origin = m.origin;
    m.origin = null;
    return { origin };
  }

  /** The size qmgr logged, 0 when unknown. */
  size(qid: string): number {
    return this.#messages.get(qid)?.size ?? 0;
  }

  /** Records a deferral; true for the message's first one. */
  deferredFirst(qid: string): boolean {
    const m = this.#record(qid);
    if (m.deferred) return false;
    m.deferred = true;
    return true;
  }

  /** qmgr's (or postsuper's) `removed`: under `forget`, the ID is free for reuse. */
  removed(qid: string): void {
    if (this.#policy === 'forget') this.#messages.delete(qid);
  }

  /** IDs remembered now (for tests of the bound). */
  get remembered(): number {
    return this.#messages.size;
  }
}
