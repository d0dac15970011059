/**
 * qmgr_queue: a per-destination queue, one per (transport, nexthop) (or per
 * recipient for transports that take one recipient at a time), with its
 * concurrency window. Success widens the window (positive feedback, up to
 * the transport's limit and at most `initial concurrency` beyond the
 * deliveries in progress); a site-level failure narrows it (negative
 * feedback, down to 1) and adds 1/window to the failed cohorts; when they
 * reach the cohort limit the destination is dead (throttled) until
 * minimal_backoff_time has passed. A rate-limited destination is suspended
 * between deliveries.
 *
 * Parameters: minimal_backoff_time (through the caller), and the transport's
 *   concurrency settings
 * See: postfix/src/qmgr/qmgr_queue.c, qmgr_entry.c
 */
import type { DeliveryRecipient } from '../queue/deliver_request.ts';
import type { QmgrClock, QmgrTimer } from './qmgr_clock.ts';
import { feedbackValue, type QmgrFeedback } from './qmgr_feedback.ts';
import type { QmgrMessage } from './qmgr_message.ts';

/** A status and reason: why a destination or transport is dead. */
export interface QmgrDsn {
  readonly dsn: string;
  readonly reason: string;
}

/** What a queue needs to know of its transport. */
export interface QueueTransport {
  readonly name: string;
  readonly destConcurrencyLimit: number;
  readonly initDestConcurrency: number;
  readonly posFeedback: QmgrFeedback;
  readonly negFeedback: QmgrFeedback;
  readonly failCohortLimit: number;
}

/** One delivery request: some recipients of one message for one destination. */
export class QmgrEntry {
  readonly message: QmgrMessage;
  readonly queue: QmgrQueue;
  readonly recipients: DeliveryRecipient[] = [];

  constructor(message: QmgrMessage, queue: QmgrQueue) {
    this.message = message;
    this.queue = queue;
  }
}

/** Postfix's window values for a queue that is not ready. */
const THROTTLED = 0;
const SUSPENDED = -1;

export class QmgrQueue {
  readonly name: string;
  readonly nexthop: string;
  readonly transport: QueueTransport;
  /** > 0: ready, with this concurrency; 0: throttled (dead); -1: suspended (rate delay). */
  window: number;
  success = 0;
  failure = 0;
  failCohorts = 0;
  /** Why the destination is dead, while it is. */
  dsn: QmgrDsn | null = null;
  readonly todo: QmgrEntry[] = [];
  busy = 0;
  /** When the last delivery finished, ms. */
  lastDone = 0;
  /** When the next clog warning may be logged, ms. */
  clogTimeToWarn = 0;
  #timer: QmgrTimer | null = null;
  readonly #clock: QmgrClock;

  constructor(transport: QueueTransport, name: string, nexthop: string, clock: QmgrClock) {
    this.transport = transport;
    this.name = name;
    this.nexthop = nexthop;
    this.window = transport.initDestConcurrency;
    this.#clock = clock;
  }

  get ready(): boolean {
    return this.window > 0;
  }

  get throttled(): boolean {
    return this.window === THROTTLED;
  }

  get suspended(): boolean {
    return this.window === SUSPENDED;
  }

  /** No entries waiting or in delivery. */
  get empty(): boolean {
    return this.todo.length === 0 && this.busy === 0;
  }

  /** Entries that could start now: min(window - busy, todo). */
  get startable(): number {
    return this.ready ? Math.max(0, Math.min(this.window - this.busy, this.todo.length)) : 0;
  }

  /** qmgr_queue_unthrottle(): a success, or the end of a dead period. */
  unthrottle(): void {
    const t = this.transport;
    this.failCohorts = 0;
    if (this.throttled) {
      this.#cancel();
      this.dsn = null;
      // Back from the almost grave, best concurrency is anyone's guess.
      this.window = this.busy > 0 ? this.busy : t.initDestConcurrency;
      this.success = this.failure = 0;
      return;
    }
    if (!this.ready) return;
    if (t.destConcurrencyLimit === 0 || t.destConcurrencyLimit > this.window) {
      if (this.window < this.busy + t.initDestConcurrency) {
        const feedback = feedbackValue(t.posFeedback, this.window);
        this.success += feedback;
        while (this.success + feedback / 2 >= 1) {
          this.window += 1;
          this.success -= 1;
          this.failure = 0;
        }
        if (t.destConcurrencyLimit > 0 && this.window > t.destConcurrencyLimit) this.window = t.destConcurrencyLimit;
      }
    }
  }

  /**
   * qmgr_queue_throttle(): a site-level failure. Returns true when the
   * destination just died; `onRevive` then runs after `backoff` ms.
   */
  throttle(dsn: QmgrDsn, backoff: number, onRevive: () => void): boolean {
    if (!this.ready) return false;
    const t = this.transport;
    this.failCohorts += 1 / this.window;
    if (t.failCohortLimit > 0 && this.failCohorts >= t.failCohortLimit) this.window = THROTTLED;
    if (this.ready) {
      const feedback = feedbackValue(t.negFeedback, this.window);
      this.failure -= feedback;
      while (this.failure - feedback / 2 < 0) {
        this.window -= 1;
        this.success = 0;
        this.failure += 1;
      }
      if (this.window < 1) this.window = 1;
    }
    if (!this.throttled) return false;
    this.dsn = dsn;
    this.#timer = this.#clock.setTimer(backoff, () => {
      this.#timer = null;
      this.unthrottle();
      onRevive();
    });
    return true;
  }

  /** qmgr_queue_suspend(): no deliveries for `delay` ms (rate delay); then window 1. */
  suspend(delay: number, onResume: () => void): void {
    if (!this.ready) return;
    this.window = SUSPENDED;
    this.#timer = this.#clock.setTimer(delay, () => {
      this.#timer = null;
      this.window = 1;
      onResume();
    });
  }

  /** Cancels a pending timer (the queue is being discarded). */
  dispose(): void {
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }
}
