/**
 * bounce_line_wrap: line_wrap() as bounces use it: text is cut at blanks
 * into lines of at most `len` bytes where possible (a word longer than a
 * line stays whole), trailing blanks are dropped, and every line after the
 * first is indented by `indent` spaces and is `indent` bytes shorter. The
 * human-readable recipient paragraphs and the Remote-MTA and
 * Diagnostic-Code fields are wrapped at 79 columns with an indent of 4.
 *
 * See: postfix/src/util/line_wrap.c, postfix/src/bounce/bounce_notify_util.c (bounce_print_wrap)
 */

/** LENGTH and INDENT of bounce_print_wrap(). */
export const BOUNCE_WRAP_LENGTH = 79;
export const BOUNCE_WRAP_INDENT = 4;

const SPACE = 0x20;
const TAB = 0x09;
const isBlank = (c: number | undefined) => c === SPACE || c === TAB;
/** ISSPACE(): blank, newline, vertical tab, form feed, carriage return. */
const isSpace = (c: number | undefined) => c !== undefined && (c === SPACE || (c >= 0x09 && c <= 0x0d));

/** The wrapped lines, indent included. Lengths count UTF-8 bytes, as Postfix counts chars. */
export function lineWrap(text: string, len = BOUNCE_WRAP_LENGTH, indent = BOUNCE_WRAP_INDENT): string[] {
  const b = Buffer.from(text, 'utf8');
  const out: string[] = [];
  const emit = (start: number, end: number, pad: number) => {
    let e = end;
    while (e > start && isSpace(b[e - 1])) e--;
    out.push(' '.repeat(pad) + b.toString('utf8', start, e));
  };
  let currIndent = indent < 0 ? -indent : 0;
  let currLen = indent < 0 ? len + indent : len;
  let lineStart = 0;
  let word: number | null = 0;
  while (word !== null) {
    let nextSpace: number = word;
    while (nextSpace < b.length && !isBlank(b[nextSpace])) nextSpace++;
    if (word > lineStart && nextSpace - lineStart > currLen) {
      emit(lineStart, word, currIndent);
      while (word < b.length && isSpace(b[word])) word++;
      if (lineStart === 0) {
        currIndent += indent;
        currLen -= indent;
      }
      lineStart = word;
    }
    word = nextSpace < b.length ? nextSpace + 1 : null;
  }
  emit(lineStart, b.length, currIndent);
  return out;
}
