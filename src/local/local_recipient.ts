/**
 * local_recipient: one local address from the top, as Postfix's
 * deliver_recipient() and deliver_switch(): loop and nesting checks, the
 * address split into user and extension (recipient_delimiter), then in
 * order: `\user` straight to the mailbox; an alias (with extension, then
 * without); the owner or :include: cases that forward; the user's
 * .forward; the mailbox; and finally the unknown-user handling.
 *
 * Parameters: recipient_delimiter, owner_request_special, frozen_delivered_to
 * Diagnostics: `warning: recipient nesting limit exceeded for ADDR`,
 *   `warning: ID: address with illegal extension: ADDR`
 * See: postfix/src/local/recipient.c
 */
import { stat } from 'node:fs/promises';
import { splitAddrAt } from '../maps/mail_addr_find.ts';
import { deliverAlias } from './local_alias.ts';
import { forwardAppend } from './local_forward.ts';
import { deliverDotforward } from './local_include.ts';
import { deliverMailbox } from './local_mailbox.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';
import { deliverUnknown } from './local_unknown.ts';

/** Splits the address into its local part, user, extension and domain (case-folded). */
export function splitRecipient(state: LocalState, attr: LocalAttr): LocalAttr {
  const p = state.ctx.params;
  const local = attr.address.toLowerCase();
  const at = local.lastIndexOf('@');
  const localpart = at < 0 ? local : local.slice(0, at);
  const domain = at < 0 ? '' : local.slice(at + 1);
  if (at < 0) state.ctx.log.warn(`no @ in recipient address: ${local}`);
  let user = localpart;
  let extension: string | null = null;
  if (p.recipient_delimiter !== '') {
    const cut = splitAddrAt(localpart, p.recipient_delimiter, {
      recipient_delimiter: p.recipient_delimiter,
      owner_request_special: p.owner_request_special,
      double_bounce_sender: p.double_bounce_sender,
    });
    if (cut > 0) {
      user = localpart.slice(0, cut);
      extension = localpart.slice(cut + 1);
      if (extension.includes('/')) {
        state.ctx.log.warn(`${state.request.queueId}: address with illegal extension: ${local}`);
        user = localpart;
        extension = null;
      }
    }
  }
  return { ...attr, local: localpart, user, extension, domain };
}

/** deliver_switch(): the order of the ways a local user can get mail. */
async function deliverSwitch(state: LocalState, attr: LocalAttr): Promise<void> {
  if (attr.address.startsWith('\\')) {
    const a = { ...attr, address: attr.address.slice(1), local: attr.local.slice(1), user: attr.user.slice(1) };
    if (!(await deliverMailbox(state, a))) await deliverUnknown(state, a);
    return;
  }
  if (await deliverAlias(state, attr, attr.local)) return;
  if (attr.extension !== null && (await deliverAlias(state, attr, attr.user))) return;
  if (attr.owner !== null && attr.owner.toLowerCase() !== attr.user) return forwardAppend(state, attr);
  if (attr.expType === 'include') return forwardAppend(state, attr);
  let pwd: Awaited<ReturnType<typeof state.ctx.passwd.byName>> = null;
  try {
    pwd = await state.ctx.passwd.byName(attr.user);
  } catch (err) {
    state.ctx.log.warn(`error looking up passwd info for ${attr.user}: ${(err as Error).message}`);
    return state.fail(attr, LOCAL_REASON.userLookup());
  }
  if (pwd !== null) {
    try {
      await stat(pwd.home);
    } catch (err) {
      return state.fail(attr, LOCAL_REASON.homeAccess(pwd.home, (err as Error).message));
    }
  }
  if (!(await deliverDotforward(state, attr)) && !(await deliverMailbox(state, attr)))
    await deliverUnknown(state, attr);
}

/** deliver_recipient(): one address. */
export async function deliverRecipient(state: LocalState, attr: LocalAttr): Promise<void> {
  if (attr.level > 100) {
    state.ctx.log.warn(`recipient nesting limit exceeded for ${attr.address}`);
    return state.fail(attr, LOCAL_REASON.nesting());
  }
  if (state.beenHere(`recipient ${attr.level} ${attr.address}`)) return;
  if (state.deliveredTo.has(attr.address.toLowerCase())) return state.fail(attr, LOCAL_REASON.loop(attr.address));
  const split = splitRecipient(state, attr);
  if (split.user === '') return state.fail(attr, LOCAL_REASON.nullUser(attr.address));
  await deliverSwitch(state, split);
}
