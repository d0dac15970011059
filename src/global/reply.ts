/**
 * reply: an SMTP reply with its enhanced status code, typed so that the
 * status class always matches the reply code (554 goes with 5.x.x, never 4.x.x).
 * Shared by smtpd, cleanup, the delivery agents and bounce.
 *
 * Standards: RFC 5321 section 4.2, RFC 3463
 * See: postfix/src/global/smtp_reply_footer.c, postfix/src/smtpd/smtpd_check.c (smtpd_check_reject)
 */

export type OkCode = 211 | 214 | 220 | 221 | 235 | 250 | 251 | 252 | 334 | 354;
export type TempCode = 421 | 432 | 450 | 451 | 452 | 453 | 454 | 455 | 458;
export type PermCode =
  | 500
  | 501
  | 502
  | 503
  | 504
  | 521
  | 530
  | 534
  | 535
  | 538
  | 550
  | 551
  | 552
  | 553
  | 554
  | 555
  | 556;

/** An enhanced status code (RFC 3463) of class C. */
export type Status<C extends '2' | '4' | '5'> = `${C}.${number}.${number}`;

export type Reply =
  | { readonly code: OkCode; readonly dsn: Status<'2'> | null; readonly text: string }
  | { readonly code: TempCode; readonly dsn: Status<'4'>; readonly text: string }
  | { readonly code: PermCode; readonly dsn: Status<'5'>; readonly text: string };

/** A reply that refuses: the only kind a MailError carries. */
export type Refusal = Extract<Reply, { code: TempCode | PermCode }>;

/** Formats a reply as its lines on the wire, without CRLF: `250-a`, `250 2.0.0 b`. */
export function replyLines(reply: Reply): string[] {
  const texts = reply.text.split('\n');
  return texts.map((text, i) => {
    const sep = i === texts.length - 1 ? ' ' : '-';
    return reply.dsn === null ? `${reply.code}${sep}${text}` : `${reply.code}${sep}${reply.dsn} ${text}`;
  });
}

/** Formats a one-line reply as logged: `554 5.7.1 <x>: Relay access denied`. */
export function formatReply(reply: Reply): string {
  return reply.dsn === null ? `${reply.code} ${reply.text}` : `${reply.code} ${reply.dsn} ${reply.text}`;
}

/** A refusal raised deep in the code, answered by the one session-level handler. */
export class MailError extends Error {
  readonly reply: Refusal;
  constructor(reply: Refusal, options?: ErrorOptions) {
    super(formatReply(reply), options);
    this.name = 'MailError';
    this.reply = reply;
  }
}
