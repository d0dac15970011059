/**
 * smtpd_reject: the one exit for refusals, as smtpd_check_reject(). It
 * builds `code dsn text` from a reply code that may come from main.cf,
 * replaces an invalid code or DSN with `450 4.7.1 Service unavailable`
 * (with a warning), cuts the reply to 510 characters, makes it printable,
 * lets an earlier defer_if_reject turn a 5xx into that 4xx, applies
 * soft_bounce, forces the DSN class to the code's, and logs exactly the
 * reply the client will get (`NOQUEUE: reject: RCPT from ...`). Under
 * warn_if_reject it logs `reject_warning` and refuses nothing.
 *
 * Parameters: soft_bounce
 * Diagnostics: `warning: SMTP reply code configuration error: ...`,
 *   `warning: DSN detail code configuration error: ...`
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_reject, defer_if, log_whatsup)
 */
import type { Refusal } from '../global/reply.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import type { Deferral, DeferralSlot, ErrorClass, SmtpdSession } from './smtpd_state.ts';

export type { Deferral, DeferralSlot, ErrorClass };

/** Per-evaluation state of the restriction lists (SMTPD_CHECK_RESET). */
export interface CheckState {
  /** warn_if_reject: the recursion level it was given at, 0 when off. */
  warnIfReject: number;
  deferIfRejectSlot: DeferralSlot;
  recursion: number;
  /** The refusal of the last restriction that rejected (Postfix's error_text). */
  refusal: Refusal | null;
}

export function newCheckState(): CheckState {
  return {
    warnIfReject: 0,
    deferIfRejectSlot: { active: false, d: null },
    recursion: 0,
    refusal: null,
  };
}

/** log_whatsup(): the one format of reject, hold, discard, warn ... lines. */
export function logWhatsup(s: SmtpdSession, action: string, text: string): void {
  const { sender, recipient, helo } = s.logged;
  s.ctx.log.info(
    SMTPD_LOG.whatsup(s.queueId, action, s.where, s.peer.namaddr, text, {
      sender,
      recipient,
      protocol: s.protocol,
      helo,
    }),
  );
}

const DSN = /^[245]\.\d{1,3}\.\d{1,3}$/;

/** Replaces unprintable characters with a space (printable(s, ' ')). */
function printableSpace(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ');
}

/**
 * Refuses with `code dsn text`; returns the reply to send, or null under
 * warn_if_reject (the request goes on).
 */
export function reject(
  s: SmtpdSession,
  cs: CheckState | null,
  errorClass: ErrorClass,
  code: number,
  dsn: string,
  text: string,
): Refusal | null {
  const warnOnly = cs !== null && cs.warnIfReject !== 0 && !['software', 'resource', 'data'].includes(errorClass);
  let line = `${code} ${dsn} ${text}`;
  if (code < 400 || code > 599) {
    s.ctx.log.warn(`SMTP reply code configuration error: ${line}`);
    line = '450 4.7.1 Service unavailable';
  }
  const dsnPart = line.slice(4, line.indexOf(' ', 4) < 0 ? undefined : line.indexOf(' ', 4));
  if (!DSN.test(dsnPart)) {
    s.ctx.log.warn(`DSN detail code configuration error: ${line}`);
    line = '450 4.7.1 Service unavailable';
  }
  line = printableSpace(line.slice(0, 510));
  if (!warnOnly && cs !== null && cs.deferIfRejectSlot.active && line.startsWith('5')) {
    const d = cs.deferIfRejectSlot.d!;
    cs.warnIfReject = 0;
    cs.deferIfRejectSlot.active = false;
    return reject(s, cs, d.errorClass, d.code, d.dsn, d.text);
  }
  if (s.ctx.params.soft_bounce && line.startsWith('5')) line = `4${line.slice(1)}`;
  line = `${line.slice(0, 4)}${line[0]}${line.slice(5)}`;
  logWhatsup(s, warnOnly ? 'reject_warning' : 'reject', line);
  if (warnOnly) return null;
  const sp = line.indexOf(' ', 4);
  return {
    code: Number(line.slice(0, 3)),
    dsn: line.slice(4, sp),
    text: line.slice(sp + 1),
  } as Refusal;
}
