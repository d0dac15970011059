/**
 * qmgr_bounce: the one place qmgr asks the bounce service for a
 * notification: a non-delivery notice when the bounce log has entries, the
 * notice for an expired message, a delay warning, a success notice for
 * NOTIFY=SUCCESS. Each returns true when the notification was queued (or
 * there was nothing to say), false when the message must stay queued.
 *
 * Parameters: soft_bounce (no non-delivery notice is sent while it is set)
 * Diagnostics: `ID: status=deferred (bounce failed)`
 * See: postfix/src/global/bounce.c (bounce_flush), defer.c (defer_flush, defer_warn),
 *   trace.c (trace_flush), postfix/src/qmgr/qmgr_active.c
 */
import type { QmgrCore } from './qmgr_context.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrMessage } from './qmgr_message.ts';

/** bounce_flush(): the recipients in the bounce log go back to the sender. */
export async function bounceFlush(core: QmgrCore, message: QmgrMessage): Promise<boolean> {
  if (core.ctx.params.soft_bounce) return false;
  try {
    await core.ctx.bounce.flush(message.queued);
    return true;
  } catch (err) {
    core.ctx.log.info(QMGR_LOG.bounceFailed(message.id));
    core.ctx.log.warn(QMGR_LOG.bounceService(message.id, (err as Error).message));
    return false;
  }
}

/** defer_flush(): at expiry, every deferred recipient goes back to the sender. */
export async function deferFlush(core: QmgrCore, message: QmgrMessage): Promise<boolean> {
  try {
    await core.ctx.bounce.flushDeferred(message.queued);
    return true;
  } catch (err) {
    core.ctx.log.warn(QMGR_LOG.bounceService(message.id, (err as Error).message));
    return false;
  }
}

/** defer_warn(): the delay warning. */
export async function deferWarn(core: QmgrCore, message: QmgrMessage): Promise<boolean> {
  try {
    await core.ctx.bounce.warn(message.queued);
    return true;
  } catch (err) {
    core.ctx.log.warn(QMGR_LOG.bounceService(message.id, (err as Error).message));
    return false;
  }
}

/** trace_flush(): the success notice for NOTIFY=SUCCESS recipients. */
export async function traceFlush(core: QmgrCore, message: QmgrMessage): Promise<boolean> {
  try {
    await core.ctx.bounce.trace(message.queued);
    return true;
  } catch (err) {
    core.ctx.log.warn(QMGR_LOG.bounceService(message.id, (err as Error).message));
    return false;
  }
}
