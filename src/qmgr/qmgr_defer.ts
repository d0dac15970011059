/**
 * qmgr_defer: deferring recipients without delivering them: everything
 * waiting for a destination that just died, or for a transport whose agent
 * cannot be used. The entries are handed to the `retry` service (error(8))
 * with the reason as its nexthop, so the deferral is logged by a delivery
 * agent like any other; when retry itself is dead, qmgr defers each
 * recipient itself: it logs the status line and writes the defer log.
 *
 * Diagnostics: `ID: to=<r>, relay=none, ..., status=deferred (REASON)` for
 *   recipients deferred by qmgr itself
 * See: postfix/src/qmgr/qmgr_defer.c, qmgr_error.c, qmgr_entry.c (qmgr_entry_move_todo)
 */
import type { DeliveryRecipient } from '../queue/deliver_request.ts';
import type { QmgrCore } from './qmgr_context.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrMessage } from './qmgr_message.ts';
import { type QmgrDsn, QmgrEntry, type QmgrQueue } from './qmgr_queue.ts';
import type { QmgrTransport } from './qmgr_transport.ts';

/** The services of error(8): `error` bounces, `retry` defers. */
export const MAIL_SERVICE_ERROR = 'error';
export const MAIL_SERVICE_RETRY = 'retry';

/** qmgr_error_nexthop(): `4.4.1 reason`, what error(8) splits into status and text. */
export function errorNexthop(dsn: QmgrDsn): string {
  return `${dsn.dsn} ${dsn.reason}`;
}

/** qmgr_error_queue(): the live queue of `service` for this problem, or null when it is dead. */
export function errorQueue(core: QmgrCore, service: string, dsn: QmgrDsn): QmgrQueue | null {
  const transport = core.transport(service);
  if (transport.dead) return null;
  const nexthop = errorNexthop(dsn);
  const queue = transport.queue(nexthop, nexthop);
  return queue.throttled ? null : queue;
}

/** qmgr_defer_recipient(): logs the deferral and writes it to the defer log. */
export function deferRecipient(core: QmgrCore, message: QmgrMessage, rcpt: DeliveryRecipient, dsn: QmgrDsn): void {
  const now = core.ctx.clock.now() * 1000;
  const arrival = message.queued.envelope.arrival;
  core.ctx.log.info(
    QMGR_LOG.adhoc({
      queueId: message.id,
      recipient: rcpt.address,
      original: rcpt.original,
      relay: 'none',
      delays: [message.activeAt - arrival, now - message.activeAt, 0, 0],
      dsn: dsn.dsn,
      status: 'deferred',
      text: dsn.reason,
    }),
  );
  message.deferred = true;
  message.write(
    core.ctx.store.appendLog('defer', message.id, {
      recipient: rcpt.address,
      original: rcpt.original,
      orcpt: rcpt.orcpt,
      notify: rcpt.notify,
      offset: rcpt.index,
      status: dsn.dsn,
      action: 'delayed',
      reason: dsn.reason,
      diagnostic: '',
      remoteMta: '',
      time: now,
    }),
  );
}

/** qmgr_entry_move_todo(): the entry's recipients go to `dst` instead. */
function moveTodo(core: QmgrCore, entry: QmgrEntry, dst: QmgrQueue): void {
  const moved = new QmgrEntry(entry.message, dst);
  moved.recipients.push(...entry.recipients);
  dst.todo.push(moved);
  entry.message.refcount++;
  entry.message.rcptCount += moved.recipients.length;
  core.recipientCount += moved.recipients.length;
  core.entryDone(entry, 'todo');
}

/** qmgr_defer_todo(): every waiting entry of `queue` is deferred with `dsn`. */
export function deferTodo(core: QmgrCore, queue: QmgrQueue, dsn: QmgrDsn): void {
  const retry = errorQueue(core, MAIL_SERVICE_RETRY, dsn);
  for (const entry of [...queue.todo]) {
    if (retry !== null && retry !== queue) {
      moveTodo(core, entry, retry);
      continue;
    }
    for (const rcpt of entry.recipients) deferRecipient(core, entry.message, rcpt, dsn);
    core.entryDone(entry, 'todo');
  }
  core.kick();
}

/** qmgr_defer_transport(): every waiting entry of every queue of `transport`. */
export function deferTransport(core: QmgrCore, transport: QmgrTransport, dsn: QmgrDsn): void {
  for (const queue of [...transport.queueList]) deferTodo(core, queue, dsn);
}
