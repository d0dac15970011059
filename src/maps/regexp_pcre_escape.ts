/**
 * regexp_pcre_escape: PCRE2's backslash escapes and character classes, as
 * pcre2_compile() reads them without the UTF option (one byte per
 * character, C-locale tables): `\d \s \w \h \v`, `\x{..}`, octal, `\cX`,
 * `\p{..}` over code points 0-255, and `[...]` with POSIX classes.
 *
 * Diagnostics: RegexSyntaxError with PCRE2's text and offset;
 *   RegexUntranslatableError for `\K`, `\X` and subroutine calls
 * See: PCRE2 pcre2pattern(3), pcre2_compile.c
 */
import {
  type ByteSet,
  emptySet,
  posixClass,
  RegexSyntaxError,
  RegexUntranslatableError,
  setComplement,
  setFoldCase,
  setOf,
  setRange,
  setUnion,
} from './regex_ast.ts';

export interface Cursor {
  readonly src: string;
  pos: number;
}

export type Escape =
  | { readonly kind: 'char'; readonly code: number }
  | { readonly kind: 'set'; readonly set: ByteSet }
  | { readonly kind: 'anchor'; readonly name: 'A' | 'z' | 'Z' | 'G' | 'b' | 'B' }
  | { readonly kind: 'newline' }
  | { readonly kind: 'backref'; readonly ref: number | string; readonly relative: boolean; readonly at: number }
  | { readonly kind: 'quote' }
  | { readonly kind: 'endquote' };

const code = (ch: string | undefined) => (ch === undefined ? -1 : ch.charCodeAt(0));
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
const isOctal = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '7';
const isHex = (ch: string | undefined) => ch !== undefined && /^[0-9a-fA-F]$/.test(ch);

const SPACE = () => setRange(setOf(0x20), 0x09, 0x0d);
const WORD = () => setUnion(setOf(0x5f), posixClass('alnum')!);
const HSPACE = () => setOf(0x09, 0x20, 0xa0);
const VSPACE = () => setOf(0x0a, 0x0b, 0x0c, 0x0d, 0x85);
const DIGIT = () => setRange(emptySet(), 0x30, 0x39);

/** `\p{Name}` over the code points 0-255, using JavaScript's Unicode tables. */
function property(name: string, at: number): ByteSet {
  let negate = false;
  let n = name;
  if (n.startsWith('^')) {
    negate = true;
    n = n.slice(1);
  }
  let test: RegExp | null = null;
  if (n === 'Any') test = /[\s\S]/u;
  else if (n === 'L&') test = /[\p{Lu}\p{Ll}\p{Lt}]/u;
  else if (/^X/.test(n)) throw new RegexUntranslatableError(`PCRE special property \\p{${n}}`);
  else {
    for (const candidate of [`\\p{${n}}`, `\\p{Script=${n}}`]) {
      try {
        test = new RegExp(candidate, 'u');
        break;
      } catch {
        // not this kind of property name
      }
    }
  }
  if (test === null) throw new RegexSyntaxError('unknown property after \\P or \\p', at);
  const set = emptySet();
  for (let c = 0; c < 256; c++) if (test.test(String.fromCharCode(c))) set[c] = 1;
  return negate ? setComplement(set) : set;
}

function readProperty(c: Cursor, negate: boolean): ByteSet {
  let name: string;
  if (c.src[c.pos] === '{') {
    const end = c.src.indexOf('}', c.pos);
    if (end < 0) throw new RegexSyntaxError('malformed \\P or \\p sequence', c.pos);
    name = c.src.slice(c.pos + 1, end);
    c.pos = end + 1;
  } else {
    name = c.src[c.pos] ?? '';
    c.pos++;
  }
  const set = property(name, c.pos);
  return negate ? setComplement(set) : set;
}

/** Reads a `{...}`, `<...>` or `'...'` delimited name or number at the cursor. */
function delimited(c: Cursor): string | null {
  const open = c.src[c.pos];
  const close = open === '{' ? '}' : open === '<' ? '>' : open === "'" ? "'" : null;
  if (close === null) return null;
  const end = c.src.indexOf(close, c.pos + 1);
  if (end < 0) throw new RegexSyntaxError('syntax error in subpattern name (missing terminator?)', c.src.length);
  const text = c.src.slice(c.pos + 1, end);
  c.pos = end + 1;
  return text;
}

/** Reads one escape; the cursor is on the character after the backslash. */
export function parseEscape(c: Cursor, inClass: boolean, totalGroups: number): Escape {
  const start = c.pos;
  const ch = c.src[c.pos];
  if (ch === undefined) throw new RegexSyntaxError('\\ at end of pattern', c.src.length);
  c.pos++;
  const invalidInClass = () => new RegexSyntaxError('escape sequence is invalid in character class', c.pos - 1);
  switch (ch) {
    case 'a':
      return { kind: 'char', code: 7 };
    case 'e':
      return { kind: 'char', code: 27 };
    case 'f':
      return { kind: 'char', code: 12 };
    case 'n':
      return { kind: 'char', code: 10 };
    case 'r':
      return { kind: 'char', code: 13 };
    case 't':
      return { kind: 'char', code: 9 };
    case 'd':
      return { kind: 'set', set: DIGIT() };
    case 'D':
      return { kind: 'set', set: setComplement(DIGIT()) };
    case 's':
      return { kind: 'set', set: SPACE() };
    case 'S':
      return { kind: 'set', set: setComplement(SPACE()) };
    case 'w':
      return { kind: 'set', set: WORD() };
    case 'W':
      return { kind: 'set', set: setComplement(WORD()) };
    case 'h':
      return { kind: 'set', set: HSPACE() };
    case 'H':
      return { kind: 'set', set: setComplement(HSPACE()) };
    case 'v':
      return { kind: 'set', set: VSPACE() };
    case 'V':
      return { kind: 'set', set: setComplement(VSPACE()) };
    case 'C':
      if (inClass) throw invalidInClass();
      return { kind: 'set', set: setComplement(emptySet()) };
    case 'p':
    case 'P':
      return { kind: 'set', set: readProperty(c, ch === 'P') };
    case 'b':
      return inClass ? { kind: 'char', code: 8 } : { kind: 'anchor', name: 'b' };
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
      if (inClass) throw invalidInClass();
      return { kind: 'anchor', name: ch };
    case 'R':
      if (inClass) throw invalidInClass();
      return { kind: 'newline' };
    case 'X':
      if (inClass) throw invalidInClass();
      throw new RegexUntranslatableError('\\X (extended grapheme cluster)');
    case 'K':
      if (inClass) throw invalidInClass();
      throw new RegexUntranslatableError('\\K (reset match start)');
    case 'N':
      if (c.src.startsWith('{U+', c.pos))
        throw new RegexSyntaxError('\\N{U+dddd} is supported only in Unicode (UTF) mode', c.pos);
      if (c.src[c.pos] === '{' && !/^\{\d+(,\d*)?\}/.test(c.src.slice(c.pos)))
        throw new RegexSyntaxError('PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u', c.pos);
      if (inClass) throw new RegexSyntaxError('\\N is not supported in a class', c.pos);
      return { kind: 'set', set: setComplement(setOf(10)) };
    case 'Q':
      return { kind: 'quote' };
    case 'E':
      return { kind: 'endquote' };
    case 'F':
    case 'L':
    case 'l':
    case 'U':
    case 'u':
      throw new RegexSyntaxError('PCRE2 does not support \\F, \\L, \\l, \\N{name}, \\U, or \\u', c.pos);
    case 'c': {
      const next = c.src[c.pos];
      if (next === undefined) throw new RegexSyntaxError('\\c at end of pattern', c.pos);
      if (code(next) < 32 || code(next) > 126)
        throw new RegexSyntaxError('\\c must be followed by a printable ASCII character', c.pos);
      c.pos++;
      return { kind: 'char', code: code(next.toUpperCase()) ^ 0x40 };
    }
    case 'x': {
      if (c.src[c.pos] === '{') {
        const end = c.src.indexOf('}', c.pos);
        const digits = end < 0 ? '' : c.src.slice(c.pos + 1, end);
        if (end >= 0 && /^[0-9a-fA-F]+$/.test(digits)) {
          c.pos = end + 1;
          const value = Number.parseInt(digits, 16);
          if (value > 0xff)
            throw new RegexSyntaxError('character code point value in \\x{} or \\o{} is too large', end);
          return { kind: 'char', code: value };
        }
      }
      let digits = '';
      while (digits.length < 2 && isHex(c.src[c.pos])) digits += c.src[c.pos++];
      return { kind: 'char', code: digits === '' ? 0 : Number.parseInt(digits, 16) };
    }
    case 'o': {
      const text = delimited(c);
      if (text === null || !/^[0-7]+$/.test(text)) throw new RegexSyntaxError('missing opening brace after \\o', c.pos);
      const value = Number.parseInt(text, 8);
      if (value > 0xff)
        throw new RegexSyntaxError('character code point value in \\x{} or \\o{} is too large', c.pos - 1);
      return { kind: 'char', code: value };
    }
    case 'g': {
      if (inClass) throw invalidInClass();
      const open = c.src[c.pos];
      if (open === '<' || open === "'") throw new RegexUntranslatableError('\\g<...> subroutine call');
      const text = open === '{' ? delimited(c)! : (/^[+-]?\d+/.exec(c.src.slice(c.pos))?.[0] ?? '');
      if (open !== '{') c.pos += text.length;
      if (text === '') throw new RegexSyntaxError('a numbered reference must not be zero', c.pos);
      if (/^[+-]?\d+$/.test(text))
        return { kind: 'backref', ref: Number(text), relative: /^[+-]/.test(text), at: c.pos - 1 };
      return { kind: 'backref', ref: text, relative: false, at: c.pos - 1 };
    }
    case 'k': {
      if (inClass) throw invalidInClass();
      const name = delimited(c);
      if (name === null)
        throw new RegexSyntaxError('\\k is not followed by a braced, angle-bracketed, or quoted name', c.pos);
      return { kind: 'backref', ref: name, relative: false, at: start + 2 };
    }
    default:
      break;
  }
  if (ch === '0' || (inClass && isOctal(ch))) {
    let digits = ch;
    while (digits.length < 3 && isOctal(c.src[c.pos])) digits += c.src[c.pos++];
    return octal(digits, c.pos);
  }
  if (isDigit(ch)) {
    if (inClass) return { kind: 'char', code: code(ch) };
    let digits = ch;
    while (isDigit(c.src[c.pos])) digits += c.src[c.pos++];
    const n = Number(digits);
    if (n < 10 || ch === '8' || ch === '9' || n <= totalGroups)
      return { kind: 'backref', ref: n, relative: false, at: c.pos - 1 };
    c.pos = start;
    digits = '';
    while (digits.length < 3 && isOctal(c.src[c.pos])) digits += c.src[c.pos++];
    return octal(digits, c.pos);
  }
  if (/[A-Za-z]/.test(ch)) throw new RegexSyntaxError('unrecognized character follows \\', start);
  return { kind: 'char', code: code(ch) };
}

function octal(digits: string, end: number): Escape {
  const value = Number.parseInt(digits, 8);
  if (value > 0xff) throw new RegexSyntaxError('octal value is greater than \\377 in 8-bit non-UTF-8 mode', end);
  return { kind: 'char', code: value };
}

/** Reads `[...]`; the cursor is after `[`. `xx` ignores spaces and tabs inside, as (?xx) does. */
export function parsePcreClass(c: Cursor, caseless: boolean, xx: boolean): ByteSet {
  let negate = false;
  if (c.src[c.pos] === '^') {
    negate = true;
    c.pos++;
  }
  const set = emptySet();
  let first = true;
  let quoting = false;
  const missing = () => new RegexSyntaxError('missing terminating ] for character class', c.src.length);
  /** One member: a byte, a set, or null when the text was only \Q/\E. */
  const member = (): { code: number } | { set: ByteSet; at: number } | null => {
    const ch = c.src[c.pos];
    if (ch === undefined) throw missing();
    if (quoting) {
      if (ch === '\\' && c.src[c.pos + 1] === 'E') {
        c.pos += 2;
        quoting = false;
        return null;
      }
      c.pos++;
      return { code: code(ch) };
    }
    if (ch === '[' && /^\[([:.=])/.test(c.src.slice(c.pos))) {
      const kind = c.src[c.pos + 1]!;
      const end = c.src.indexOf(`${kind}]`, c.pos + 2);
      if (end >= 0) {
        if (kind !== ':') throw new RegexSyntaxError('POSIX collating elements are not supported', c.pos);
        let name = c.src.slice(c.pos + 2, end);
        const at = c.pos;
        const neg = name.startsWith('^');
        if (neg) name = name.slice(1);
        const cls = posixClass(name);
        if (cls === null) throw new RegexSyntaxError('unknown POSIX class name', c.pos + 2);
        c.pos = end + 2;
        return { set: neg ? setComplement(cls) : cls, at };
      }
    }
    c.pos++;
    if (ch !== '\\') return { code: code(ch) };
    const at = c.pos - 1;
    const e = parseEscape(c, true, 0);
    if (e.kind === 'quote') {
      quoting = true;
      return null;
    }
    if (e.kind === 'endquote') return null;
    if (e.kind === 'char') return { code: e.code };
    if (e.kind === 'set') return { set: e.set, at };
    throw new RegexSyntaxError('escape sequence is invalid in character class', c.pos - 1);
  };
  for (;;) {
    const ch = c.src[c.pos];
    if (ch === undefined) throw missing();
    if (!quoting && xx && (ch === ' ' || ch === '\t')) {
      c.pos++;
      continue;
    }
    if (!quoting && ch === ']' && !first) {
      c.pos++;
      break;
    }
    first = false;
    const from = member();
    if (from === null) continue;
    if (!quoting && c.src[c.pos] === '-' && c.src[c.pos + 1] !== ']' && c.src[c.pos + 1] !== undefined) {
      const dash = c.pos;
      c.pos++;
      const to = member();
      if ('set' in from) throw new RegexSyntaxError('invalid range in character class', dash);
      if (to === null) {
        set[from.code] = 1;
        set[0x2d] = 1;
        continue;
      }
      if ('set' in to) throw new RegexSyntaxError('invalid range in character class', to.at + 1);
      if (to.code < from.code) throw new RegexSyntaxError('range out of order in character class', c.pos - 1);
      setRange(set, from.code, to.code);
      continue;
    }
    if ('set' in from) setUnion(set, from.set);
    else set[from.code] = 1;
  }
  if (caseless) setFoldCase(set);
  return negate ? setComplement(set) : set;
}
