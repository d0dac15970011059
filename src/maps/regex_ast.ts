/**
 * regex_ast: the parsed form of a POSIX or PCRE pattern that the two parsers
 * produce and one emitter turns into a JavaScript RegExp. Matching is on
 * bytes, as Postfix's C libraries match in the C locale: a subject is given
 * as a "binary string" (one char per byte, see toBytes), every character
 * class is a set of bytes, and case-insensitivity is resolved at parse time
 * by adding the other ASCII case, so no JavaScript flag changes the meaning.
 *
 * Diagnostics: unsafeCaptures() names constructs whose captures JavaScript
 *   reports differently (a capture reset by a later repetition, a reference
 *   to a group that may be unset)
 */

/** A set of bytes (0-255). */
export type ByteSet = Uint8Array;

export type Anchor =
  | 'start' // start of subject
  | 'end' // end of subject
  | 'end_nl' // end, or before a final newline (PCRE `$`, `\Z`)
  | 'line_start' // after any newline too (PCRE multiline `^`: not after a final newline)
  | 'line_start_posix' // after any newline too (REG_NEWLINE `^`)
  | 'line_end' // before any newline too
  | 'word_boundary'
  | 'not_word_boundary'
  | 'word_start' // GNU `\<`
  | 'word_end'; // GNU `\>`

export type Node =
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly branches: readonly Node[] }
  | { readonly t: 'set'; readonly set: ByteSet }
  | { readonly t: 'group'; readonly capture: number | null; readonly body: Node }
  | { readonly t: 'repeat'; readonly body: Node; readonly min: number; readonly max: number; readonly lazy: boolean }
  | { readonly t: 'anchor'; readonly kind: Anchor }
  | { readonly t: 'look'; readonly behind: boolean; readonly negate: boolean; readonly body: Node }
  | { readonly t: 'backref'; readonly group: number };

/** A pattern that cannot be compiled: the library's message and, for PCRE, the offset it names. */
export class RegexSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset = 0) {
    super(message);
    this.name = 'RegexSyntaxError';
    this.offset = offset;
  }
}

/** A valid pattern that affix refuses because JavaScript would give other results. */
export class RegexUntranslatableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexUntranslatableError';
  }
}

export const emptySet = (): ByteSet => new Uint8Array(256);

export function setOf(...codes: number[]): ByteSet {
  const s = emptySet();
  for (const c of codes) s[c] = 1;
  return s;
}

export function setRange(set: ByteSet, from: number, to: number): ByteSet {
  for (let c = from; c <= to; c++) set[c] = 1;
  return set;
}

export function setUnion(into: ByteSet, from: ByteSet): ByteSet {
  for (let c = 0; c < 256; c++) if (from[c]) into[c] = 1;
  return into;
}

export function setComplement(set: ByteSet): ByteSet {
  const out = emptySet();
  for (let c = 0; c < 256; c++) out[c] = set[c] ? 0 : 1;
  return out;
}

/** Adds the other case of every ASCII letter in the set. */
export function setFoldCase(set: ByteSet): ByteSet {
  for (let c = 0x41; c <= 0x5a; c++) {
    if (set[c] || set[c + 32]) {
      set[c] = 1;
      set[c + 32] = 1;
    }
  }
  return set;
}

/** The POSIX classes of the C locale, as byte sets. */
export function posixClass(name: string): ByteSet | null {
  const s = emptySet();
  switch (name) {
    case 'alpha':
      return setRange(setRange(s, 0x41, 0x5a), 0x61, 0x7a);
    case 'digit':
      return setRange(s, 0x30, 0x39);
    case 'alnum':
      return setRange(setRange(setRange(s, 0x30, 0x39), 0x41, 0x5a), 0x61, 0x7a);
    case 'upper':
      return setRange(s, 0x41, 0x5a);
    case 'lower':
      return setRange(s, 0x61, 0x7a);
    case 'space':
      return setRange(setOf(0x20), 0x09, 0x0d);
    case 'blank':
      return setOf(0x20, 0x09);
    case 'punct':
      return setRange(setRange(setRange(setRange(s, 0x21, 0x2f), 0x3a, 0x40), 0x5b, 0x60), 0x7b, 0x7e);
    case 'print':
      return setRange(s, 0x20, 0x7e);
    case 'graph':
      return setRange(s, 0x21, 0x7e);
    case 'cntrl':
      return setRange(setOf(0x7f), 0x00, 0x1f);
    case 'xdigit':
      return setRange(setRange(setRange(s, 0x30, 0x39), 0x41, 0x46), 0x61, 0x66);
    case 'word':
      return setUnion(setOf(0x5f), posixClass('alnum')!);
    case 'ascii':
      return setRange(s, 0x00, 0x7f);
    default:
      return null;
  }
}

/** A literal byte, with its other ASCII case when matching ignores case. */
export function literal(code: number, icase: boolean): Node {
  const set = setOf(code);
  return { t: 'set', set: icase ? setFoldCase(set) : set };
}

/** The text encoding the parsers and the matcher work on: one char per byte of the UTF-8 form. */
export function toBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Back from bytes to text. */
export function fromBytes(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
