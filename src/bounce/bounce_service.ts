/**
 * bounce_service: the BounceService qmgr calls, as Postfix's bounce daemon
 * serves its bounce, defer and trace services. Who gets a notification
 * depends on the original's sender:
 *
 * - a sender: the notice goes to the sender from the null sender, with the
 *   recipients whose NOTIFY asks for it (or who gave no NOTIFY); then, when
 *   notify_classes says so, a copy (headers only) to the postmaster;
 * - the null sender (a bounce that failed): a double bounce to the
 *   postmaster from double-bounce@$myhostname, only when notify_classes
 *   has bounce or 2bounce (delay for delay warnings); else nothing — a
 *   bounce is never sent to `<>`;
 * - double-bounce@$myhostname: never a triple bounce; the notice is dropped.
 *
 * Each call resolves once its notifications are queued (or nothing had to
 * be sent) and then removes the log it reported (not for delay warnings);
 * it rejects when cleanup refused the sender's notification, so qmgr keeps
 * the message and tries again later. A failed postmaster copy only warns.
 *
 * Parameters: notify_classes, bounce_notice_recipient,
 *   2bounce_notice_recipient, delay_notice_recipient, double_bounce_sender,
 *   myhostname, bounce_size_limit
 * Diagnostics: see bounce_log.ts
 * Security: reads only the queue files and logs qmgr names; writes nothing
 *   but new mail, through cleanup
 * See: postfix/src/bounce/bounce_notify_service.c, bounce_warn_service.c,
 *   bounce_trace_service.c
 */
import { type BounceService, TRACE_FLAG, TRACE_FLAGS_ATTR } from '../queue/bounce_request.ts';
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { DeliveryLogEntry, LogKind, QueueMessage } from '../queue/queue_store.ts';
import type { BounceContext } from './bounce_context.ts';
import { type BounceInfo, bounceInfo } from './bounce_info.ts';
import { BOUNCE_LOG } from './bounce_log.ts';
import { composeNotice } from './bounce_notify.ts';
import { postMail } from './bounce_post.ts';
import type { BounceTemplate } from './bounce_template.ts';
import { templateEnv } from './bounce_templates.ts';

/** mail_error_masks: the notify_classes names. */
export const NOTIFY_CLASSES = [
  'bounce',
  '2bounce',
  'data',
  'delay',
  'policy',
  'protocol',
  'resource',
  'software',
] as const;

/** A notice to send: to whom, from whom, what, and the line that announces it. */
interface Notice {
  readonly template: BounceTemplate;
  readonly sender: string;
  readonly dest: string;
  readonly postmasterCopy: boolean;
  readonly entries: readonly DeliveryLogEntry[] | null;
  readonly ret: 'FULL' | 'HDRS';
  readonly announce: (newId: QueueId) => string;
}

type Outcome = { readonly sent: true } | { readonly sent: false; readonly why: string };

/** The recipients a notification reports: those with no NOTIFY (compatibility) or with `mask`; all for 0. */
function select(entries: readonly DeliveryLogEntry[] | null, mask: number): readonly DeliveryLogEntry[] | null {
  if (entries === null || mask === 0) return entries;
  return entries.filter((e) => e.notify === 0 || (e.notify & mask) !== 0);
}

export class BounceServer implements BounceService {
  #ctx: BounceContext;

  constructor(ctx: BounceContext) {
    this.#ctx = ctx;
  }

  /** The context after `postfix reload`; notifications in progress keep the old one. */
  setContext(ctx: BounceContext): void {
    this.#ctx = ctx;
  }

  flush(message: QueueMessage): Promise<void> {
    return this.#notify(this.#ctx, message, 'bounce');
  }

  flushDeferred(message: QueueMessage): Promise<void> {
    return this.#notify(this.#ctx, message, 'defer');
  }

  /** bounce_notify_service(): non-delivery notices from the bounce log, or from the defer log at expiry. */
  async #notify(ctx: BounceContext, message: QueueMessage, kind: LogKind): Promise<void> {
    const p = ctx.params;
    const id = message.id;
    const sender = message.envelope.sender;
    const classes = new Set(p.notify_classes.map((c) => c.toLowerCase()));
    const entries = await this.#entries(ctx, kind, id);
    const failure = ctx.templates.failure;
    if (this.#isDoubleBounce(ctx, sender)) {
      ctx.log.warn(BOUNCE_LOG.discarded(id));
    } else if (sender === '') {
      if (classes.has('bounce') || classes.has('2bounce')) {
        const notice: Notice = {
          ...this.#toPostmaster(ctx, entries),
          template: failure,
          dest: p['2bounce_notice_recipient'],
          ret: 'FULL',
          announce: (newId) => BOUNCE_LOG.postmasterNonDelivery(id, newId),
        };
        await this.#sendOrThrow(ctx, await bounceInfo(ctx, message), notice, (why) =>
          BOUNCE_LOG.postmasterFailed(id, why),
        );
      }
    } else {
      const info = await bounceInfo(ctx, message);
      const notice: Notice = {
        template: failure,
        sender: '',
        dest: sender,
        postmasterCopy: false,
        entries: select(entries, DSN_NOTIFY.FAILURE),
        ret: message.envelope.ret ?? 'FULL',
        announce: (newId) => BOUNCE_LOG.senderNonDelivery(id, newId),
      };
      await this.#sendOrThrow(ctx, info, notice, (why) => BOUNCE_LOG.senderFailed(id, sender, why));
      if (classes.has('bounce')) {
        const copy = await this.#send(ctx, info, {
          ...this.#toPostmaster(ctx, entries),
          template: failure,
          dest: p.bounce_notice_recipient,
          ret: 'HDRS',
          announce: (newId) => BOUNCE_LOG.postmasterNonDelivery(id, newId),
        });
        if (!copy.sent) ctx.log.warn(BOUNCE_LOG.postmasterBouncing(id, sender));
      }
    }
    await ctx.store.removeLog(kind, id);
  }

  /** bounce_warn_service(): a delay warning from the defer log; the log stays. */
  async warn(message: QueueMessage): Promise<void> {
    const ctx = this.#ctx;
    const p = ctx.params;
    const id = message.id;
    const sender = message.envelope.sender;
    const delayClass = p.notify_classes.some((c) => c.toLowerCase() === 'delay');
    const entries = await this.#entries(ctx, 'defer', id);
    const delay = ctx.templates.delay;
    if (this.#isDoubleBounce(ctx, sender)) {
      ctx.log.warn(BOUNCE_LOG.discarded(id));
    } else if (sender === '') {
      if (delayClass) {
        const notice: Notice = {
          ...this.#toPostmaster(ctx, entries),
          template: delay,
          dest: p.delay_notice_recipient,
          ret: 'FULL',
          announce: (newId) => BOUNCE_LOG.postmasterDelay(id, newId),
        };
        await this.#sendOrThrow(ctx, await bounceInfo(ctx, message), notice, (why) =>
          BOUNCE_LOG.postmasterFailed(id, why),
        );
      }
    } else {
      const info = await bounceInfo(ctx, message);
      const notice: Notice = {
        template: delay,
        sender: '',
        dest: sender,
        postmasterCopy: false,
        entries: select(entries, DSN_NOTIFY.DELAY),
        ret: 'HDRS',
        announce: (newId) => BOUNCE_LOG.senderDelay(id, newId),
      };
      await this.#sendOrThrow(ctx, info, notice, (why) => BOUNCE_LOG.senderFailed(id, sender, why));
      if (delayClass) {
        const copy = await this.#send(ctx, info, {
          ...this.#toPostmaster(ctx, entries),
          template: delay,
          dest: p.delay_notice_recipient,
          ret: 'HDRS',
          announce: (newId) => BOUNCE_LOG.postmasterDelay(id, newId),
        });
        if (!copy.sent) ctx.log.warn(BOUNCE_LOG.postmasterWarning(id, sender));
      }
    }
  }

  /**
   * bounce_trace_service(): a success notice (NOTIFY=SUCCESS: delivered,
   * relayed, expanded) from the trace log, or a verify report when the
   * message's trace_flags ask for one (sendmail -bv, -v).
   */
  async trace(message: QueueMessage): Promise<void> {
    const ctx = this.#ctx;
    const p = ctx.params;
    const id = message.id;
    let dest = message.envelope.sender;
    let sender = '';
    if (this.#isDoubleBounce(ctx, dest)) {
      ctx.log.info(BOUNCE_LOG.traceDoubleBounce(id));
      return;
    }
    if (dest === '') {
      if (!p.notify_classes.some((c) => c.toLowerCase() === '2bounce')) {
        ctx.log.info(BOUNCE_LOG.traceSingleBounce(id));
        await ctx.store.removeLog('trace', id);
        return;
      }
      dest = p['2bounce_notice_recipient'];
      sender = this.#doubleBounce(ctx);
    }
    const entries = await ctx.store.readLog('trace', id);
    if (entries.length === 0) return; // no trace file: nothing to report
    const flags = Number(message.envelope.attributes[TRACE_FLAGS_ATTR] ?? 0);
    const verify = (flags & (TRACE_FLAG.USR_VRFY | TRACE_FLAG.RECORD)) !== 0;
    const notice: Notice = {
      template: verify ? ctx.templates.verify : ctx.templates.success,
      sender,
      dest,
      postmasterCopy: false,
      entries,
      ret: 'HDRS',
      announce: (newId) => BOUNCE_LOG.senderDsn(id, newId),
    };
    await this.#sendOrThrow(ctx, await bounceInfo(ctx, message), notice, (why) =>
      BOUNCE_LOG.senderFailed(id, dest, why),
    );
    await ctx.store.removeLog('trace', id);
  }

  /** The log's entries; null when it is missing or empty (the report is then "unavailable"). */
  async #entries(ctx: BounceContext, kind: LogKind, id: QueueId): Promise<readonly DeliveryLogEntry[] | null> {
    const entries = await ctx.store.readLog(kind, id);
    return entries.length === 0 ? null : entries;
  }

  /** mail_addr_double_bounce(): double-bounce@$myhostname. */
  #doubleBounce(ctx: BounceContext): string {
    return `${ctx.params.double_bounce_sender}@${ctx.params.myhostname}`;
  }

  /** The part of a postmaster notice that is always the same: from double-bounce, every recipient reported. */
  #toPostmaster(ctx: BounceContext, entries: readonly DeliveryLogEntry[] | null) {
    return { sender: this.#doubleBounce(ctx), postmasterCopy: true, entries } as const;
  }

  #isDoubleBounce(ctx: BounceContext, address: string): boolean {
    return address.toLowerCase() === this.#doubleBounce(ctx).toLowerCase();
  }

  /**
   * Sends a notice that must be queued: when cleanup refuses it, warns with
   * `failure(why)` and rejects with the same text, so qmgr keeps the message.
   */
  async #sendOrThrow(ctx: BounceContext, info: BounceInfo, n: Notice, failure: (why: string) => string): Promise<void> {
    const r = await this.#send(ctx, info, n);
    if (r.sent) return;
    const text = failure(r.why);
    ctx.log.warn(text);
    throw new Error(text);
  }

  /**
   * Writes and queues one notice. A notice with no recipient to report is
   * not sent at all (Postfix logs its queue ID and then cancels it).
   */
  async #send(ctx: BounceContext, info: BounceInfo, n: Notice): Promise<Outcome> {
    if (n.entries !== null && n.entries.length === 0) return { sent: true };
    if (n.entries === null && n.template.cls !== 'failure') return { sent: true };
    const env = templateEnv(
      ctx.config,
      (text) => ctx.log.warn(text),
      (text) => ctx.log.fatal(text),
    );
    const body = composeNotice(ctx, info, { ...n }, env);
    const r = await postMail(ctx, {
      sender: n.sender,
      recipient: n.dest,
      smtputf8: info.smtputf8,
      body8bit: info.mimeEncoding === '8bit',
      announce: (newId) => ctx.log.info(n.announce(newId)),
      body,
    });
    return r.ok ? { sent: true } : { sent: false, why: r.why };
  }
}
