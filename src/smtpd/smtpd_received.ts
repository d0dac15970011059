/**
 * smtpd_received: the Received: header smtpd puts on top of each message,
 * as Postfix writes it — `from HELO (NAME [ADDR])`, the TLS and SASL
 * comments when enabled, `by $myhostname ($mail_name) with PROTO id ID`,
 * `for <rcpt>` when there is exactly one recipient, and the date as
 * Postfix 3.7's mail_date() prints it (day padded with a space).
 *
 * Parameters: myhostname, mail_name, smtpd_tls_received_header, smtpd_sasl_authenticated_header
 * Security: the HELO name was neutered at HELO; comment text (SASL login name)
 *   is limited to printable ASCII with balanced parentheses
 * Standards: RFC 5321 section 4.4, RFC 3848 (ESMTPS, ESMTPA, ESMTPSA)
 * See: postfix/src/smtpd/smtpd.c (common_pre_message_handling, comment_sanitize),
 *      postfix/src/global/mail_date.c
 */
import { mailDate } from '../global/mail_date.ts';
import { quote822Local } from '../global/quote_822_local.ts';

/** comment_sanitize(): printable ASCII, no backslash, parentheses balanced. */
export function commentSanitize(text: string): string {
  let out = '';
  let depth = 0;
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (code < 0x20 || code > 0x7e || c === '\\') out += '?';
    else if (c === '(') {
      depth++;
      out += c;
    } else if (c === ')') {
      if (depth > 0) {
        depth--;
        out += c;
      } else out += '?';
    } else out += c;
  }
  return out + ')'.repeat(depth);
}

export interface ReceivedFacts {
  readonly helo: string | null;
  readonly clientName: string;
  readonly rfcAddr: string;
  readonly myhostname: string;
  readonly mailName: string;
  readonly protocol: 'SMTP' | 'ESMTP';
  readonly smtputf8: boolean;
  /** TLS comment lines (`\t(using ...)` ...) when smtpd_tls_received_header is on; null without TLS. */
  readonly tlsLines: readonly string[] | null;
  readonly tls: boolean;
  /** SASL login name for the `(Authenticated sender: ...)` comment, when smtpd_sasl_authenticated_header is on. */
  readonly authHeaderUser: string | null;
  readonly sasl: boolean;
  readonly queueId: string;
  /** The one recipient, or null when there are several. */
  readonly recipient: string | null;
  /** Arrival, milliseconds since the epoch. */
  readonly arrival: number;
}

/** The header's lines, without line ends. */
export function receivedHeader(f: ReceivedFacts): string[] {
  const lines = [`Received: from ${f.helo ?? f.clientName} (${f.clientName} [${f.rfcAddr}])`];
  if (f.tlsLines !== null) lines.push(...f.tlsLines);
  if (f.authHeaderUser !== null) lines.push(`\t(Authenticated sender: ${commentSanitize(f.authHeaderUser)})`);
  const esmtp = f.protocol === 'ESMTP';
  const proto = `${f.smtputf8 ? 'UTF8SMTP' : f.protocol}${f.tls && esmtp ? 'S' : ''}${f.sasl && esmtp ? 'A' : ''}`;
  const by = `\tby ${f.myhostname} (${f.mailName}) with ${proto} id ${f.queueId}`;
  if (f.recipient !== null) {
    lines.push(by, `\tfor <${quote822Local(f.recipient)}>; ${mailDate(f.arrival)}`);
  } else {
    lines.push(`${by};`, `\t${mailDate(f.arrival)}`);
  }
  return lines;
}
