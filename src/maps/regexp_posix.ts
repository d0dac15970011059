/**
 * regexp_posix: parses a POSIX regular expression as glibc's regcomp() does
 * in the C locale (extended syntax, or basic with the `x` flag; GNU's `\w`,
 * `\<`, `\|` extensions included) into a regex_ast tree, with glibc's error
 * texts (`Unmatched ( or \(` ...), which Postfix logs.
 *
 * Diagnostics: RegexSyntaxError with regerror()'s message
 * See: postfix/src/util/dict_regexp.c; glibc posix/regcomp.c; regex(7)
 */
import {
  emptySet,
  literal,
  type Node,
  posixClass,
  RegexSyntaxError,
  setComplement,
  setFoldCase,
  setOf,
  setRange,
  setUnion,
} from './regex_ast.ts';

export interface PosixOptions {
  /** REG_EXTENDED (Postfix's default; the `x` flag turns it off). */
  readonly extended: boolean;
  /** REG_ICASE (Postfix's default; the `i` flag turns it off). */
  readonly icase: boolean;
  /** REG_NEWLINE (the `m` flag): `.` and `[^...]` stop at newlines, `^`/`$` match at them. */
  readonly newline: boolean;
}

export interface PosixRegex {
  readonly node: Node;
  /** re_nsub: the number of capture groups. */
  readonly groups: number;
}

const E = {
  BADRPT: 'Invalid preceding regular expression',
  EBRACE: 'Unmatched \\{',
  BADBR: 'Invalid content of \\{\\}',
  EBRACK: 'Unmatched [, [^, [:, [., or [=',
  EPAREN: 'Unmatched ( or \\(',
  EESCAPE: 'Trailing backslash',
  ESUBREG: 'Invalid back reference',
  ERANGE: 'Invalid range end',
  ECTYPE: 'Invalid character class name',
  ECOLLATE: 'Invalid collation character',
  ESIZE: 'Regular expression too big',
} as const;

/** RE_DUP_MAX in glibc. */
const DUP_MAX = 0x7fff;

const C = (s: string) => s.charCodeAt(0);

/** Parses `pattern` (a binary string: one char per byte). */
export function parsePosix(pattern: string, options: PosixOptions): PosixRegex {
  const ere = options.extended;
  let pos = 0;
  let groups = 0;
  const closed = new Set<number>();
  const peek = (o = 0) => pattern[pos + o];
  const dot = () => {
    const s = setComplement(setOf(0));
    if (options.newline) s[0x0a] = 0;
    return s;
  };
  const word = () => setUnion(setOf(0x5f), posixClass('alnum')!);

  /** Is the text at pos an operator, in this syntax? (`\` forms for BRE) */
  const isOp = (ch: string): boolean => {
    if (ere) return peek() === ch;
    return peek() === '\\' && peek(1) === ch;
  };
  const opLen = ere ? 1 : 2;

  const parseInterval = (): { min: number; max: number } => {
    // pos is after `{` (or `\{`)
    const close = ere ? pattern.indexOf('}', pos) : pattern.indexOf('\\}', pos);
    if (close < 0) throw new RegexSyntaxError(E.EBRACE);
    const body = pattern.slice(pos, close);
    pos = close + opLen;
    const m = /^(\d*)(?:(,)(\d*))?$/.exec(body);
    if (m === null || (m[1] === '' && m[2] === undefined)) throw new RegexSyntaxError(E.BADBR);
    const min = m[1] === '' ? 0 : Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (min > DUP_MAX || (max !== Number.POSITIVE_INFINITY && max > DUP_MAX)) throw new RegexSyntaxError(E.ESIZE);
    if (max < min) throw new RegexSyntaxError(E.BADBR);
    return { min, max };
  };

  const parseBracket = (): Node => {
    // pos is after `[`
    let negate = false;
    if (peek() === '^') {
      negate = true;
      pos++;
    }
    const set = emptySet();
    let first = true;
    /** One element: a byte, or a class (which cannot end a range). */
    const element = (): { code: number } | { cls: 'class' | 'equiv'; set: Uint8Array; code?: number } => {
      const ch = peek();
      if (ch === undefined) throw new RegexSyntaxError(E.EBRACK);
      const kind = peek(1);
      if (ch === '[' && (kind === ':' || kind === '.' || kind === '=')) {
        const end = pattern.indexOf(`${kind}]`, pos + 2);
        if (end < 0) throw new RegexSyntaxError(E.EBRACK);
        const name = pattern.slice(pos + 2, end);
        pos = end + 2;
        if (kind === ':') {
          const cls = name === 'word' || name === 'ascii' ? null : posixClass(name);
          if (cls === null) throw new RegexSyntaxError(E.ECTYPE);
          return { cls: 'class', set: cls };
        }
        if (name.length !== 1) throw new RegexSyntaxError(E.ECOLLATE);
        return kind === '.' ? { code: C(name) } : { cls: 'equiv', set: setOf(C(name)), code: C(name) };
      }
      pos++;
      return { code: C(ch) };
    };
    for (;;) {
      if (peek() === undefined) throw new RegexSyntaxError(E.EBRACK);
      if (peek() === ']' && !first) {
        pos++;
        break;
      }
      first = false;
      const start = element();
      if (peek() === '-' && peek(1) !== ']' && peek(1) !== undefined) {
        pos++;
        const end = element();
        if (!('code' in start) || 'cls' in start || !('code' in end) || 'cls' in end)
          throw new RegexSyntaxError(E.ERANGE);
        if (end.code < start.code) throw new RegexSyntaxError(E.ERANGE);
        setRange(set, start.code, end.code);
      } else if ('cls' in start) {
        setUnion(set, start.set);
      } else {
        set[start.code] = 1;
      }
    }
    if (options.icase) setFoldCase(set);
    if (!negate) return { t: 'set', set };
    const out = setComplement(set);
    out[0] = 0;
    if (options.newline) out[0x0a] = 0;
    return { t: 'set', set: out };
  };

  const parseAlt = (depth: number): Node => {
    const branches = [parseSeq(depth)];
    while (isOp('|')) {
      pos += opLen;
      branches.push(parseSeq(depth));
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', branches };
  };

  const parseSeq = (depth: number): Node => {
    const items: Node[] = [];
    /** Whether the last item can take a quantifier, and whether it already is one (BRE). */
    let last: 'none' | 'anchor' | 'atom' | 'dup' = 'none';
    const atSeqStart = () => items.length === 0;
    for (;;) {
      const ch = peek();
      if (ch === undefined) break;
      if (isOp('|')) break;
      if (isOp(')') && (depth > 0 || !ere)) break;
      // Quantifiers.
      const star = ch === '*';
      const plusQ = ere ? ch === '+' || ch === '?' : ch === '\\' && (peek(1) === '+' || peek(1) === '?');
      const brace = isOp('{');
      if (star || plusQ || brace) {
        const canRepeat = last === 'atom' || last === 'dup';
        if (ere && !canRepeat) throw new RegexSyntaxError(E.BADRPT);
        if (!ere && !canRepeat) {
          // BRE: `*`, `\+` and `\?` with nothing to repeat are ordinary characters.
          if (brace) throw new RegexSyntaxError(E.BADRPT);
          pos += star ? 1 : 2;
          items.push(literal(pattern.charCodeAt(pos - 1), options.icase));
          last = 'atom';
          continue;
        }
        if (!ere && last === 'dup' && (star || brace)) throw new RegexSyntaxError(E.BADRPT);
        let min = 0;
        let max = Number.POSITIVE_INFINITY;
        if (star) pos++;
        else if (brace) {
          pos += opLen;
          ({ min, max } = parseInterval());
        } else {
          const op = ere ? ch : peek(1);
          pos += opLen;
          if (op === '+') min = 1;
          else max = 1;
        }
        const body = items.pop()!;
        items.push({ t: 'repeat', body, min, max, lazy: false });
        last = 'dup';
        continue;
      }
      const node = parseAtom(depth, atSeqStart());
      if (node === null) continue;
      items.push(node);
      last = node.t === 'anchor' ? 'anchor' : 'atom';
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  };

  /** One atom; null for nothing (never happens for valid input). */
  const parseAtom = (depth: number, seqStart: boolean): Node | null => {
    const ch = pattern[pos]!;
    if (ere ? ch === '(' : ch === '\\' && peek(1) === '(') {
      pos += opLen;
      const index = ++groups;
      const body = parseAlt(depth + 1);
      if (!isOp(')')) throw new RegexSyntaxError(E.EPAREN);
      pos += opLen;
      closed.add(index);
      return { t: 'group', capture: index, body };
    }
    if (ch === '[') {
      pos++;
      return parseBracket();
    }
    if (ch === '.') {
      pos++;
      return { t: 'set', set: dot() };
    }
    if (ch === '^' && (ere || seqStart)) {
      pos++;
      return { t: 'anchor', kind: options.newline ? 'line_start_posix' : 'start' };
    }
    if (ch === '$') {
      const atEnd =
        pos + 1 === pattern.length ||
        (!ere && (pattern.startsWith('\\)', pos + 1) || pattern.startsWith('\\|', pos + 1)));
      if (ere || atEnd) {
        pos++;
        return { t: 'anchor', kind: options.newline ? 'line_end' : 'end' };
      }
    }
    if (ch === '\\') {
      const next = peek(1);
      if (next === undefined) throw new RegexSyntaxError(E.EESCAPE);
      pos += 2;
      if (next >= '1' && next <= '9') {
        const k = C(next) - 0x30;
        if (!closed.has(k)) throw new RegexSyntaxError(E.ESUBREG);
        return { t: 'backref', group: k };
      }
      switch (next) {
        case 'w':
          return { t: 'set', set: word() };
        case 'W':
          return { t: 'set', set: setComplement(word()) };
        case 's':
          return { t: 'set', set: posixClass('space')! };
        case 'S':
          return { t: 'set', set: setComplement(posixClass('space')!) };
        case 'b':
          return { t: 'anchor', kind: 'word_boundary' };
        case 'B':
          return { t: 'anchor', kind: 'not_word_boundary' };
        case '<':
          return { t: 'anchor', kind: 'word_start' };
        case '>':
          return { t: 'anchor', kind: 'word_end' };
        case '`':
          return { t: 'anchor', kind: 'start' };
        case "'":
          return { t: 'anchor', kind: 'end' };
        default:
          return literal(C(next), options.icase);
      }
    }
    pos++;
    return literal(C(ch), options.icase);
  };

  const node = parseAlt(0);
  // Only BRE's `\)` without `\(` stops the top level early (ERE takes a lone `)` literally).
  if (pos < pattern.length) throw new RegexSyntaxError('Unmatched ) or \\)');
  return { node, groups };
}
