/**
 * bounce_request: the contract between qmgr and the bounce service, which
 * turns the per-message defer, bounce and trace logs into notifications
 * for the sender: a non-delivery notice (bounce_flush), the notice for an
 * expired message (defer_flush), a delay warning (defer_warn) and a
 * delivery status notice for NOTIFY=SUCCESS (trace_flush). The bounce
 * service builds each notification and submits it through cleanup; it logs
 * `ID: sender non-delivery notification: NEWID` itself. qmgr calls it from
 * one place (src/qmgr/qmgr_bounce.ts) and never builds a notification.
 *
 * Each call resolves when the notification is safely queued (or when there
 * was nothing to send) and rejects when it could not be made; qmgr then
 * keeps the message and tries again later (`status=deferred (bounce failed)`).
 *
 * See: postfix/src/global/bounce.c, defer.c, trace.c, abounce.c
 */
import type { QueueMessage } from './queue_store.ts';

export interface BounceService {
  /** bounce_flush: tells the sender about every recipient in the bounce log, then removes the log. */
  flush(message: QueueMessage): Promise<void>;
  /**
   * defer_flush at expiry: returns every recipient in the defer log to the
   * sender with its last reason, then removes the log. qmgr removes the
   * message afterwards.
   */
  flushDeferred(message: QueueMessage): Promise<void>;
  /** defer_warn: a delay warning for the recipients in the defer log (delay_warning_time). */
  warn(message: QueueMessage): Promise<void>;
  /** trace_flush: a success notice for the recipients in the trace log (NOTIFY=SUCCESS), then removes the log. */
  trace(message: QueueMessage): Promise<void>;
}

/**
 * The envelope attribute (`A` record, Postfix's `trace_flags`) that makes
 * trace() send a verify report (Subject `Mail Delivery Status Report`,
 * the verify template) instead of a success notice: its value is a decimal
 * mask with TRACE_FLAG bits, set for `sendmail -bv` (USR_VRFY) and
 * `sendmail -v` (RECORD). The trace log then holds every recipient with
 * action deliverable/undeliverable (-bv) or what happened (-v).
 */
export const TRACE_FLAGS_ATTR = 'trace_flags';

/** DEL_REQ_FLAG_USR_VRFY and DEL_REQ_FLAG_RECORD (postfix/src/global/deliver_request.h). */
export const TRACE_FLAG = { USR_VRFY: 1 << 9, RECORD: 1 << 10 } as const;
