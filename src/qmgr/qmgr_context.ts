/**
 * qmgr_context: what the queue manager works with (its configuration, Log,
 * the queue, the clock, the resolver, the bounce service and the delivery
 * agents the daemon frame bound to master.cf services), and QmgrCore, the
 * scheduler state and verbs the qmgr_* modules share, so that none of them
 * imports another's implementation.
 *
 * See: postfix/src/qmgr/qmgr.h
 */
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { BounceService } from '../queue/bounce_request.ts';
import type { DeliveryAgent } from '../queue/deliver_request.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import type { QmgrClock } from './qmgr_clock.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrMessage } from './qmgr_message.ts';
import type { QmgrEntry, QmgrQueue } from './qmgr_queue.ts';
import type { QmgrResolver } from './qmgr_resolve.ts';
import type { QmgrTransport } from './qmgr_transport.ts';

/** A delivery agent as the frame bound it to a master.cf service. */
export interface AgentBinding {
  readonly agent: DeliveryAgent;
  /** The service's process limit (master.cf maxproc, or default_process_limit). */
  readonly processLimit: number;
}

export interface QmgrContext {
  /** main.cf with qmgr's -o overrides: per-transport parameters are read from it. */
  readonly config: Config;
  readonly params: Params;
  /** Tagged `$syslog_name/qmgr`. */
  readonly log: Log;
  readonly store: QueueStore;
  readonly clock: QmgrClock;
  readonly resolver: QmgrResolver;
  readonly bounce: BounceService;
  /** The agent serving the master.cf service (transport) `name`, or undefined when none runs. */
  agent(name: string): AgentBinding | undefined;
}

/** Timing and limits after the start-up sanity adjustments, in ms where they are times. */
export interface QmgrLimits {
  readonly maximal_queue_lifetime: number;
  readonly bounce_queue_lifetime: number;
  readonly minimal_backoff_time: number;
  readonly maximal_backoff_time: number;
  readonly transport_retry_time: number;
  readonly qmgr_message_active_limit: number;
  readonly qmgr_message_recipient_limit: number;
}

export interface QmgrCore {
  readonly ctx: QmgrContext;
  readonly limits: QmgrLimits;
  /** The active queue. */
  readonly messages: Map<QueueId, QmgrMessage>;
  /** In-core recipients of all active messages. */
  recipientCount: number;
  /** qmgr_transport_find() or qmgr_transport_create(). */
  transport(name: string): QmgrTransport;
  /** Number of per-destination queues (dead ones are dropped when there are very many). */
  queueCount(): number;
  /** qmgr_entry_done(): an entry left its queue, delivered or not. */
  entryDone(entry: QmgrEntry, which: 'todo' | 'busy'): void;
  /** A destination came back from the dead or a suspension ended. */
  queueRevived(queue: QmgrQueue): void;
  /** Work may be possible: run the scheduler soon. */
  kick(): void;
  /** Keeps count of background work, for idle(). */
  track(work: Promise<unknown>): void;
}

/**
 * qmgr_post_init()'s sanity checks: bounce_queue_lifetime is at most
 * maximal_queue_lifetime, qmgr_message_recipient_limit at least
 * qmgr_message_active_limit, each with Postfix's warning.
 */
export function qmgrLimits(ctx: QmgrContext): QmgrLimits {
  const p = ctx.params;
  let bounceLifetime = p.bounce_queue_lifetime;
  if (bounceLifetime > p.maximal_queue_lifetime) {
    ctx.log.warn(QMGR_LOG.bounceLifetime());
    bounceLifetime = p.maximal_queue_lifetime;
  }
  let rcptLimit = p.qmgr_message_recipient_limit;
  if (rcptLimit < p.qmgr_message_active_limit) {
    ctx.log.warn(QMGR_LOG.recipientLimit());
    rcptLimit = p.qmgr_message_active_limit;
  }
  return {
    maximal_queue_lifetime: p.maximal_queue_lifetime * 1000,
    bounce_queue_lifetime: bounceLifetime * 1000,
    minimal_backoff_time: p.minimal_backoff_time * 1000,
    maximal_backoff_time: p.maximal_backoff_time * 1000,
    transport_retry_time: p.transport_retry_time * 1000,
    qmgr_message_active_limit: p.qmgr_message_active_limit,
    qmgr_message_recipient_limit: rcptLimit,
  };
}
