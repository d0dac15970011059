/**
 * cleanup_replies: every reply a client gets when cleanup refuses a
 * message, as Postfix's smtpd words them from cleanup's status
 * (cleanup_strerror.c's table plus smtpd's `Error: ` prefix), and the one
 * function that turns a header/body check REJECT text into a reply.
 *
 * Standards: RFC 3463 (enhanced status codes)
 * See: postfix/src/global/cleanup_strerror.c, postfix/src/smtpd/smtpd.c (the end-of-DATA replies)
 */
import type { Refusal } from '../global/reply.ts';

export const CLEANUP_REPLY = {
  /** CLEANUP_STAT_WRITE: a write or sync error, a table that failed. */
  write_error: { code: 451, dsn: '4.3.0', text: 'Error: queue file write error' },
  /** CLEANUP_STAT_SIZE: message_size_limit. */
  too_big: { code: 552, dsn: '5.3.4', text: 'Error: message file too big' },
  /** CLEANUP_STAT_CONT without text. */
  content_rejected: { code: 550, dsn: '5.7.1', text: 'Error: message content rejected' },
  /** CLEANUP_STAT_HOPS: hopcount_limit. */
  too_many_hops: { code: 554, dsn: '5.4.0', text: 'Error: too many hops' },
  /** CLEANUP_STAT_RCPT. */
  no_recipients: { code: 550, dsn: '5.1.0', text: 'Error: no recipients specified' },
  /** CLEANUP_STAT_DEFER without text. */
  service_unavailable: { code: 451, dsn: '4.7.1', text: 'Error: service unavailable' },
  /** MAIL FROM when the queue file system is short of space (queue_minfree, 1.5 × message_size_limit). */
  insufficient_storage: { code: 452, dsn: '4.3.1', text: 'Insufficient system storage' },
  /** CLEANUP_STAT_BAD. */
  internal_error: (err: number): Refusal => ({ code: 451, dsn: '4.3.0', text: `Error: internal error ${err}` }),
} as const;

/**
 * The reply for a check's REJECT or an alias expansion error, from cleanup's
 * reason (`5.7.1 forbidden subject`, `4.6.0 Alias expansion error`): 550 for a
 * permanent status, 451 for a temporary one (CLEANUP_STAT_CONT / _DEFER).
 */
export function reasonReply(reason: string): Refusal {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)(.*)$/s.exec(reason);
  if (m === null) return { code: 451, dsn: '4.7.1', text: reason };
  const text = m[4] ?? '';
  return m[1] === '5'
    ? { code: 550, dsn: `5.${Number(m[2])}.${Number(m[3])}`, text }
    : { code: 451, dsn: `4.${Number(m[2])}.${Number(m[3])}`, text };
}
