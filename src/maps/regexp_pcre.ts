/**
 * regexp_pcre: parses a Perl-compatible pattern as PCRE2 does for Postfix's
 * pcre: tables (no UTF option: one byte per character) into a regex_ast
 * tree, honouring the table flags and inline options (?imnsxU). Constructs
 * JavaScript cannot express with the same meaning are refused rather than
 * approximated: atomic groups, possessive quantifiers, recursion and
 * subroutine calls, conditionals, backtracking verbs, callouts, \K, \X,
 * branch reset with captures. Near 500 lines: one recursive-descent parser
 * whose methods call each other (escapes and classes are in regexp_pcre_escape.ts).
 *
 * Diagnostics: RegexSyntaxError with PCRE2's text and offset (Postfix warns
 *   `error in regex at offset N: TEXT` and skips the rule);
 *   RegexUntranslatableError naming the refused construct
 * See: postfix/src/util/dict_pcre.c; PCRE2 pcre2pattern(3)
 */
import {
  type Anchor,
  literal,
  type Node,
  RegexSyntaxError,
  RegexUntranslatableError,
  setComplement,
  setOf,
} from './regex_ast.ts';
import { type Cursor, parseEscape, parsePcreClass } from './regexp_pcre_escape.ts';

export interface PcreOptions {
  readonly caseless: boolean;
  readonly multiline: boolean;
  readonly dotall: boolean;
  readonly extended: boolean;
  readonly dollarEndOnly: boolean;
  readonly ungreedy: boolean;
}

export interface PcreRegex {
  readonly node: Node;
  readonly groups: number;
  /** Some back-reference must match ignoring case (JavaScript cannot, byte-wise). */
  readonly caselessBackref: boolean;
}

interface Opts {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  xx: boolean;
  n: boolean;
  U: boolean;
  J: boolean;
}

const QUANT_ERROR = 'quantifier does not follow a repeatable item';

/** What one step of the parser read. `spread`: a \Q...\E run whose characters join the sequence. */
interface Atom {
  readonly node: Node | null;
  readonly repeatable: boolean;
  readonly spread?: boolean;
}

/** Length of the strings a node matches when fixed (PCRE's lookbehind rule), else null. */
function fixedLength(n: Node): number | null {
  switch (n.t) {
    case 'set':
      return 1;
    case 'anchor':
    case 'look':
      return 0;
    case 'backref':
      return null;
    case 'group':
      return fixedLength(n.body);
    case 'repeat': {
      const len = fixedLength(n.body);
      return len !== null && n.min === n.max ? len * n.min : null;
    }
    case 'seq': {
      let sum = 0;
      for (const i of n.items) {
        const len = fixedLength(i);
        if (len === null) return null;
        sum += len;
      }
      return sum;
    }
    case 'alt': {
      const lens = n.branches.map(fixedLength);
      return lens.every((l) => l !== null && l === lens[0]) ? lens[0]! : null;
    }
  }
}

class PcreParser {
  readonly c: Cursor;
  readonly total: number;
  readonly dollarEndOnly: boolean;
  /** A back-reference was read while matching ignored case. */
  caselessBackref = false;
  groups = 0;
  readonly names = new Map<string, number[]>();
  readonly backrefs: {
    ref: number | string;
    relative: boolean;
    at: number;
    groupsSoFar: number;
    node: { group: number };
  }[] = [];
  opts: Opts;

  constructor(src: string, options: PcreOptions, total: number) {
    this.c = { src, pos: 0 };
    this.total = total;
    this.opts = {
      i: options.caseless,
      m: options.multiline,
      s: options.dotall,
      x: options.extended,
      xx: false,
      n: false,
      U: options.ungreedy,
      J: false,
    };
    this.dollarEndOnly = options.dollarEndOnly;
  }

  get pos() {
    return this.c.pos;
  }
  peek(o = 0) {
    return this.c.src[this.c.pos + o];
  }

  /** Skips whitespace and #-comments in extended mode. */
  skipX() {
    if (!this.opts.x) return;
    for (;;) {
      const ch = this.peek();
      if (ch !== undefined && ' \t\n\v\f\r'.includes(ch)) this.c.pos++;
      else if (ch === '#') {
        while (this.peek() !== undefined && this.peek() !== '\n') this.c.pos++;
      } else return;
    }
  }

  parseAlt(): Node {
    const branches = [this.parseSeq()];
    while (this.peek() === '|') {
      this.c.pos++;
      branches.push(this.parseSeq());
    }
    return branches.length === 1 ? branches[0]! : { t: 'alt', branches };
  }

  parseSeq(): Node {
    const items: Node[] = [];
    let repeatable = false;
    let quantified = false;
    for (;;) {
      this.skipX();
      const ch = this.peek();
      if (ch === undefined || ch === '|' || ch === ')') break;
      const q = this.quantifier();
      if (q !== null) {
        if (!repeatable || quantified) throw new RegexSyntaxError(QUANT_ERROR, this.pos - 1);
        this.skipX();
        let lazy = false;
        if (this.peek() === '+') throw new RegexUntranslatableError('possessive quantifier');
        if (this.peek() === '?') {
          lazy = true;
          this.c.pos++;
        }
        if (this.peek() === '+') throw new RegexUntranslatableError('possessive quantifier');
        const body = items.pop()!;
        items.push({ t: 'repeat', body, min: q.min, max: q.max, lazy: lazy !== this.opts.U });
        quantified = true;
        continue;
      }
      const atom = this.parseAtom();
      if (atom === null) continue;
      if (atom.node !== null) items.push(...(atom.node.t === 'seq' && atom.spread ? atom.node.items : [atom.node]));
      repeatable = atom.repeatable;
      quantified = false;
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  /** A quantifier at the cursor ({n,m} only when well-formed, as PCRE2 10.42), consumed; else null. */
  quantifier(): { min: number; max: number } | null {
    const ch = this.peek();
    if (ch === '*' || ch === '+' || ch === '?') {
      this.c.pos++;
      return { min: ch === '+' ? 1 : 0, max: ch === '?' ? 1 : Number.POSITIVE_INFINITY };
    }
    if (ch !== '{') return null;
    const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.c.src.slice(this.pos));
    if (m === null) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    const numbersEnd = this.pos + m[0].length - 2;
    if (min > 65535 || (m[3] !== undefined && m[3] !== '' && max > 65535))
      throw new RegexSyntaxError('number too big in {} quantifier', numbersEnd);
    if (max < min) throw new RegexSyntaxError('numbers out of order in {} quantifier', numbersEnd + 1);
    this.c.pos += m[0].length;
    return { min, max };
  }

  anchor(kind: Anchor): Atom {
    return { node: { t: 'anchor', kind }, repeatable: false };
  }

  /** One item; node null for an option setting (which nothing may quantify); null for nothing at all. */
  parseAtom(): Atom | null {
    const ch = this.peek()!;
    this.c.pos++;
    switch (ch) {
      case '.':
        return {
          node: { t: 'set', set: this.opts.s ? setComplement(setOf()) : setComplement(setOf(10)) },
          repeatable: true,
        };
      case '^':
        return this.anchor(this.opts.m ? 'line_start' : 'start');
      case '$':
        return this.anchor(this.opts.m ? 'line_end' : this.dollarEndOnly ? 'end' : 'end_nl');
      case '[':
        if (/^[:.=]/.test(this.peek() ?? '') && this.c.src.indexOf(`${this.peek()}]`, this.pos + 1) >= 0)
          throw new RegexSyntaxError('POSIX named classes are supported only within a class', this.pos - 1);
        return { node: { t: 'set', set: parsePcreClass(this.c, this.opts.i, this.opts.xx) }, repeatable: true };
      case '(':
        return this.parseGroup();
      case '\\':
        return this.parseBackslash();
      default:
        return { node: literal(ch.charCodeAt(0), this.opts.i), repeatable: true };
    }
  }

  parseBackslash(): Atom | null {
    const e = parseEscape(this.c, false, this.total);
    switch (e.kind) {
      case 'char':
        return { node: literal(e.code, this.opts.i), repeatable: true };
      case 'set':
        return { node: { t: 'set', set: e.set }, repeatable: true };
      case 'anchor': {
        const kinds = {
          A: 'start',
          z: 'end',
          Z: 'end_nl',
          G: 'start',
          b: 'word_boundary',
          B: 'not_word_boundary',
        } as const;
        return this.anchor(kinds[e.name]);
      }
      case 'newline': {
        // \R is atomic in PCRE: a CR before LF is never taken alone.
        const cr = setOf(13);
        const crlf: Node = {
          t: 'seq',
          items: [
            { t: 'set', set: cr },
            { t: 'set', set: setOf(10) },
          ],
        };
        const loneCr: Node = {
          t: 'seq',
          items: [
            { t: 'set', set: cr },
            { t: 'look', behind: false, negate: true, body: { t: 'set', set: setOf(10) } },
          ],
        };
        const other: Node = { t: 'set', set: setOf(10, 11, 12, 0x85) };
        return {
          node: { t: 'group', capture: null, body: { t: 'alt', branches: [crlf, loneCr, other] } },
          repeatable: true,
        };
      }
      case 'backref':
        return { node: this.backref(e.ref, e.relative, e.at), repeatable: true };
      case 'quote': {
        const end = this.c.src.indexOf('\\E', this.pos);
        const text = this.c.src.slice(this.pos, end < 0 ? undefined : end);
        this.c.pos = end < 0 ? this.c.src.length : end + 2;
        if (text === '') return null;
        const items = [...text].map((t) => literal(t.charCodeAt(0), this.opts.i));
        // A quantifier after \Q...\E applies to the last character only.
        return { node: { t: 'seq', items }, repeatable: true, spread: true };
      }
      case 'endquote':
        return null;
    }
  }

  backref(ref: number | string, relative: boolean, at: number): Node {
    const node = { t: 'backref' as const, group: 0 };
    if (this.opts.i) this.caselessBackref = true;
    this.backrefs.push({ ref, relative, at, groupsSoFar: this.groups, node });
    return node;
  }

  groupName(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.c.src.slice(this.pos));
    if (m === null) throw new RegexSyntaxError('subpattern name expected', this.pos);
    this.c.pos += m[0].length;
    return m[0];
  }

  capture(name: string | null): number {
    const index = ++this.groups;
    if (name !== null) {
      const list = this.names.get(name) ?? [];
      if (list.length > 0 && !this.opts.J)
        throw new RegexSyntaxError('two named subpatterns have the same name (PCRE2_DUPNAMES not set)', this.pos);
      this.names.set(name, [...list, index]);
    }
    return index;
  }

  body(capture: number | null): Node {
    // Options set by (?i) inside a group end with the group.
    const saved = { ...this.opts };
    const body = this.parseAlt();
    this.opts = saved;
    if (this.peek() !== ')') throw new RegexSyntaxError('missing closing parenthesis', this.c.src.length);
    this.c.pos++;
    return capture === null ? body : { t: 'group', capture, body };
  }

  parseGroup(): Atom | null {
    const rest = this.c.src.slice(this.pos);
    if (rest.startsWith('*')) throw new RegexUntranslatableError('backtracking control verb or (*...) assertion');
    if (!rest.startsWith('?')) {
      const capture = this.opts.n ? null : this.capture(null);
      const node = this.body(capture);
      return { node: capture === null ? { t: 'group', capture: null, body: node } : node, repeatable: true };
    }
    this.c.pos++;
    const kind = this.peek();
    const two = this.c.src.slice(this.pos, this.pos + 2);
    const look = (behind: boolean, negate: boolean, skip: number) => {
      const start = this.pos - 2;
      this.c.pos += skip;
      const body = this.body(null);
      if (behind) {
        const branches = body.t === 'alt' ? body.branches : [body];
        if (branches.some((b) => fixedLength(b) === null))
          throw new RegexSyntaxError('lookbehind assertion is not fixed length', start);
      }
      return { node: { t: 'look', behind, negate, body } as Node, repeatable: true };
    };
    if (kind === ':') {
      this.c.pos++;
      return { node: { t: 'group', capture: null, body: this.body(null) }, repeatable: true };
    }
    if (kind === '=') return look(false, false, 1);
    if (kind === '!') return look(false, true, 1);
    if (two === '<=') return look(true, false, 2);
    if (two === '<!') return look(true, true, 2);
    if (kind === '#') {
      const end = this.c.src.indexOf(')', this.pos);
      if (end < 0) throw new RegexSyntaxError('missing ) after (?# comment', this.c.src.length);
      this.c.pos = end + 1;
      return null;
    }
    if (kind === '<' || kind === "'" || two === 'P<') {
      this.c.pos += kind === 'P' ? 2 : 1;
      const name = this.groupName();
      if (this.peek() !== (kind === "'" ? "'" : '>'))
        throw new RegexSyntaxError('syntax error in subpattern name (missing terminator?)', this.pos);
      this.c.pos++;
      const index = this.capture(name);
      return { node: this.body(index), repeatable: true };
    }
    if (two === 'P=') {
      this.c.pos += 2;
      const at = this.pos;
      const name = this.groupName();
      if (this.peek() !== ')')
        throw new RegexSyntaxError('syntax error in subpattern name (missing terminator?)', this.pos);
      this.c.pos++;
      return { node: this.backref(name, false, at), repeatable: true };
    }
    if (kind === '|') {
      this.c.pos++;
      const before = this.groups;
      const body = this.body(null);
      if (this.groups !== before) throw new RegexUntranslatableError('branch reset group (?|...) with capture groups');
      return { node: { t: 'group', capture: null, body }, repeatable: true };
    }
    if (kind === '>') throw new RegexUntranslatableError('atomic group (?>...)');
    if (kind === '*') throw new RegexUntranslatableError('non-atomic assertion (?*...)');
    if (kind === '(') throw new RegexUntranslatableError('conditional group (?(...)...)');
    if (kind === 'C') throw new RegexUntranslatableError('callout (?C...)');
    if (
      kind === 'R' ||
      kind === '&' ||
      two === 'P>' ||
      (kind !== undefined && /[0-9+]/.test(kind)) ||
      (kind === '-' && /\d/.test(this.peek(1) ?? ''))
    )
      throw new RegexUntranslatableError('recursion or subroutine call');
    return this.optionSetting();
  }

  /** `(?imnsxUJ-imnsxUJ)` or `(?i:...)`; the cursor is after `(?`. */
  optionSetting(): Atom | null {
    const next: Opts = { ...this.opts };
    let on = true;
    if (this.peek() === '^') {
      Object.assign(next, { i: false, m: false, n: false, s: false, x: false, xx: false });
      this.c.pos++;
    }
    for (;;) {
      const ch = this.peek();
      if (ch === ')' || ch === ':') break;
      if (ch === '-' && on) {
        on = false;
      } else if (ch === 'x' && this.peek(1) === 'x') {
        next.x = on;
        next.xx = on;
        this.c.pos++;
      } else if (ch !== undefined && 'imnsxUJ'.includes(ch)) {
        next[ch as keyof Opts] = on;
        if (ch === 'x' && !on) next.xx = false;
      } else {
        if (ch === undefined) throw new RegexSyntaxError('missing closing parenthesis', this.c.src.length);
        throw new RegexSyntaxError('unrecognized character after (? or (?-', this.pos);
      }
      this.c.pos++;
    }
    if (this.peek() === ')') {
      this.c.pos++;
      this.opts = next;
      return { node: null, repeatable: false };
    }
    this.c.pos++;
    const saved = this.opts;
    this.opts = next;
    const body = this.body(null);
    this.opts = saved;
    return { node: { t: 'group', capture: null, body }, repeatable: true };
  }

  /** Resolves back-references once every group is known. */
  resolve(): void {
    for (const b of this.backrefs) {
      let group: number | undefined;
      if (typeof b.ref === 'string') {
        const list = this.names.get(b.ref);
        if (list !== undefined && list.length > 1)
          throw new RegexUntranslatableError(`back-reference to duplicate group name "${b.ref}"`);
        group = list?.[0];
      } else if (b.relative) {
        group = b.ref < 0 ? b.groupsSoFar + 1 + b.ref : b.groupsSoFar + b.ref;
      } else {
        group = b.ref;
      }
      if (group === undefined || group < 1 || group > this.groups)
        throw new RegexSyntaxError('reference to non-existent subpattern', b.at);
      b.node.group = group;
    }
  }
}

/** Counts capture groups (needed to read `\10` as a reference or an octal escape). */
function countGroups(pattern: string, options: PcreOptions): number {
  try {
    const p = new PcreParser(pattern, options, Number.POSITIVE_INFINITY);
    p.parseAlt();
    return p.groups;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Parses `pattern` (a binary string: one char per byte). */
export function parsePcre(pattern: string, options: PcreOptions): PcreRegex {
  const p = new PcreParser(pattern, options, countGroups(pattern, options));
  const node = p.parseAlt();
  if (p.pos < pattern.length) throw new RegexSyntaxError('unmatched closing parenthesis', p.pos);
  p.resolve();
  return { node, groups: p.groups, caselessBackref: p.caselessBackref };
}
