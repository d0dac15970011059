/**
 * smtpd_check_sasl: who may use which sender address after AUTH.
 * smtpd_sender_login_maps maps a sender address to its owners (login
 * names); reject_authenticated_sender_login_mismatch refuses a logged-in
 * client whose login does not own the sender, reject_known_sender_login_mismatch
 * only for senders that have an owner, and
 * reject_unauthenticated_sender_login_mismatch refuses a client that is not
 * logged in and uses an owned sender (reject_sender_login_mismatch is both).
 *
 * Parameters: smtpd_sender_login_maps, recipient_delimiter
 * See: postfix/src/smtpd/smtpd_check.c (reject_auth_sender_login_mismatch,
 *      reject_unauth_sender_login_mismatch)
 */
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import { type CheckCtx, dictRetry, refuse, type Status, serverError } from './smtpd_check_ctx.ts';

/** The owners of a sender address, or null when the table does not list it. */
async function owners(cc: CheckCtx, sender: string): Promise<string[] | null> {
  const s = cc.s;
  const maps = s.ctx.restrictions.senderLoginMaps;
  if (maps === null) return null;
  const reply = await s.ctx.resolver.resolve(s.logged.recipient ?? '', sender);
  if (reply.fail) dictRetry(cc, sender);
  try {
    const found = await mailAddrFind(maps, reply.recipient, {
      recipient_delimiter: s.ctx.config.value('recipient_delimiter'),
    });
    return found === null ? null : found.value.split(/[\s,]+/).filter((w) => w !== '');
  } catch (err) {
    if (!(err instanceof DictLookupError)) throw err;
    if (err.dictError === 'retry') dictRetry(cc, sender);
    return serverError(cc);
  }
}

/** reject_authenticated_sender_login_mismatch (allowUnknown: reject_known_sender_login_mismatch). */
export async function rejectAuthSenderLoginMismatch(
  cc: CheckCtx,
  sender: string,
  allowUnknown: boolean,
): Promise<Status> {
  const sasl = cc.s.sasl;
  if (cc.s.ctx.restrictions.senderLoginMaps === null || sasl === null) return 'dunno';
  const list = await owners(cc, sender);
  if (list === null && allowUnknown) return 'dunno';
  const user = sasl.username.toLowerCase();
  if (list?.some((o) => o.toLowerCase() === user)) return 'dunno';
  return refuse(cc, 'policy', 553, '5.7.1', `<${sender}>: Sender address rejected: not owned by user ${sasl.username}`);
}

/** reject_unauthenticated_sender_login_mismatch. */
export async function rejectUnauthSenderLoginMismatch(cc: CheckCtx, sender: string): Promise<Status> {
  if (cc.s.ctx.restrictions.senderLoginMaps === null || cc.s.sasl !== null) return 'dunno';
  if ((await owners(cc, sender)) === null) return 'dunno';
  return refuse(cc, 'policy', 553, '5.7.1', `<${sender}>: Sender address rejected: not logged in`);
}
