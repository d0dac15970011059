/**
 * queue_envelope: what the queue keeps about a message besides its
 * content — sender, recipients with their DSN requests, arrival time, the
 * client it came from — as plain readonly data. cleanup builds it, the
 * store writes it, qmgr and the delivery agents read it.
 *
 * See: postfix/src/global/rec_type.h, postfix/src/global/mail_proto.h (attribute names)
 */

/** RFC 3461 NOTIFY, as a bit mask like Postfix's DSN_NOTIFY_*; 0 = not given. */
export const DSN_NOTIFY = { NEVER: 1, SUCCESS: 2, FAILURE: 4, DELAY: 8 } as const;

export interface QueueRecipient {
  /** The recipient to deliver to (after canonical and virtual alias rewriting). */
  readonly address: string;
  /** The recipient as the client gave it, before rewriting (`orig_to=` in logs). */
  readonly original: string;
  /** DSN ORCPT, e.g. `rfc822;user@example.org`, or null. */
  readonly orcpt: string | null;
  /** DSN NOTIFY mask (DSN_NOTIFY bits), 0 when the client gave none. */
  readonly notify: number;
}

/** Facts about the SMTP client or local submitter, logged and used in bounces. */
export interface QueueClient {
  readonly name: string;
  readonly address: string;
  readonly port: string;
  readonly helo: string;
  /** `SMTP`, `ESMTP`, `LMTP`, or `local` for sendmail/pickup. */
  readonly protocol: string;
  readonly saslMethod: string;
  readonly saslUsername: string;
  readonly saslSender: string;
}

export interface QueueEnvelope {
  /** Envelope sender, '' for the null sender `<>`. */
  readonly sender: string;
  /** Arrival time, microseconds since the epoch (Postfix's `T` record). */
  readonly arrival: number;
  readonly client: QueueClient | null;
  /** DSN ENVID, or null. */
  readonly envid: string | null;
  /** DSN RET: FULL or HDRS, or null when not given. */
  readonly ret: 'FULL' | 'HDRS' | null;
  /** When a delay warning is due, microseconds since the epoch, or null (delay_warning_time). */
  readonly warnAt: number | null;
  /** The message needs SMTPUTF8 downstream. */
  readonly smtputf8: boolean;
  /** BODY=8BITMIME was declared (or the content has 8-bit data). */
  readonly body8bit: boolean;
  /** `local` or `remote`: which rewrite rules applied (Postfix's rewrite_context). */
  readonly rewriteContext: 'local' | 'remote';
  /** Full name from `sendmail -F`, or ''. */
  readonly fullName: string;
  /** Free-form named attributes (`A` records), e.g. trace flags. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * FILTER (access(5), header_checks, content_filter): `transport:destination`
   * that every recipient is sent through instead of its own route (Postfix's
   * REC_TYPE_FILT). Absent or null: none.
   */
  readonly filter?: string | null;
  /** REDIRECT (access(5), header_checks): the one address the message goes to instead (REC_TYPE_RDR). */
  readonly redirect?: string | null;
}
