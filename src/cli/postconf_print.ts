/**
 * postconf_print: how postconf prints a `name = value` line: every run of
 * whitespace becomes one space, and with -f a line that would reach 80
 * columns continues on the next line, indented by four spaces.
 *
 * See: postfix/src/postconf/postconf_print.c
 */

/** Lines are folded before they reach this many columns (PCF_LINE_LIMIT). */
export const LINE_LIMIT = 80;
/** Continuation lines start with this (PCF_INDENT_TEXT). */
export const INDENT_TEXT = '    ';

const WORDS = /[^ \t\r\n]+/g;

/** pcf_print_line(): `text` with whitespace normalised, folded when `fold`, newline-terminated. */
export function formatLine(text: string, fold: boolean): string {
  let out = '';
  let lineLen = 0;
  for (const [word] of text.matchAll(WORDS)) {
    const wordLen = Buffer.byteLength(word); // Postfix counts bytes
    if (lineLen > 0) {
      if (!fold || lineLen + wordLen < LINE_LIMIT) {
        out += ' ';
        lineLen += 1;
      } else {
        out += `\n${INDENT_TEXT}`;
        lineLen = INDENT_TEXT.length;
      }
    }
    out += word;
    lineLen += wordLen;
  }
  return `${out}\n`;
}
