/**
 * tok822: Postfix's RFC 822 tokenizer, the flat form postalias uses to read
 * `name: value, value` lines: atoms, quoted strings, comments, domain
 * literals and operator characters, and the two ways back to text (internal:
 * quotes removed; external: quoted where needed, `, ` between elements).
 * Address-tree parsing (tok822_parse) is not needed here and not provided.
 *
 * See: postfix/src/global/tok822_parse.c, postfix/src/global/tok822_find.c
 */

export type Tok822 =
  | { readonly type: 'atom' | 'qstring' | 'comment' | 'domlit'; readonly text: string }
  | { readonly type: 'op'; readonly text: string };

/** Operator characters: `|%!` and RFC 822 specials. */
const OPCHARS = '|%!()<>@,;:\\".[]';

const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isCntrl = (ch: string) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127;

/** tok822_scan(): the tokens of `text`. */
export function tok822Scan(text: string): Tok822[] {
  const tokens: Tok822[] = [];
  let i = 0;
  /** COLLECT: characters while `cond`, a backslash protecting the next; whitespace becomes a space. */
  const collect = (cond: (ch: string) => boolean): string => {
    let out = '';
    while (i < text.length) {
      let ch = text[i]!;
      if (ch === '\\') {
        if (++i >= text.length) break;
        ch = text[i]!;
      } else if (!cond(ch)) break;
      out += isSpace(ch) ? ' ' : ch;
      i++;
    }
    return out;
  };
  while (i < text.length) {
    const ch = text[i++]!;
    if (isSpace(ch)) continue;
    if (ch === '(') {
      let level = 1;
      let out = '(';
      while (i < text.length) {
        const c = text[i++]!;
        out += c;
        if (c === '(') level++;
        else if (c === ')') {
          if (--level === 0) break;
        } else if (c === '\\') {
          if (i >= text.length) break;
          out += text[i++];
        }
      }
      tokens.push({ type: 'comment', text: out });
    } else if (ch === '[') {
      tokens.push({ type: 'domlit', text: collect((c) => c !== ']') });
      if (i < text.length) i++;
    } else if (ch === '"') {
      tokens.push({ type: 'qstring', text: collect((c) => c !== '"') });
      if (i < text.length) i++;
    } else if (ch !== '\\' && OPCHARS.includes(ch)) {
      tokens.push({ type: 'op', text: ch });
    } else {
      i--;
      const atom = collect((c) => !isSpace(c) && !OPCHARS.includes(c));
      // An atom that picked up special characters through backslashes becomes a quoted string.
      const quoted = [...atom].some((c) => c === ' ' || isCntrl(c) || OPCHARS.includes(c));
      tokens.push({ type: quoted ? 'qstring' : 'atom', text: atom });
    }
  }
  return tokens;
}

const nonOperator = (t: Tok822) => t.type !== 'op';

/** tok822_append_space(): whether a space follows token `i`. */
function spaceAfter(tokens: readonly Tok822[], i: number): boolean {
  const t = tokens[i]!;
  const next = tokens[i + 1];
  if (next === undefined) return false;
  if ((t.type === 'op' && t.text === ',') || (next.type === 'op' && next.text === '<')) return true;
  return nonOperator(t) && nonOperator(next);
}

/** tok822_internalize(): quoted strings without their quotes. */
export function tok822Internalize(tokens: readonly Tok822[]): string {
  let out = '';
  tokens.forEach((t, i) => {
    out += t.type === 'domlit' ? `[${t.text}]` : t.text;
    if (spaceAfter(tokens, i)) out += ' ';
  });
  return out;
}

/** tok822_externalize(): quoted strings re-quoted, `, ` after commas. */
export function tok822Externalize(tokens: readonly Tok822[]): string {
  let out = '';
  tokens.forEach((t, i) => {
    if (t.type === 'op' && t.text === ',') {
      out += ', ';
      return;
    }
    if (t.type === 'qstring') out += `"${t.text.replace(/["\\\r\n]/g, (c) => `\\${c}`)}"`;
    else if (t.type === 'domlit') out += `[${t.text.replace(/[\\\r\n]/g, (c) => `\\${c}`)}]`;
    else out += t.text;
    if (spaceAfter(tokens, i)) out += ' ';
  });
  return out;
}
