/**
 * qmgr_transport: a delivery transport as qmgr schedules it (a master.cf
 * service name: smtp, relay, local, error, retry ...): its limits, read
 * from `<transport>_...` parameters with the `default_...` ones as
 * fallback, its per-destination queues in round-robin order, and its dead
 * state: when its delivery agent cannot be used, it is throttled for
 * transport_retry_time and its mail deferred with `mail transport
 * unavailable`.
 *
 * Parameters: <transport>_destination_concurrency_limit,
 *   _destination_recipient_limit, _initial_destination_concurrency,
 *   _destination_concurrency_positive_feedback, _negative_feedback,
 *   _destination_concurrency_failed_cohort_limit, _destination_rate_delay,
 *   _transport_rate_delay, and their default_* (initial_destination_concurrency)
 * Diagnostics: warning for a malformed feedback value (qmgr_feedback.ts)
 * See: postfix/src/qmgr/qmgr_transport.c
 */
import type { Config } from '../config/config.ts';
import { convertTime } from '../config/param_types.ts';
import type { Log } from '../log/log.ts';
import type { QmgrClock, QmgrTimer } from './qmgr_clock.ts';
import { parseFeedback, type QmgrFeedback } from './qmgr_feedback.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import { type QmgrDsn, QmgrQueue, type QueueTransport } from './qmgr_queue.ts';

/** get_mail_conf_int2(): `<name><suffix>` when set and valid, else `fallback`. */
function int2(config: Config, name: string, suffix: string, fallback: number, min: number): number {
  const raw = config.raw(`${name}${suffix}`);
  if (raw === undefined) return fallback;
  const n = Number(config.value(`${name}${suffix}`).trim());
  return Number.isInteger(n) && n >= min ? n : fallback;
}

/** get_mail_conf_time2(): seconds. */
function time2(config: Config, name: string, suffix: string, fallback: number): number {
  const raw = config.raw(`${name}${suffix}`);
  if (raw === undefined) return fallback;
  return convertTime(config.value(`${name}${suffix}`).trim(), 's') ?? fallback;
}

export class QmgrTransport implements QueueTransport {
  readonly name: string;
  readonly destConcurrencyLimit: number;
  readonly recipientLimit: number;
  readonly initDestConcurrency: number;
  /** Seconds between deliveries of the whole transport, and to one destination. */
  readonly xportRateDelay: number;
  readonly rateDelay: number;
  readonly posFeedback: QmgrFeedback;
  readonly negFeedback: QmgrFeedback;
  readonly failCohortLimit: number;
  /** Deliveries this transport runs at once (the master.cf process limit of its service). */
  processLimit: number;
  /** Deliveries in progress. */
  busy = 0;
  /** Dead: the delivery agent could not be used. */
  dsn: QmgrDsn | null = null;
  /** _transport_rate_delay: no new delivery until the current one is done and the delay passed. */
  rateLock = false;
  readonly queues = new Map<string, QmgrQueue>();
  /** Round-robin order of the queues. */
  queueList: QmgrQueue[] = [];
  #timer: QmgrTimer | null = null;
  readonly #clock: QmgrClock;

  constructor(config: Config, log: Log, name: string, clock: QmgrClock, processLimit: number) {
    const p = config.params;
    this.name = name;
    this.#clock = clock;
    this.processLimit = processLimit;
    let destLimit = int2(config, name, '_destination_concurrency_limit', p.default_destination_concurrency_limit, 0);
    this.recipientLimit = int2(config, name, '_destination_recipient_limit', p.default_destination_recipient_limit, 0);
    let init = int2(config, name, '_initial_destination_concurrency', p.initial_destination_concurrency, 1);
    this.xportRateDelay = time2(config, name, '_transport_rate_delay', p.default_transport_rate_delay);
    this.rateDelay = time2(config, name, '_destination_rate_delay', p.default_destination_rate_delay);
    if (this.rateDelay > 0) destLimit = 1;
    if (destLimit !== 0 && destLimit < init) init = destLimit;
    this.destConcurrencyLimit = destLimit;
    this.initDestConcurrency = init;
    const feedback = (suffix: string, defName: string, defValue: string): QmgrFeedback => {
      const own = config.raw(`${name}${suffix}`) === undefined ? null : config.value(`${name}${suffix}`);
      const value = own ?? defValue;
      const fb = parseFeedback(value);
      if (fb !== null) return fb;
      log.warn(QMGR_LOG.badFeedback(own !== null && own !== defValue ? `${name}${suffix}` : defName, value));
      return { perWindow: false, base: 1 };
    };
    this.posFeedback = feedback(
      '_destination_concurrency_positive_feedback',
      'default_destination_concurrency_positive_feedback',
      p.default_destination_concurrency_positive_feedback,
    );
    this.negFeedback = feedback(
      '_destination_concurrency_negative_feedback',
      'default_destination_concurrency_negative_feedback',
      p.default_destination_concurrency_negative_feedback,
    );
    this.failCohortLimit = int2(
      config,
      name,
      '_destination_concurrency_failed_cohort_limit',
      p.default_destination_concurrency_failed_cohort_limit,
      0,
    );
  }

  get dead(): boolean {
    return this.dsn !== null;
  }

  /** qmgr_queue_find() or qmgr_queue_create(). */
  queue(name: string, nexthop: string): QmgrQueue {
    let q = this.queues.get(name);
    if (q === undefined) {
      q = new QmgrQueue(this, name, nexthop, this.#clock);
      this.queues.set(name, q);
      this.queueList.push(q);
    }
    return q;
  }

  /** qmgr_queue_done(): forgets an empty, live queue. */
  removeQueue(q: QmgrQueue): void {
    q.dispose();
    this.queues.delete(q.name);
    this.queueList = this.queueList.filter((x) => x !== q);
  }

  /** qmgr_transport_throttle(): dead for transport_retry_time, then `onRevive`. */
  throttle(dsn: QmgrDsn, retryTime: number, onRevive: () => void): void {
    if (this.dead) return;
    this.dsn = dsn;
    this.#timer = this.#clock.setTimer(retryTime, () => {
      this.#timer = null;
      this.unthrottle();
      onRevive();
    });
  }

  /** qmgr_transport_unthrottle(): alive again; the rate lock is released too. */
  unthrottle(): void {
    if (this.dead) {
      this.dsn = null;
      if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
      this.#timer = null;
    }
    this.rateLock = false;
  }

  /** A queue that may start a delivery now, rotating the round-robin order; null when none. */
  selectQueue(): QmgrQueue | null {
    for (let i = 0; i < this.queueList.length; i++) {
      const q = this.queueList[i]!;
      if (q.startable > 0) {
        this.queueList = [...this.queueList.slice(i + 1), ...this.queueList.slice(0, i + 1)];
        return q;
      }
    }
    return null;
  }

  /** Disposes of every queue's timers and this transport's (qmgr stops). */
  dispose(): void {
    for (const q of this.queues.values()) q.dispose();
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }
}
