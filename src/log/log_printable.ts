/**
 * log_printable: makes untrusted text safe for one log record. Like Postfix's
 * msg(3), every non-printable character becomes `?`, so a CR, LF or other
 * control character can never end a record early or forge a second one; then
 * a record is cut to Postfix's 2000-byte limit.
 *
 * Parameters: smtputf8_enable (decides whether valid non-ASCII text is printable)
 * Security: handles text from clients, headers and DNS; returns only printable text
 * See: postfix/src/util/printable.c, postfix/src/util/msg_output.c (msg_vprintf),
 *      postfix/src/util/msg_logger.c (MSG_LOGGER_RECLEN), postfix/src/util/msg_syslog.c
 */

/** Postfix's MSG_LOGGER_RECLEN and MSG_SYSLOG_RECLEN: bytes of text kept per record. */
export const LOG_RECORD_LIMIT = 2000;

const ALL_PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** How many bytes a code point takes in UTF-8 (a lone surrogate is written as U+FFFD). */
function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/**
 * Replaces each non-printable character with `?`, as printable(text, '?')
 * does. ASCII controls (CR, LF, TAB, NUL, ESC ...) and DEL are never printable.
 * With smtputf8_enable = yes (the default) other Unicode characters stay, as
 * Postfix keeps valid UTF-8; a lone surrogate, which has no UTF-8 form, is
 * replaced. With smtputf8_enable = no every byte of a non-ASCII character
 * becomes `?`, as Postfix's byte-wise test does.
 */
export function printable(text: string, smtputf8_enable = true): string {
  if (ALL_PRINTABLE_ASCII.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      out += text[i];
    } else if (c < 0x80) {
      out += '?';
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += smtputf8_enable ? text.slice(i, i + 2) : '????';
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += smtputf8_enable ? '?' : '???';
    } else {
      out += smtputf8_enable ? text[i] : '?'.repeat(utf8Length(c));
    }
  }
  return out;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Cuts text to LOG_RECORD_LIMIT bytes of UTF-8, as `%.2000s` does, but never
 * inside a character (Postfix would write the partial bytes).
 */
export function truncateRecord(text: string, limit = LOG_RECORD_LIMIT): string {
  // A UTF-16 unit is at most 3 bytes of UTF-8, so short texts need no count.
  if (text.length * 3 <= limit) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  let end = limit;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
