/**
 * qmgr_core: the queue manager's scheduler. It alternates between the
 * incoming and the deferred queue while the active queue has room
 * (qmgr_message_active_limit, qmgr_message_recipient_limit), and hands
 * delivery requests to the agents of the transports that have work, each
 * within its process limit and its destinations' concurrency windows. The
 * deferred queue is scanned at start and every queue_run_delay; the
 * incoming queue when cleanup announces a message and every wakeup period.
 * The trigger methods are what `postqueue -f`, `-i ID`, `-s SITE` and
 * `postfix flush` send.
 *
 * Parameters: queue_run_delay, qmgr_message_active_limit,
 *   qmgr_message_recipient_limit, maximal_queue_lifetime,
 *   bounce_queue_lifetime, minimal_backoff_time, maximal_backoff_time,
 *   transport_retry_time
 * Diagnostics: start-up warnings `bounce_queue_lifetime is larger than
 *   maximal_queue_lifetime - adjusting bounce_queue_lifetime` and the
 *   recipient-limit one; `mail transport unavailable` deferrals
 * See: postfix/src/qmgr/qmgr.c, qmgr_enable.c, qmgr_transport.c (qmgr_transport_select)
 */
import type { QueueId } from '../queue/queue_id.ts';
import { recoverQueues } from '../queue/queue_recover.ts';
import { activeDone, activeFeed } from './qmgr_active.ts';
import type { QmgrTimer } from './qmgr_clock.ts';
import { type QmgrContext, type QmgrCore, type QmgrLimits, qmgrLimits } from './qmgr_context.ts';
import { deferTransport } from './qmgr_defer.ts';
import { deliverEntry } from './qmgr_deliver.ts';
import { deferredForSite, flushOne } from './qmgr_flush.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrMessage } from './qmgr_message.ts';
import type { QmgrEntry, QmgrQueue } from './qmgr_queue.ts';
import { QmgrScan, SCAN } from './qmgr_scan.ts';
import { QmgrTransport } from './qmgr_transport.ts';

const INCOMING = 0;
const DEFERRED = 1;
/** Messages read into the active queue at the same time. */
const FEEDERS = 4;

export class Qmgr implements QmgrCore {
  readonly ctx: QmgrContext;
  readonly limits: QmgrLimits;
  readonly messages = new Map<QueueId, QmgrMessage>();
  recipientCount = 0;
  readonly #transports = new Map<string, QmgrTransport>();
  readonly #scans: readonly [QmgrScan, QmgrScan];
  #firstScan = INCOMING;
  readonly #work = new Set<Promise<unknown>>();
  #loopActive = false;
  #loopAgain = false;
  #stopped = false;
  #deferredTimer: QmgrTimer | null = null;
  #wakeupTimer: QmgrTimer | null = null;
  readonly #wakeup: number;
  /** Messages postqueue -i/-s asked for: their dead destinations get another chance. */
  readonly #flushEach = new Set<QueueId>();

  /** `wakeup`: seconds between incoming scans (master.cf's wakeup field for qmgr, 300). */
  constructor(ctx: QmgrContext, wakeup = 300) {
    this.ctx = ctx;
    this.#wakeup = wakeup;
    this.#scans = [new QmgrScan(ctx.store, 'incoming'), new QmgrScan(ctx.store, 'deferred')];
    this.limits = qmgrLimits(ctx);
  }

  /** qmgr_post_init(): recovers the queue, then scans incoming and deferred. */
  async start(): Promise<void> {
    await recoverQueues(this.ctx.store, this.ctx.log, this.ctx.clock.now());
    this.#scans[INCOMING].request(SCAN.START);
    this.#deferredRun();
    this.#scheduleWakeup();
    this.kick();
  }

  /** Stops scheduling; `graceful` waits for the deliveries in progress. */
  async stop(mode: 'graceful' | 'immediate'): Promise<void> {
    this.#stopped = true;
    const clock = this.ctx.clock;
    if (this.#deferredTimer !== null) clock.clearTimer(this.#deferredTimer);
    if (this.#wakeupTimer !== null) clock.clearTimer(this.#wakeupTimer);
    for (const t of this.#transports.values()) t.dispose();
    for (const scan of this.#scans) await scan.close();
    if (mode === 'graceful') await this.idle();
  }

  /** Resolves when nothing is left to do now: no scan, feed, delivery or disposal in progress. */
  async idle(): Promise<void> {
    while (this.#work.size > 0) await Promise.all([...this.#work]);
  }

  /** cleanup's trigger: `id` is complete in incoming. */
  notify(id: QueueId): void {
    if (this.#stopped) return;
    this.#scans[INCOMING].announce(id);
    this.kick();
  }

  /**
   * qmgr_trigger_event(): the one-byte requests of public/qmgr. `I` scan
   * incoming, `D` scan deferred, `A` ignore time stamps, `F` forget dead
   * destinations and transports (and defer_transports), `W` wake up.
   */
  trigger(requests: string): void {
    let incoming = 0;
    let deferred = 0;
    for (const r of requests) {
      if (r === 'W' || r === 'I') incoming |= SCAN.START;
      else if (r === 'D') deferred |= SCAN.START;
      else if (r === 'F') {
        deferred |= SCAN.FLUSH_ONCE | SCAN.FLUSH_DFXP;
        incoming |= SCAN.FLUSH_ONCE | SCAN.FLUSH_DFXP;
      } else if (r === 'A') {
        deferred |= SCAN.ALL;
        incoming |= SCAN.ALL;
      }
    }
    if ((incoming | deferred) & SCAN.FLUSH_ONCE) this.#enableAll();
    if (incoming !== 0) this.#scans[INCOMING].request(incoming);
    if (deferred !== 0) this.#scans[DEFERRED].request(deferred);
    this.kick();
  }

  /** postqueue -f, sendmail -q, postfix flush. */
  flush(): void {
    this.trigger('FADI');
  }

  /** postqueue -i ID: due now; resolves false when the message is not deferred or incoming. */
  async flushQueueId(id: QueueId): Promise<boolean> {
    const found = await flushOne(this.ctx, id);
    if (found) {
      this.#flushEach.add(id);
      this.trigger('FI');
    }
    return found;
  }

  /**
   * postqueue -s SITE: every deferred message with a recipient in SITE is due
   * now. Throws when SITE is not in fast_flush_domains.
   */
  async flushSite(site: string): Promise<number> {
    let count = 0;
    for (const id of await deferredForSite(this.ctx, site)) if (await this.flushQueueId(id)) count++;
    return count;
  }

  transport(name: string): QmgrTransport {
    let t = this.#transports.get(name);
    if (t === undefined) {
      const limit = this.ctx.agent(name)?.processLimit ?? this.ctx.params.default_process_limit;
      t = new QmgrTransport(this.ctx.config, this.ctx.log, name, this.ctx.clock, limit);
      this.#transports.set(name, t);
    }
    return t;
  }

  queueCount(): number {
    let n = 0;
    for (const t of this.#transports.values()) n += t.queues.size;
    return n;
  }

  entryDone(entry: QmgrEntry, which: 'todo' | 'busy'): void {
    const queue = entry.queue;
    const transport = this.transport(queue.transport.name);
    if (which === 'todo') {
      const at = queue.todo.indexOf(entry);
      if (at >= 0) queue.todo.splice(at, 1);
    }
    const message = entry.message;
    message.rcptCount -= entry.recipients.length;
    this.recipientCount -= entry.recipients.length;
    if (which === 'busy') {
      // A rate-limited destination is an artificially slow channel: pause before the next delivery.
      if (transport.rateDelay > 0) {
        if (queue.throttled) queue.unthrottle();
        if (queue.ready) queue.suspend(transport.rateDelay * 1000, () => this.queueRevived(queue));
      }
      queue.lastDone = this.ctx.clock.now();
    }
    if (queue.empty) {
      if (queue.throttled && this.queueCount() > 2 * this.limits.qmgr_message_recipient_limit) queue.unthrottle();
      if (queue.ready) transport.removeQueue(queue);
    }
    message.refcount--;
    if (message.refcount === 0) activeDone(this, message);
    this.kick();
  }

  queueRevived(queue: QmgrQueue): void {
    const transport = this.#transports.get(queue.transport.name);
    if (transport !== undefined && queue.ready && queue.empty) transport.removeQueue(queue);
    this.kick();
  }

  kick(): void {
    if (this.#stopped) return;
    if (this.#loopActive) {
      this.#loopAgain = true;
      return;
    }
    this.#loopActive = true;
    this.track(this.#loop().finally(() => (this.#loopActive = false)));
  }

  track(work: Promise<unknown>): void {
    const tracked = work
      .catch((err: Error) => this.ctx.log.error(QMGR_LOG.internalError(err.stack ?? String(err))))
      .finally(() => this.#work.delete(tracked));
    this.#work.add(tracked);
  }

  /** qmgr_loop(): deliver what can be delivered, and let new messages in while there is room. */
  async #loop(): Promise<void> {
    do {
      this.#loopAgain = false;
      this.#drain();
      // Postfix reads a queue file with cheap synchronous I/O; here each feed waits for the
      // file system, so a few run at once to keep the agents busy.
      await Promise.all(Array.from({ length: FEEDERS }, () => this.#feeder()));
    } while (this.#loopAgain && !this.#stopped);
  }

  async #feeder(): Promise<void> {
    while (!this.#stopped && this.#room()) {
      const progress = await this.#feedOne();
      this.#drain();
      if (!progress) break;
    }
  }

  #room(): boolean {
    return (
      this.messages.size < this.limits.qmgr_message_active_limit &&
      this.recipientCount < this.limits.qmgr_message_recipient_limit
    );
  }

  /** One message from incoming or deferred, taking turns; false when both scans had nothing. */
  async #feedOne(): Promise<boolean> {
    let progress = false;
    for (let i = 0; i < this.#scans.length; i++) {
      const idx = (this.#firstScan + i) % this.#scans.length;
      const scan = this.#scans[idx]!;
      const item = await scan.next();
      if (item === null || this.#stopped) continue;
      progress = true;
      const fed = await activeFeed(
        this,
        scan.queue,
        {
          id: item.id,
          mtime: item.mtime,
          forceExpire: item.forceExpire,
          flushEach: this.#flushEach.delete(item.id),
          fresh: item.announced === true,
        },
        { all: (scan.flags & SCAN.ALL) !== 0, flushDeferTransports: (scan.flags & SCAN.FLUSH_DFXP) !== 0 },
      );
      if (fed) {
        this.#firstScan = this.#room() ? (idx + 1) % this.#scans.length : INCOMING;
        return true;
      }
    }
    return progress;
  }

  /** qmgr_active_drain(): starts every delivery that transports, processes and windows allow. */
  #drain(): void {
    for (let progressed = true; progressed && !this.#stopped; ) {
      progressed = false;
      for (const transport of this.#transports.values()) {
        if (transport.dead || transport.rateLock || transport.busy >= transport.processLimit) continue;
        const queue = transport.selectQueue();
        if (queue === null) continue;
        const binding = this.ctx.agent(transport.name);
        progressed = true;
        if (binding === undefined) {
          // qmgr_deliver() when no delivery process can be had: the transport is dead for a while.
          const dsn = { dsn: '4.3.0', reason: 'mail transport unavailable' };
          transport.throttle(dsn, this.limits.transport_retry_time, () => this.kick());
          deferTransport(this, transport, dsn);
          continue;
        }
        transport.processLimit = binding.processLimit;
        deliverEntry(this, transport, queue, binding);
      }
    }
  }

  /** qmgr_deferred_run_event(): a deferred scan now, and the next one queue_run_delay later. */
  #deferredRun(): void {
    if (this.#stopped) return;
    this.#scans[DEFERRED].request(SCAN.START);
    this.kick();
    this.#deferredTimer = this.ctx.clock.setTimer(this.ctx.params.queue_run_delay * 1000, () => this.#deferredRun());
  }

  /** master's wake-up trigger for qmgr: an incoming scan every wakeup period. */
  #scheduleWakeup(): void {
    if (this.#wakeup <= 0) return;
    this.#wakeupTimer = this.ctx.clock.setTimer(this.#wakeup * 1000, () => {
      this.trigger('W');
      this.#scheduleWakeup();
    });
  }

  /** qmgr_enable_all(): dead transports and destinations are forgotten. */
  #enableAll(): void {
    for (const transport of this.#transports.values()) {
      if (transport.dead) transport.unthrottle();
      for (const queue of [...transport.queueList]) {
        if (queue.throttled) queue.unthrottle();
        if (queue.ready && queue.empty) transport.removeQueue(queue);
      }
    }
  }
}
