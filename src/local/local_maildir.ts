/**
 * local_maildir: Maildir delivery for local(8) (home_mailbox ending in `/`,
 * a mail_spool_directory ending in `/`, or a `/dir/` destination in an
 * alias or .forward), and the copy attributes every local write shares.
 *
 * Parameters: prepend_delivered_header, enable_original_recipient
 * Diagnostics: `warning: maildir access problem for UID/GID=U/G: ...`,
 *   `warning: perhaps you need to create the maildirs in advance`
 * Security: the write runs as the user (mailbox/deliver_as_user.ts)
 * See: postfix/src/local/maildir.c
 */

import { MAIL_COPY } from '../global/mail_copy.ts';
import { deliverAsUser } from '../mailbox/deliver_as_user.ts';
import type { JobCopy } from '../mailbox/mailbox_write.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/** The copy attributes of a mailbox write. */
export function jobCopy(state: LocalState, attr: LocalAttr, flags: number): JobCopy {
  return {
    flags,
    sender: attr.sender,
    origRcpt: attr.original,
    delivered: attr.delivered,
    enable_original_recipient: state.ctx.params.enable_original_recipient,
    now: state.ctx.now(),
  };
}

/** Whether prepend_delivered_header names `what` (command, file, forward). */
export function prependDelivered(state: LocalState, what: 'command' | 'file' | 'forward'): boolean {
  return state.ctx.params.prepend_delivered_header.map((w) => w.toLowerCase()).includes(what);
}

/** deliver_maildir(): one message into the Maildir at `path` (ending in /), as the user. */
export async function deliverMaildirAs(state: LocalState, attr: LocalAttr, path: string): Promise<void> {
  if (state.request.verifyOnly) return state.sent(attr, LOCAL_REASON.verifyMaildir());
  let flags = MAIL_COPY.TOFILE | MAIL_COPY.RETURN_PATH | MAIL_COPY.ORIG_RCPT;
  if (prependDelivered(state, 'file')) flags |= MAIL_COPY.DELIVERED;
  const r = await deliverAsUser(
    { kind: 'maildir', path, copy: jobCopy(state, attr, flags) },
    { uid: attr.usr.uid, gid: attr.usr.gid },
    state.request.content,
    (t) => state.ctx.log.warn(t),
  );
  if (r.ok) return state.sent(attr, LOCAL_REASON.maildir());
  if (r.code === 'EACCES') {
    state.ctx.log.warn(`maildir access problem for UID/GID=${attr.usr.uid}/${attr.usr.gid}: ${r.text}`);
    state.ctx.log.warn('perhaps you need to create the maildirs in advance');
  }
  state.fail(attr, { dsn: r.dsn, text: `${LOCAL_REASON.maildirPrefix}${r.text}` });
}
