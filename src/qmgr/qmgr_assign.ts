/**
 * qmgr_assign: where each recipient of a newly active message goes.
 * REDIRECT overrides all (one delivery, to the redirect address); FILTER
 * (content_filter) overrides the resolver; otherwise trivial-rewrite
 * resolves the address. Forced expiry, defer_transports, the local
 * double-bounce address, and dead transports or destinations (whose
 * recipients go to the `retry` service) are handled here, as in Postfix.
 * Recipients are then bundled into delivery requests of at most
 * `<transport>_destination_recipient_limit` recipients per destination.
 *
 * Parameters: defer_transports, default_filter_nexthop, double_bounce_sender,
 *   recipient_delimiter, myhostname, qmgr_clog_warn_time, qmgr_message_active_limit
 * Diagnostics: `ID: to=<double-bounce@...>, relay=none, ..., status=sent
 *   (undeliverable postmaster notification discarded)`; the clog warnings
 * See: postfix/src/qmgr/qmgr_message.c (qmgr_message_resolve, qmgr_message_assign),
 *   qmgr_entry.c (qmgr_entry_create)
 */

import { splitAddrAt } from '../maps/mail_addr_find.ts';
import type { DeliveryRecipient } from '../queue/deliver_request.ts';
import type { QmgrCore } from './qmgr_context.ts';
import { deferRecipient, errorNexthop, errorQueue, MAIL_SERVICE_ERROR, MAIL_SERVICE_RETRY } from './qmgr_defer.ts';
import { QMGR_LOG } from './qmgr_log.ts';
import type { QmgrMessage } from './qmgr_message.ts';
import { QmgrEntry, type QmgrQueue } from './qmgr_queue.ts';
import { qmgrResolve, type ResolveReply } from './qmgr_resolve.ts';

/** QMGR_REDIRECT(): a reply that sends the recipient to an error(8) service. */
function redirect(reply: ResolveReply, transport: string, nexthop: string): ResolveReply {
  return { ...reply, transport, nexthop, class: null, fail: false, error: false };
}

/** Resolves every pending recipient of `message` and queues its delivery requests. */
export async function assignMessage(core: QmgrCore, message: QmgrMessage): Promise<void> {
  const ctx = core.ctx;
  const p = ctx.params;
  const env = message.queued.envelope;
  const bound: Array<{ readonly rcpt: DeliveryRecipient; readonly queue: QmgrQueue }> = [];
  let first = true;
  for (const [index, r] of message.queued.recipients.entries()) {
    if (r.done) continue;
    let rcpt: DeliveryRecipient = {
      index,
      address: r.recipient.address,
      original: r.recipient.original,
      orcpt: r.recipient.orcpt,
      notify: r.recipient.notify,
    };
    let reply: ResolveReply;
    if (env.redirect) {
      // Redirect overrides all else, but once per message: the other recipients are dropped.
      if (!first) continue;
      rcpt = { ...rcpt, address: env.redirect };
      reply = await resolveOne(core, message, env.redirect);
      rcpt = { ...rcpt, address: reply.recipient };
    } else if (env.filter) {
      const colon = env.filter.indexOf(':');
      const transport = colon < 0 ? env.filter : env.filter.slice(0, colon);
      let nexthop = colon < 0 ? '' : env.filter.slice(colon + 1);
      if (nexthop === '') nexthop = p.default_filter_nexthop;
      if (nexthop === '') {
        const at = rcpt.address.lastIndexOf('@');
        nexthop = at < 0 || at === rcpt.address.length - 1 ? p.myhostname : rcpt.address.slice(at + 1);
      }
      reply = { transport, nexthop, recipient: rcpt.address, class: null, fail: false, error: false, routed: false };
    } else {
      reply = await resolveOne(core, message, rcpt.address);
      if (reply.recipient !== rcpt.address) rcpt = { ...rcpt, address: reply.recipient };
    }
    first = false;
    if (rcpt.address === '') reply = redirect(reply, MAIL_SERVICE_ERROR, '5.1.3 null recipient address');
    if (message.flags.forceExpire) {
      reply = redirect(reply, MAIL_SERVICE_RETRY, '4.7.0 message is administratively expired');
    }
    if (reply.class === 'local' && isDoubleBounce(rcpt.address, p.double_bounce_sender)) {
      discardDoubleBounce(core, message, rcpt);
      continue;
    }
    if (p.defer_transports.includes(reply.transport) && !message.flags.flushDeferTransports) {
      reply = redirect(reply, MAIL_SERVICE_RETRY, '4.3.2 deferred transport');
    }
    let transport = core.transport(reply.transport);
    let nexthop = reply.nexthop;
    if (message.flags.flushEach && transport.dead) transport.unthrottle();
    if (transport.dead) {
      const dsn = transport.dsn!;
      const retry = core.transport(MAIL_SERVICE_RETRY);
      if (retry.dead) {
        deferRecipient(core, message, rcpt, dsn);
        continue;
      }
      transport = retry;
      nexthop = errorNexthop(dsn);
    }
    let queue = transport.queue(
      queueName(core, transport.name, transport.recipientLimit, reply.recipient, nexthop),
      nexthop,
    );
    if (message.flags.flushEach && queue.throttled) queue.unthrottle();
    if (queue.throttled) {
      const dsn = queue.dsn!;
      const retry = errorQueue(core, MAIL_SERVICE_RETRY, dsn);
      if (retry === null) {
        deferRecipient(core, message, rcpt, dsn);
        continue;
      }
      queue = retry;
    }
    bound.push({ rcpt, queue });
  }
  assign(core, message, bound);
}

async function resolveOne(core: QmgrCore, message: QmgrMessage, address: string): Promise<ResolveReply> {
  const reply = await qmgrResolve(core.ctx.resolver, message.sender, address);
  if (reply.fail) return redirect(reply, MAIL_SERVICE_RETRY, '4.3.0 address resolver failure');
  if (reply.error) return redirect(reply, MAIL_SERVICE_ERROR, '5.1.3 bad address syntax');
  return reply;
}

/**
 * The queue's name: the nexthop, or for a transport that takes one recipient
 * at a time (local) `localpart@nexthop` without the extension, so that one
 * recipient cannot take all delivery slots. Lower case.
 */
function queueName(core: QmgrCore, transport: string, recipientLimit: number, recipient: string, nexthop: string) {
  if (transport === MAIL_SERVICE_ERROR || transport === MAIL_SERVICE_RETRY || recipientLimit !== 1) {
    return nexthop.toLowerCase();
  }
  const at = recipient.lastIndexOf('@');
  let local = at < 0 ? recipient : recipient.slice(0, at);
  const delim = core.ctx.params.recipient_delimiter;
  if (delim !== '') {
    const cut = splitAddrAt(local, delim, { recipient_delimiter: delim });
    if (cut > 0) local = local.slice(0, cut);
  }
  return `${local}@${nexthop}`.toLowerCase();
}

function isDoubleBounce(address: string, double_bounce_sender: string): boolean {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(0, at)).toLowerCase() === double_bounce_sender.toLowerCase();
}

/** Mail to the local double-bounce address is absorbed here, so no local agent is needed for it. */
function discardDoubleBounce(core: QmgrCore, message: QmgrMessage, rcpt: DeliveryRecipient): void {
  const now = core.ctx.clock.now() * 1000;
  const arrival = message.queued.envelope.arrival;
  core.ctx.log.info(
    QMGR_LOG.adhoc({
      queueId: message.id,
      recipient: rcpt.address,
      original: rcpt.original,
      relay: 'none',
      delays: [message.activeAt - arrival, now - message.activeAt, 0, 0],
      dsn: '2.0.0',
      status: 'sent',
      text: 'undeliverable postmaster notification discarded',
    }),
  );
  message.write(
    core.ctx.store.markDone(message.queued, [rcpt.index]).catch((err) => {
      message.deferred = true;
      throw err;
    }),
  );
}

/** qmgr_message_assign(): recipients bundled per destination, up to the recipient limit. */
function assign(
  core: QmgrCore,
  message: QmgrMessage,
  bound: ReadonlyArray<{ rcpt: DeliveryRecipient; queue: QmgrQueue }>,
) {
  const open = new Map<QmgrQueue, QmgrEntry>();
  for (const { rcpt, queue } of bound) {
    const limit = core.transport(queue.transport.name).recipientLimit;
    let entry = open.get(queue);
    if (entry === undefined || (limit > 0 && entry.recipients.length >= limit)) {
      entry = new QmgrEntry(message, queue);
      queue.todo.push(entry);
      message.refcount++;
      open.set(queue, entry);
      clogWarning(core, queue);
    }
    entry.recipients.push(rcpt);
    message.rcptCount++;
    core.recipientCount++;
  }
}

/** qmgr_entry_create()'s warning when one destination takes up much of the active queue. */
function clogWarning(core: QmgrCore, queue: QmgrQueue): void {
  const p = core.ctx.params;
  const warnTime = p.qmgr_clog_warn_time * 1000;
  if (warnTime <= 0 || !p.helpful_warnings) return;
  const length = queue.todo.length + queue.busy;
  const now = core.ctx.clock.now();
  if (length <= p.qmgr_message_active_limit / 5 || now < queue.clogTimeToWarn) return;
  const active = core.messages.size;
  core.ctx.log.warn(QMGR_LOG.clog(queue.nexthop, length, active));
  if (length / active < 0.9) core.ctx.log.warn(QMGR_LOG.clogSlow());
  core.ctx.log.warn(QMGR_LOG.clogOff());
  queue.clogTimeToWarn = now + warnTime;
}
