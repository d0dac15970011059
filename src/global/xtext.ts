/**
 * xtext: the encodings of DSN parameter values on SMTP command lines:
 * xtext (RFC 3461: `+HH` for `+`, `=`, and anything outside `!`..`~`) for
 * ENVID and ORCPT, and unitext-style uxtext (RFC 6533: `\x{HEX}` for
 * non-ASCII and specials) for `utf-8;` ORCPT values. The smtp
 * client encodes, smtpd decodes; shared so both agree byte for byte.
 *
 * Security: a decoded value never holds a control character unless the
 *   caller allows it; encoded output is printable ASCII without SP, so it
 *   cannot break a command line
 * Standards: RFC 3461 section 4, RFC 6533 section 3
 * See: postfix/src/global/xtext.c, postfix/src/global/uxtext.c
 */

/** xtext_quote(): `special` characters and anything outside `!`..`~` become `+HH`. */
export function xtextEncode(value: string, special = '+='): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte <= 32 || byte >= 127 || special.includes(ch)) {
      out += `+${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** xtext_unquote(): null for a malformed `+` sequence. */
export function xtextDecode(text: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (text[i] === '+') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (code > 127) {
      return null;
    } else {
      bytes.push(code);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * uxtext_quote() (7-bit form): backslash, `special`, controls, SP, DEL and every
 * non-ASCII code point become `\x{HEX}` (at least two hex digits); null when
 * the value is not valid UTF-8 text (a lone surrogate).
 */
export function uxtextEncode(value: string, special = '+='): string | null {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) return null;
    if (ch !== '\\' && cp > 32 && cp < 127 && !special.includes(ch)) out += ch;
    else out += `\\x{${cp.toString(16).toUpperCase().padStart(2, '0')}}`;
  }
  return out;
}
