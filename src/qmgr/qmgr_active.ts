/**
 * qmgr_active: the active queue. qmgr_active_feed() moves one message from
 * incoming or deferred into active, reads it (a damaged file goes to
 * corrupt), logs `ID: from=<s>, size=N, nrcpt=N (queue active)` and
 * assigns its recipients. qmgr_active_done() runs when no delivery request
 * of the message is left: it sends the non-delivery notice for bounced
 * recipients, expires the message when it is too old (`status=expired,
 * returned to sender`), sends a delay warning when one is due, and then
 * either removes the message (`ID: removed`) or defers it: the file goes to
 * deferred with the time of the next attempt, now + its age clamped to
 * minimal_backoff_time..maximal_backoff_time.
 *
 * Parameters: maximal_queue_lifetime, bounce_queue_lifetime (null sender),
 *   minimal_backoff_time, maximal_backoff_time, info_log_address_format
 * Diagnostics: warnings `active/ID: REASON` and `saving corrupt file "ID"
 *   from queue "active" to queue "corrupt"`; the daemon carries on
 * Security: reads queue files through QueueStore only; a damaged file is
 *   quarantined, never delivered from, never deleted
 * See: postfix/src/qmgr/qmgr_active.c, qmgr_message.c (qmgr_message_alloc)
 */

import { quote822Local } from '../global/quote_822_local.ts';
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import { QueueFileCorrupt } from '../queue/queue_file_format.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueMessage } from '../queue/queue_store.ts';
import { assignMessage } from './qmgr_assign.ts';
import { bounceFlush, deferFlush, deferWarn, traceFlush } from './qmgr_bounce.ts';
import type { QmgrCore } from './qmgr_context.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import { QmgrMessage } from './qmgr_message.ts';

/** A message a scan found, with what its file's mode says. */
export interface FeedItem {
  readonly id: QueueId;
  /** The time of the next attempt (deferred mail), ms. */
  readonly mtime: number;
  readonly forceExpire: boolean;
  /** postqueue -i / -s asked for this message: unthrottle its destinations. */
  readonly flushEach: boolean;
  /** Announced by cleanup just now: no bounce or trace log can exist for it. */
  readonly fresh: boolean;
}

/** The scan's modifiers (qmgr_scan.ts). */
export interface FeedFlags {
  /** QMGR_SCAN_ALL: ignore the time stamps of deferred mail. */
  readonly all: boolean;
  /** QMGR_FLUSH_DFXP: defer_transports does not apply. */
  readonly flushDeferTransports: boolean;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The sender as logged (info_log_address_format). */
export function logSender(core: QmgrCore, sender: string): string {
  return core.ctx.params.info_log_address_format === 'internal' || sender === '' ? sender : quote822Local(sender);
}

/** qmgr_active_feed(): true when the message entered the active queue. */
export async function activeFeed(
  core: QmgrCore,
  from: 'incoming' | 'deferred',
  item: FeedItem,
  flags: FeedFlags,
): Promise<boolean> {
  const ctx = core.ctx;
  if (core.messages.has(item.id)) return false;
  // Deferred files with a time stamp in the future must cool down.
  if (from === 'deferred' && !flags.all && item.mtime > ctx.clock.now() + 1000) return false;
  try {
    await ctx.store.move(item.id, from, 'active');
  } catch (err) {
    // Gone meanwhile: a notified incoming message already taken by a scan, or removed by postsuper.
    if (errno(err) !== 'ENOENT' || from === 'deferred') {
      ctx.log.warn(QMGR_LOG.renameFailed(item.id, from, 'active', (err as Error).message));
    }
    return false;
  }
  let queued: QueueMessage;
  try {
    queued = await ctx.store.read('active', item.id);
  } catch (err) {
    if (err instanceof QueueFileCorrupt) {
      ctx.log.warn(QMGR_LOG.corruptReason('active', item.id, err.message));
      await activeCorrupt(core, item.id);
    } else if (errno(err) !== 'ENOENT') {
      ctx.log.warn(QMGR_LOG.corruptReason('active', item.id, (err as Error).message));
    }
    return false;
  }
  const message = new QmgrMessage(
    queued,
    { flushEach: item.flushEach, flushDeferTransports: flags.flushDeferTransports, forceExpire: item.forceExpire },
    ctx.clock.now() * 1000,
    item.fresh,
  );
  if (!item.fresh && ctx.store.removeDone !== undefined) {
    // Mail from deferred or hold without bounce or trace logs (the common case): once its
    // recipients are delivered, its file can simply be removed (qmgr_deliver.ts).
    // A log that cannot be read counts as there.
    const hasLog = async (kind: 'bounce' | 'trace') =>
      (await ctx.store.readLog(kind, item.id).catch(() => [null])).length > 0;
    message.mayHaveBounceLog = await hasLog('bounce');
    message.mayHaveTraceLog = await hasLog('trace');
  }
  core.messages.set(item.id, message);
  ctx.log.info(QMGR_LOG.opened(item.id, logSender(core, message.sender), queued.size, queued.recipients.length));
  if (message.flags.forceExpire && (await ctx.store.readLog('defer', item.id)).length > 0) {
    // Use this defer log; assign no deliveries.
    message.deferred = true;
    activeDone(core, message);
    return true;
  }
  // New mail from cleanup has no defer log: skip the unlink that would only find none.
  if (!item.fresh) await ctx.store.removeLog('defer', item.id);
  try {
    await assignMessage(core, message);
  } catch (err) {
    // A bug or a system error while routing: keep the message for a later attempt.
    ctx.log.error(QMGR_LOG.internalError((err as Error).stack ?? String(err)));
    message.deferred = true;
  }
  if (message.refcount === 0) activeDone(core, message);
  core.kick();
  return true;
}

/** qmgr_active_corrupt(): moves a damaged file out of the way. */
export async function activeCorrupt(core: QmgrCore, id: QueueId): Promise<void> {
  try {
    await core.ctx.store.move(id, 'active', 'corrupt');
    core.ctx.log.warn(QMGR_LOG.savingCorrupt(id));
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/** qmgr_active_done(): every delivery request of `message` is done; decide its fate. */
export function activeDone(core: QmgrCore, message: QmgrMessage): void {
  core.track(
    finish(core, message).catch((err) => {
      // The file stays where it is (active); start-up recovery schedules it again.
      core.messages.delete(message.id);
      throw err;
    }),
  );
}

async function finish(core: QmgrCore, message: QmgrMessage): Promise<void> {
  const ctx = core.ctx;
  const store = ctx.store;
  const id = message.id;
  await message.settle();
  if (message.corrupt) {
    // qmgr_active_done_2_generic(): a delivery agent found the file damaged.
    await activeCorrupt(core, id);
    core.messages.delete(id);
    core.kick();
    return;
  }
  if (
    message.mayHaveBounceLog &&
    (await store.readLog('bounce', id)).length > 0 &&
    !(await bounceFlush(core, message))
  ) {
    message.deferred = true;
  }
  const success = message.queued.recipients.some((r) => (r.recipient.notify & DSN_NOTIFY.SUCCESS) !== 0);
  if (success && message.mayHaveTraceLog && (await store.readLog('trace', id)).length > 0) {
    if (!(await traceFlush(core, message))) message.deferred = true;
  }
  const now = ctx.clock.now();
  if (message.deferred) {
    const lifetime = message.sender === '' ? core.limits.bounce_queue_lifetime : core.limits.maximal_queue_lifetime;
    const expired = message.flags.forceExpire
      ? 'force-expired'
      : now >= message.createTime + lifetime
        ? 'expired'
        : null;
    const warnAt = message.queued.envelope.warnAt;
    if (expired !== null) {
      ctx.log.info(QMGR_LOG.expired(id, logSender(core, message.sender), expired));
      message.deferred = !(await deferFlush(core, message));
    } else if (warnAt !== null && now >= warnAt / 1000 - 1000) {
      if (await deferWarn(core, message)) {
        await store.updateWarn(message.queued, null).catch((err: Error) => {
          ctx.log.warn(QMGR_LOG.queueFileUpdateError(id, err.message));
        });
      }
    }
  }
  if (message.deferred) {
    const l = core.limits;
    const age = now - message.createTime;
    const delay =
      message.createTime > 0
        ? Math.min(Math.max(age, l.minimal_backoff_time), l.maximal_backoff_time)
        : l.minimal_backoff_time;
    try {
      await store.move(id, 'active', 'deferred', now + delay);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
      ctx.log.warn(QMGR_LOG.deferFailed(id, 'active', 'deferred', (err as Error).message));
    }
  } else {
    if (!message.removed) await store.remove('active', id);
    ctx.log.info(QMGR_LOG.removed(id));
  }
  core.messages.delete(id);
  core.kick();
}
