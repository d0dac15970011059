/**
 * logscan_summary_state: what the summary remembers per queue ID, as
 * pflogsumm's hashes do: where a received message came from (%rcvdMsg,
 * until qmgr's first `from=, size=` line), its size (%msgSizes) and whether
 * it was deferred before (%msgDfrdFlgs). An ID is given where it lies: a
 * line's text from `start` to `end` (or a whole string, 0 to its length).
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
 * See: /usr/sbin/pflogsumm (main loop: "avoid double-counting!"), logscan_summary_ids.ts
 */

import { QueueIdTable } from './logscan_summary_ids.ts';

export type DuplicatePolicy = 'forget' | 'pflogsumm';

/**
 * Bound under `forget`: messages never removed in this log (received but
 * never queued, still queued at its end). Beyond it the oldest go, in
 * blocks of MAX_PENDING.
 */
const MAX_PENDING = 50_000;
const MAX_QUEUED = 200_000;

export class SummaryMessages {
  readonly #policy: DuplicatePolicy;
  /** One record per queue ID: what pflogsumm keeps in %rcvdMsg, %msgSizes and %msgDfrdFlgs. */
  readonly #ids = new QueueIdTable();
  /** Per record: where the message came from (client domain, or `pickup`) until qmgr's from= line. */
  readonly #origin: (string | null)[] = [];
  /** Per record: the size from qmgr's first from= line; 0 counts as unknown, as in Perl. */
  readonly #size: number[] = [];
  readonly #deferred: boolean[] = [];

  constructor(policy: DuplicatePolicy) {
    this.#policy = policy;
  }

  #record(text: string, start: number, end: number): number {
    const ids = this.#ids;
    const r = ids.add(text, start, end);
    if (ids.created) {
      this.#origin[r] = null;
      this.#size[r] = 0;
      this.#deferred[r] = false;
      if (this.#policy === 'forget' && ids.size > MAX_QUEUED + MAX_PENDING) ids.evictOldest(MAX_PENDING);
    }
    return r;
  }

  /** smtpd's client= or pickup's uid= line: remember the origin (null: pflogsumm's undef). */
  received(text: string, start: number, end: number, origin: string | null): void {
    if (origin === null || origin === '') {
      const r = this.#ids.find(text, start, end);
      if (r >= 0) this.#origin[r] = null;
      return;
    }
    // kept for a few lines only (until qmgr's from= line): a quick copy, not detach()'s flat one
    this.#origin[this.#record(text, start, end)] = origin.length < 13 ? origin : `${origin} `.slice(0, -1);
  }

  /**
   * qmgr's from=, size= line. Returns undefined when the ID already has a
   * size (a retry of a deferred message: not counted again); otherwise the
   * origin of a message received in this log (null for one that was not).
   */
  queued(text: string, start: number, end: number, size: number): string | null | undefined {
    const r = this.#record(text, start, end);
    if (this.#size[r] !== 0) return undefined;
    this.#size[r] = size;
    const origin = this.#origin[r]!;
    this.#origin[r] = null;
    return origin;
  }

  /** The size qmgr logged, 0 when unknown. */
  size(text: string, start: number, end: number): number {
    const r = this.#ids.find(text, start, end);
    return r < 0 ? 0 : this.#size[r]!;
  }

  /** Records a deferral; true for the message's first one. */
  deferredFirst(text: string, start: number, end: number): boolean {
    const r = this.#record(text, start, end);
    if (this.#deferred[r]) return false;
    this.#deferred[r] = true;
    return true;
  }

  /** qmgr's (or postsuper's) `removed`: under `forget`, the ID is free for reuse. */
  removed(text: string, start: number, end: number): void {
    if (this.#policy !== 'forget') return;
    const r = this.#ids.find(text, start, end);
    if (r >= 0) {
      this.#origin[r] = null;
      this.#ids.remove(r);
    }
  }

  /** IDs remembered now (for tests of the bound). */
  get remembered(): number {
    return this.#ids.size;
  }
}
