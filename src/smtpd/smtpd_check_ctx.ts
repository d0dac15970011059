/**
 * smtpd_check_ctx: what one restriction sees while a list is evaluated —
 * the session, the evaluation state (warn_if_reject, defer_if_reject,
 * recursion), the object and class named in replies (`<x@y>: Sender
 * address rejected: ...`), and the default table restriction — and the
 * verbs restrictions share: refuse through smtpd_reject, remember a
 * deferral (defer_if_permit, defer_if_reject), give up the whole
 * evaluation on a table or configuration error, and log a permit when
 * smtpd_log_access_permit_actions asks for it.
 *
 * Diagnostics: `451 4.3.0 <X>: Temporary lookup failure`,
 *   `451 4.3.5 Server configuration error` (both end the evaluation)
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_reject, defer_if, reject_dict_retry,
 *      reject_server_error, smtpd_acl_permit, DEFER_IF_PERMIT*, DEFER_IF_REJECT*)
 */
import type { Refusal } from '../global/reply.ts';
import type { ReplyClass } from './smtpd_dsn_fix.ts';
import { type CheckState, type Deferral, type ErrorClass, logWhatsup, reject } from './smtpd_reject.ts';
import type { SmtpdSession } from './smtpd_state.ts';

/** SMTPD_CHECK_DUNNO, _OK, _REJECT. */
export type Status = 'dunno' | 'ok' | 'reject';

export interface CheckCtx {
  readonly s: SmtpdSession;
  readonly cs: CheckState;
  readonly replyName: string;
  readonly replyClass: ReplyClass;
  /** The restriction a bare `type:table` stands for in this list, or null. */
  readonly defAcl: string | null;
  /** generic_checks(), for restriction classes and table results that name restrictions. */
  readonly generic: (cc: CheckCtx, list: readonly string[]) => Promise<Status>;
}

/** Ends an evaluation early (Postfix's longjmp to smtpd_check_buf): the reply is already logged. */
export class CheckAbort extends Error {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(`restriction evaluation ended: ${refusal.code} ${refusal.text}`);
    this.name = 'CheckAbort';
    this.refusal = refusal;
  }
}

/** smtpd_check_reject() as a status: 'reject' (reply kept in cs.refusal) or, under warn_if_reject, 'dunno'. */
export function refuse(cc: CheckCtx, errorClass: ErrorClass, code: number, dsn: string, text: string): Status {
  const r = reject(cc.s, cc.cs, errorClass, code, dsn, text);
  if (r === null) return 'dunno';
  cc.cs.refusal = r;
  return 'reject';
}

/** defer_if(): remembers the first reason for a deferral. */
function deferIf(slot: { active: boolean; d: Deferral | null }, d: Deferral): Status {
  if (!slot.active) {
    slot.active = true;
    slot.d = d;
  }
  return 'dunno';
}

/** DEFER_IF_PERMIT: remember a 4xx for when the lists end in permit; a plain refusal under warn_if_reject or `defer`. */
export function deferIfPermit(
  cc: CheckCtx,
  deferIfPermitAction: boolean,
  code: number,
  dsn: string,
  text: string,
): Status {
  if (cc.cs.warnIfReject === 0 && deferIfPermitAction) {
    return deferIf(cc.s.deferIfPermit, { errorClass: 'policy', code, dsn, text });
  }
  return refuse(cc, 'policy', code, dsn, text);
}

/** DEFER_IF_REJECT: remember a 4xx that replaces a later 5xx. */
export function deferIfReject(cc: CheckCtx, code: number, dsn: string, text: string): Status {
  const slot = cc.cs.deferIfRejectSlot;
  return deferIf(slot, { errorClass: 'policy', code, dsn, text });
}

/** reject_dict_retry(): a table could not answer now. */
export function dictRetry(cc: CheckCtx, replyName: string): never {
  const r = reject(cc.s, cc.cs, 'data', 451, '4.3.0', `<${replyName}>: Temporary lookup failure`)!;
  throw new CheckAbort(r);
}

/** reject_server_error(): a configuration or software problem. */
export function serverError(cc: CheckCtx): never {
  const r = reject(cc.s, cc.cs, 'software', 451, '4.3.5', 'Server configuration error')!;
  throw new CheckAbort(r);
}

/** smtpd_acl_permit(): permit, logged when smtpd_log_access_permit_actions lists the action. */
export async function aclPermit(
  cc: CheckCtx,
  action: string,
  replyClass: string,
  replyName: string,
  extra = '',
): Promise<Status> {
  const s = cc.s;
  if (!s.deferIfPermit.active && (await s.ctx.restrictions.permitLog.matchStringLoose(action))) {
    logWhatsup(s, 'permit', `action=${action} for ${replyClass}=${replyName}${extra === '' ? '' : ` ${extra}`}`);
  }
  return 'ok';
}
