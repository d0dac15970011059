/**
 * smtpd_token: splits an SMTP command line into words, as Postfix does:
 * white space separates, except inside `<...>` and `"..."` (which nest,
 * quotes taking precedence) and after a backslash; `from:` and `to:` end a
 * word of their own, so `MAIL FROM:<a@b>` is `MAIL`, `FROM:`, `<a@b>`. A
 * quote or bracket left open makes the word an error token.
 *
 * Security: runs on every client command line (at most line_length_limit
 *   bytes); linear in the input, no recursion
 * See: postfix/src/smtpd/smtpd_token.c
 */

export interface SmtpdToken {
  /** The word, quotes and brackets kept (the address parser needs them). */
  readonly text: string;
  /** True when a quote or `<` was not closed. */
  readonly error: boolean;
}

/** Reads a quoted or bracketed run starting after `start`; returns the index after it. */
function quoted(line: string, i: number, start: string, last: string, out: { text: string; error: boolean }): number {
  const stack: string[] = [last];
  out.text += start;
  while (i < line.length) {
    const c = line[i++]!;
    out.text += c;
    if (c === '\\') {
      if (i >= line.length) break;
      out.text += line[i++];
    } else if (c === stack[stack.length - 1]) {
      if (stack.length === 1) return i;
      stack.pop();
    } else if (c === '"') {
      stack.push('"');
    } else if (c === '<' && stack[stack.length - 1] === '>') {
      stack.push('>');
    }
  }
  out.error = true;
  return i;
}

const SPACE = /[ \t\n\v\f\r]/;

/** The words of `line`; an empty array for a line of white space only. */
export function smtpdToken(line: string): SmtpdToken[] {
  const tokens: SmtpdToken[] = [];
  let i = 0;
  for (;;) {
    const tok = { text: '', error: false };
    while (i < line.length) {
      const c = line[i++]!;
      if (SPACE.test(c)) {
        while (i < line.length && SPACE.test(line[i]!)) i++;
        if (tok.text.length > 0) break;
      } else if (c === '<') {
        i = quoted(line, i, c, '>', tok);
      } else if (c === '"') {
        i = quoted(line, i, c, c, tok);
      } else if (c === ':') {
        tok.text += c;
        const lower = tok.text.toLowerCase();
        if ('to:'.startsWith(lower) || 'from:'.startsWith(lower)) break;
      } else {
        if (c === '\\') {
          tok.text += c;
          if (i >= line.length) break;
          tok.text += line[i++];
        } else {
          tok.text += c;
        }
      }
    }
    if (tok.text.length === 0) return tokens;
    tokens.push(tok);
  }
}
