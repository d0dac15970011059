/**
 * config_split: Postfix's list tokenizer. Splits a parameter value or table
 * argument on commas and whitespace, keeping `{ ... }` groups whole, and
 * strips the braces of one group.
 *
 * See: postfix/src/util/mystrtok.c (mystrtokq), postfix/src/util/extpar.c
 */

/** List separators for main.cf lists (CHARS_COMMA_SP). */
export const CHARS_COMMA_SP = ', \t\r\n';
/** Word separators (CHARS_SPACE). */
export const CHARS_SPACE = ' \t\r\n';

/** Splits `text` into tokens separated by any of `seps`; a `{...}` group never splits. */
export function splitQuoted(text: string, seps: string = CHARS_COMMA_SP): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && seps.includes(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let level = 0;
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === '{') level++;
      else if (level > 0 && ch === '}') level--;
      else if (level === 0 && seps.includes(ch)) break;
    }
    tokens.push(text.slice(start, i));
    i++;
  }
  return tokens;
}

/** Length of the balanced `{...}` group at the start of `text`, or 0 if it never closes. */
function balancedLength(text: string): number {
  let level = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') level++;
    else if (text[i] === '}' && --level === 0) return i + 1;
  }
  return 0;
}

export type Extracted = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

/**
 * Removes the outer braces of `{ text }` and the whitespace inside them, as
 * extpar(..., EXTPAR_FLAG_STRIP) does, or says what is wrong with Postfix's words.
 */
export function extractBraced(text: string): Extracted {
  if (!text.startsWith('{')) return { ok: false, error: `no '{' at start of text in "${text}"` };
  const len = balancedLength(text);
  if (len === 0) return { ok: false, error: `missing '}' in "${text}"` };
  if (len !== text.length) return { ok: false, error: `syntax error after '}' in "${text}"` };
  return { ok: true, value: text.slice(1, len - 1).trim() };
}

/** A list token with its braces removed when it is a `{...}` group; text as is otherwise. */
export function unbrace(token: string): string {
  if (!token.startsWith('{')) return token;
  const r = extractBraced(token);
  return r.ok ? r.value : token;
}
