/**
 * local_forward: mail that an alias, .forward or :include: file sends on
 * to other addresses. The addresses of one recipient are collected per
 * envelope sender (the original sender, or the owner- address of a list)
 * and queued as one new message through cleanup, with `Received: by
 * myhostname (mail_name)` and `Delivered-To:` in front of the original
 * content; the recipient is then logged `forwarded as NEWID`.
 *
 * Parameters: myhostname, mail_name, prepend_delivered_header
 * Diagnostics: `warning: ID: forwarding to ... failed: REASON`; the
 *   recipient is then deferred with `unable to forward message`
 * See: postfix/src/local/forward.c, postfix/src/local/indirect.c
 */
import { mailDate } from '../global/mail_date.ts';
import { MailError } from '../global/reply.ts';
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import { prependDelivered } from './local_maildir.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** deliver_indirect() / forward_append(): remembers `attr.address` for forwarding. */
export function forwardAppend(state: LocalState, attr: LocalAttr): void {
  if (state.beenHere(`indirect ${attr.address}`)) return;
  if (state.request.verifyOnly) {
    state.sent(attr, LOCAL_REASON.verifyForward(attr.address));
    return;
  }
  const key = `${attr.sender}\0${attr.delivered}`;
  const group = state.forwards.get(key);
  if (group === undefined) state.forwards.set(key, { delivered: attr.delivered, attr, addresses: [attr.address] });
  else group.addresses.push(attr.address);
}

/** forward_finish(): queues one message per sender; logs `forwarded as ID` for the recipient. */
export async function forwardFinish(state: LocalState, top: LocalAttr): Promise<void> {
  const ctx = state.ctx;
  for (const { delivered, attr, addresses } of state.forwards.values()) {
    const cleanup = ctx.cleanup;
    if (cleanup === null) {
      ctx.log.warn(`${state.request.queueId}: forwarding to ${addresses.join(', ')}: no cleanup service`);
      state.fail(top, LOCAL_REASON.unableToForward());
      continue;
    }
    const env = state.request.message.envelope;
    const queueId = cleanup.newQueueId();
    const head =
      `Received: by ${ctx.params.myhostname} (${ctx.params.mail_name})\n` +
      `\tid ${queueId}; ${mailDate(ctx.now())}\n` +
      (prependDelivered(state, 'forward') ? `Delivered-To: ${delivered.toLowerCase()}\n` : '');
    async function* content(): AsyncGenerator<Buffer> {
      yield Buffer.from(head);
      for await (const chunk of state.request.content()) yield chunk as Buffer;
    }
    const notify = state.top.notify;
    try {
      const result = await cleanup.submit(
        {
          queueId,
          sender: attr.sender,
          recipients: addresses.map((address) => ({ address, orcpt: null, notify })),
          client: null,
          origin: 'pickup',
          envid: attr.owner === null ? env.envid : null,
          ret: attr.owner === null ? env.ret : null,
          smtputf8: env.smtputf8,
          body8bit: env.body8bit,
          fullName: '',
          actions: {},
          logContext: 'from local',
          rewriteContext: 'local',
          arrival: env.arrival,
          receive_override_options: ['no_header_body_checks', 'no_milters'],
        },
        content(),
      );
      // The forwarded copy carries NOTIFY on; this recipient reports no success itself.
      state.notifySuccessHandedOn = (notify & DSN_NOTIFY.SUCCESS) !== 0;
      state.sent(top, LOCAL_REASON.forwarded(result.queueId));
    } catch (err) {
      const why = err instanceof MailError ? `${err.reply.code} ${err.reply.dsn} ${err.reply.text}` : String(err);
      ctx.log.warn(`${state.request.queueId}: forwarding to ${addresses.join(', ')} failed: ${why}`);
      state.fail(top, LOCAL_REASON.unableToForward());
    }
  }
  state.forwards.clear();
}
