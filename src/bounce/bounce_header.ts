/**
 * bounce_header: the one function that writes a header field of a
 * notification — the message headers (To:, From:, Subject:, the MIME
 * headers) and every field of the message/delivery-status part
 * (Final-Recipient, Original-Recipient, Original-Envelope-Id, Status,
 * Diagnostic-Code ...). Values come from the envelope (ORCPT, ENVID,
 * addresses) and from remote servers (their replies), so they are
 * untrusted: every character that is not printable, CR, LF and NUL first
 * of all, becomes `?` (Postfix's printable()), so a value can never end
 * its field or start a new one. A field is then folded, when asked, at
 * blanks with Postfix's 79-column line_wrap(); a folded line always starts
 * with a blank, so it continues the field.
 *
 * Security: the only writer of notification header text; its output has
 *   no CR or NUL, and every LF in it is followed by a blank and then text
 * See: postfix/src/bounce/bounce.c (VS_NEUTER), postfix/src/global/bounce_log.c
 *   (printable() on read), postfix/src/bounce/bounce_notify_util.c (bounce_print_wrap)
 */
import { printable } from '../log/log_printable.ts';
import { lineWrap } from './bounce_line_wrap.ts';

/** A line of nothing but blanks (what would end a header block at a lax reader). */
const BLANKS = /^[ \t]*$/;

/** Field names are constants of this module's callers; anything else is a bug. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Makes untrusted text safe for one line of a notification: each control
 * character (CR, LF, NUL, TAB, ESC ...) and DEL becomes `?`; valid
 * Unicode text stays (bounces are 8bit, as Postfix's with smtputf8_enable).
 */
export function neutralise(text: string): string {
  return printable(text, true);
}

/**
 * `Name: value` as it goes into the notification, lines separated by LF,
 * without a final LF. A value given as several segments is folded between
 * them with a TAB (`Received: by host (Postfix)` / `\tid ...`); with `wrap`,
 * a long value is folded at blanks (79 columns, continuation lines
 * indented by 4 spaces).
 */
export function headerField(name: string, value: string | readonly string[], wrap = false): string {
  if (!FIELD_NAME.test(name)) throw new Error(`bounce: bad header field name: ${JSON.stringify(name)}`);
  if (typeof value !== 'string') {
    const segments = value.map(neutralise).filter((v, i) => i === 0 || !BLANKS.test(v));
    return `${name}: ${segments.join('\n\t')}`;
  }
  const text = `${name}: ${neutralise(value)}`;
  if (!wrap) return text;
  // A continuation line of blanks only (from trailing blanks) could read as the end of the header block.
  return lineWrap(text)
    .filter((line, i) => i === 0 || !BLANKS.test(line))
    .join('\n');
}

/** A paragraph of the human-readable part (`<rcpt>: reason`), neutralised and wrapped the same way. */
export function textParagraph(text: string): string {
  return lineWrap(neutralise(text)).join('\n');
}
