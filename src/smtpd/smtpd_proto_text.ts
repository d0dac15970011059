/**
 * smtpd_proto_text: two text tests the protocol code shares: escape(),
 * which shows client bytes in a log line as C escapes (`\r\n`, `\ooo`), and
 * is_header(), which recognizes a `Name:` header label (a command that looks
 * like a header is a non-SMTP client; PREPEND needs one).
 *
 * Security: escapeText() is how raw client bytes reach a log line
 * See: postfix/src/util/unescape.c (escape), postfix/src/global/is_header.c
 */

/** escape(): C escapes for the log, `\r\n` and `\ooo`. */
export function escapeText(data: Buffer): string {
  let out = '';
  for (const ch of data) {
    if (ch >= 0x20 && ch < 0x7f) out += ch === 0x5c ? '\\\\' : String.fromCharCode(ch);
    else if (ch === 7) out += '\\a';
    else if (ch === 8) out += '\\b';
    else if (ch === 12) out += '\\f';
    else if (ch === 10) out += '\\n';
    else if (ch === 13) out += '\\r';
    else if (ch === 9) out += '\\t';
    else if (ch === 11) out += '\\v';
    else out += `\\${ch.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** is_header(): `Name:` (a word of printable ASCII, optional blanks, then a colon). */
export function isHeader(text: string): boolean {
  let state = 0;
  for (const c of text) {
    if (c === ':') return state !== 0;
    if (c === ' ' || c === '\t') {
      if (state === 0) return false;
      state = 2;
      continue;
    }
    const code = c.charCodeAt(0);
    if (code >= 0x7f || code < 0x20 || state === 2) return false;
    state = 1;
  }
  return false;
}
