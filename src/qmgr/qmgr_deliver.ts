/**
 * qmgr_deliver: one delivery request, from qmgr to the agent of its
 * transport and back. The agent reports each recipient; qmgr then writes
 * the bounce, defer and trace logs and marks delivered and bounced
 * recipients done, durably, before it lets anything else happen to the
 * message; when they were its last recipients and no notice is due, the
 * file is removed (durably) instead (QueueStore.removeDone). A site-level failure (the agent could not talk to the
 * destination) is negative feedback for the destination's window, and may
 * declare it dead: its waiting mail is then deferred with `delivery
 * temporarily suspended: REASON`. Any other outcome is positive feedback.
 * An agent that fails outright (throws) counts as a site failure with
 * `4.3.0 unknown mail transport error`.
 *
 * Parameters: minimal_backoff_time (how long a dead destination stays dead),
 *   <transport>_transport_rate_delay
 * Diagnostics: warning `transport NAME failure -- REASON` when an agent throws
 * See: postfix/src/qmgr/qmgr_deliver.c, postfix/src/global/deliver_completed.c
 */
import type { DeliveryOutcome, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import { QueueFileCorrupt } from '../queue/queue_file_format.ts';
import type { DeliveryLogEntry, LogKind } from '../queue/queue_store.ts';
import type { AgentBinding, QmgrCore } from './qmgr_context.ts';
import { deferTodo } from './qmgr_defer.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrDsn, QmgrEntry, QmgrQueue } from './qmgr_queue.ts';
import type { QmgrTransport } from './qmgr_transport.ts';

const SUSPENDED = 'delivery temporarily suspended: ';
const DSN_OK = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** qmgr_deliver(): takes the first waiting entry of `queue` and hands it to the agent. */
export function deliverEntry(core: QmgrCore, transport: QmgrTransport, queue: QmgrQueue, binding: AgentBinding): void {
  const entry = queue.todo.shift();
  if (entry === undefined) return;
  queue.busy++;
  transport.busy++;
  const delay = transport.xportRateDelay * 1000;
  if (delay > 0) transport.rateLock = true;
  const run = async () => {
    if (delay > 0) await new Promise<void>((ok) => core.ctx.clock.setTimer(delay, ok));
    await deliver(core, transport, queue, entry, binding);
  };
  core.track(run());
}

async function deliver(
  core: QmgrCore,
  transport: QmgrTransport,
  queue: QmgrQueue,
  entry: QmgrEntry,
  binding: AgentBinding,
): Promise<void> {
  const ctx = core.ctx;
  const message = entry.message;
  const request: DeliveryRequest = {
    queueId: message.id,
    message: message.queued,
    content: () => ctx.store.content(message.queued),
    transport: transport.name,
    nexthop: queue.nexthop,
    recipients: entry.recipients,
    activeAt: message.activeAt,
    requestedAt: ctx.clock.now() * 1000,
    verifyOnly: false,
  };
  let outcome: DeliveryOutcome | null = null;
  try {
    outcome = await binding.agent.deliver(request);
  } catch (err) {
    if (err instanceof QueueFileCorrupt) message.corrupt = true;
    ctx.log.warn(QMGR_LOG.agentFailure(transport.name, (err as Error).message));
  }
  if (outcome?.corrupt) message.corrupt = true;
  let siteDsn: QmgrDsn | null = null;
  if (outcome === null) {
    message.deferred = true;
    siteDsn = { dsn: '4.3.0', reason: 'unknown mail transport error' };
  } else if (outcome.siteFailure) {
    message.deferred = true;
    const first = outcome.statuses.find((s) => s.status === 'deferred') ?? outcome.statuses[0];
    siteDsn = {
      dsn: first !== undefined && DSN_OK.test(first.dsn) ? first.dsn : '4.0.0',
      reason: first?.reason || 'unknown error',
    };
  }
  // Feedback as the outcome arrives, so the window follows the order of results,
  // not the order in which their queue writes finish; the delivery still counts as busy.
  if (siteDsn !== null && queue.ready) {
    const dsn = { dsn: siteDsn.dsn, reason: SUSPENDED + siteDsn.reason };
    queue.throttle(dsn, core.limits.minimal_backoff_time, () => core.queueRevived(queue));
    if (queue.throttled) deferTodo(core, queue, dsn);
  }
  transport.unthrottle();
  if (outcome !== null && siteDsn === null) queue.unthrottle();
  if (outcome !== null) await record(core, entry, outcome.statuses);
  transport.busy--;
  queue.busy--;
  core.entryDone(entry, 'busy');
}

/**
 * What the agent reported, made durable: bounce and defer log entries, a
 * trace entry for NOTIFY=SUCCESS, then one done mark for all sent and
 * bounced recipients. Recipients the agent did not report are tried again.
 */
async function record(core: QmgrCore, entry: QmgrEntry, statuses: readonly DeliveryStatus[]): Promise<void> {
  const ctx = core.ctx;
  const message = entry.message;
  const now = ctx.clock.now() * 1000;
  const done: number[] = [];
  const reported = new Set<number>();
  const log = async (kind: LogKind, s: DeliveryStatus, action: string): Promise<boolean> => {
    const r = s.recipient;
    if (kind === 'bounce') message.mayHaveBounceLog = true;
    if (kind === 'trace') message.mayHaveTraceLog = true;
    const e: DeliveryLogEntry = {
      recipient: r.address,
      original: r.original,
      orcpt: r.orcpt,
      notify: r.notify,
      offset: r.index,
      status: s.dsn,
      action,
      reason: s.reason,
      diagnostic: s.diagnostic,
      remoteMta: s.remoteMta,
      time: now,
    };
    try {
      await ctx.store.appendLog(kind, message.id, e);
      return true;
    } catch (err) {
      ctx.log.warn(QMGR_LOG.logUpdateError(message.id, kind, (err as Error).message));
      return false;
    }
  };
  for (const s of statuses) {
    reported.add(s.recipient.index);
    if (s.status === 'sent') {
      done.push(s.recipient.index);
      if ((s.recipient.notify & DSN_NOTIFY.SUCCESS) !== 0) await log('trace', s, s.action ?? 'delivered');
    } else if (s.status === 'bounced') {
      if (await log('bounce', s, 'failed')) done.push(s.recipient.index);
      else message.deferred = true;
    } else {
      await log('defer', s, 'delayed');
      message.deferred = true;
    }
  }
  if (entry.recipients.some((r) => !reported.has(r.index))) message.deferred = true;
  const store = ctx.store;
  if (store.removeDone !== undefined && finishedNow(entry, done)) {
    // The last recipients of a message with nothing left to report: remove the
    // file (durably) instead of marking them done and removing it afterwards.
    // If that fails, the done marks below are the fallback.
    try {
      await store.removeDone(message.queued);
      message.removed = true;
      return;
    } catch (err) {
      ctx.log.warn(QMGR_LOG.queueFileUpdateError(message.id, (err as Error).message));
    }
  }
  try {
    await store.markDone(message.queued, done);
  } catch (err) {
    ctx.log.warn(QMGR_LOG.queueFileUpdateError(message.id, (err as Error).message));
    message.deferred = true;
  }
}

/**
 * True when `done` finishes the whole message and nothing will read its
 * file again: this is its only delivery request still out, every other
 * recipient was done before, nothing was deferred, and no bounce or trace
 * log exists or may exist (those notices are built from the file).
 */
function finishedNow(entry: QmgrEntry, done: readonly number[]): boolean {
  const m = entry.message;
  if (m.refcount !== 1 || m.deferred || m.corrupt || m.mayHaveBounceLog || m.mayHaveTraceLog) return false;
  if (m.flags.forceExpire || done.length !== entry.recipients.length) return false;
  const now = new Set(done);
  return m.queued.recipients.every((r, i) => r.done || now.has(i));
}
