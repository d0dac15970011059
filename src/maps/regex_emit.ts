/**
 * regex_emit: turns a regex_ast tree into JavaScript RegExp source (no flags,
 * non-Unicode mode, over binary strings), and checks that JavaScript will
 * report the captures a rule uses as the C library would. With `sentinel`,
 * anchors and word boundaries look past U+FFFF, the mark that
 * regexp_match.ts puts after a candidate end to find POSIX's longest match.
 *
 * Diagnostics: RegexUntranslatableError naming the construct, from checkCaptures()
 */
import { type Anchor, type ByteSet, type Node, RegexUntranslatableError } from './regex_ast.ts';

const hex = (c: number) => `\\x${c.toString(16).padStart(2, '0')}`;
const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const charOf = (c: number) => (isLetter(c) ? String.fromCharCode(c) : hex(c));

function emitSet(set: ByteSet): string {
  const members: number[] = [];
  for (let c = 0; c < 256; c++) if (set[c]) members.push(c);
  if (members.length === 1) return charOf(members[0]!);
  if (members.length === 256) return '[^]';
  let out = '';
  for (let i = 0; i < members.length; ) {
    let j = i;
    while (j + 1 < members.length && members[j + 1] === members[j]! + 1) j++;
    out +=
      j === i
        ? charOf(members[i]!)
        : j === i + 1
          ? charOf(members[i]!) + charOf(members[j]!)
          : `${charOf(members[i]!)}-${charOf(members[j]!)}`;
    i = j + 1;
  }
  return `[${out}]`;
}

const WORD = '[A-Za-z0-9_]';

function emitAnchor(kind: Anchor, sentinel: boolean): string {
  const s = sentinel ? '\\uffff?' : '';
  switch (kind) {
    case 'start':
      return '(?<![^])';
    case 'end':
      return sentinel ? '(?=\\uffff?(?![^]))' : '(?![^])';
    case 'end_nl':
      return `(?=${s}\\n?(?![^]))`;
    case 'line_start':
      return '(?:(?<![^])|(?<=\\n)(?=[^]))';
    case 'line_start_posix':
      return '(?<![^\\n])';
    case 'line_end':
      return `(?=${s}(?:\\n|(?![^])))`;
    case 'word_boundary':
      return `(?:(?<=${WORD})(?!${s}${WORD})|(?<!${WORD})(?=${s}${WORD}))`;
    case 'not_word_boundary':
      return `(?:(?<=${WORD})(?=${s}${WORD})|(?<!${WORD})(?!${s}${WORD}))`;
    case 'word_start':
      return `(?<!${WORD})(?=${s}${WORD})`;
    case 'word_end':
      return `(?<=${WORD})(?!${s}${WORD})`;
  }
}

/** JavaScript source for `node`. */
export function emitRegex(node: Node, sentinel = false): string {
  const emit = (n: Node): string => {
    switch (n.t) {
      case 'seq':
        return n.items.map(emit).join('');
      case 'alt':
        return `(?:${n.branches.map(emit).join('|')})`;
      case 'set':
        return emitSet(n.set);
      case 'group':
        return n.capture === null ? `(?:${emit(n.body)})` : `(${emit(n.body)})`;
      case 'repeat': {
        const max = n.max === Number.POSITIVE_INFINITY ? '' : String(n.max);
        const q = n.min === n.max ? `{${n.min}}` : `{${n.min},${max}}`;
        return `(?:${emit(n.body)})${q}${n.lazy ? '?' : ''}`;
      }
      case 'anchor':
        return emitAnchor(n.kind, sentinel);
      case 'look':
        return `(?${n.behind ? '<' : ''}${n.negate ? '!' : '='}${emit(n.body)})`;
      case 'backref':
        return `\\${n.group}`;
    }
  };
  return emit(node);
}

interface Site {
  readonly path: readonly Node[];
  readonly start: number;
  readonly end: number;
}

/** Capture groups and back-references of a tree, with their ancestors and order. */
function sites(root: Node): { groups: Map<number, Site>; backrefs: { group: number; site: Site }[] } {
  const groups = new Map<number, Site>();
  const backrefs: { group: number; site: Site }[] = [];
  let clock = 0;
  const walk = (n: Node, path: Node[]) => {
    const start = clock++;
    const inner = [...path, n];
    switch (n.t) {
      case 'seq':
        for (const i of n.items) walk(i, inner);
        break;
      case 'alt':
        for (const b of n.branches) walk(b, inner);
        break;
      case 'group':
      case 'repeat':
      case 'look':
        walk(n.body, inner);
        break;
      case 'backref':
        backrefs.push({ group: n.group, site: { path, start, end: clock } });
        break;
      default:
        break;
    }
    if (n.t === 'group' && n.capture !== null) groups.set(n.capture, { path, start, end: clock++ });
  };
  walk(root, []);
  return { groups, backrefs };
}

/** True when `n` can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case 'set':
      return false;
    case 'seq':
      return n.items.every(nullable);
    case 'alt':
      return n.branches.some(nullable);
    case 'group':
      return nullable(n.body);
    case 'repeat':
      return n.min === 0 || nullable(n.body);
    default:
      return true;
  }
}

/** True when a node between an ancestor and a group can let the group go unset. */
const mayskip = (n: Node) =>
  (n.t === 'alt' && n.branches.length > 1) || (n.t === 'repeat' && n.min === 0) || (n.t === 'look' && n.negate);

/**
 * Throws RegexUntranslatableError when a capture that `used` names (by `$N`),
 * or that a back-reference names, could come out differently in JavaScript:
 * JavaScript clears captures at each repetition and lets a reference to an
 * unset group match the empty string; Perl and POSIX keep the last value and
 * fail the reference.
 */
export function checkCaptures(root: Node, used: ReadonlySet<number>, caseless: boolean): void {
  const { groups, backrefs } = sites(root);
  const check = (k: number, why: string) => {
    const g = groups.get(k);
    if (g === undefined) return;
    const repeatAt = g.path.findIndex((n) => n.t === 'repeat' && n.max > 1);
    if (repeatAt < 0) return;
    if (g.path.slice(repeatAt + 1).some(mayskip))
      throw new RegexUntranslatableError(`capture group ${k} ${why} is inside a repetition that may skip it`);
    // Perl and POSIX take a last, empty repetition (and its empty capture); JavaScript drops it.
    if (g.path.slice(repeatAt).some((n) => n.t === 'repeat' && n.max > 1 && nullable(n.body)))
      throw new RegexUntranslatableError(`capture group ${k} ${why} is inside a repetition that can match empty`);
  };
  for (const k of used) check(k, `used as $${k}`);
  for (const { group, site } of backrefs) {
    if (caseless)
      throw new RegexUntranslatableError(`back-reference \\${group} with case-insensitive matching (use flag "i")`);
    check(group, `named by back-reference \\${group}`);
    const g = groups.get(group);
    if (g === undefined || g.end > site.start)
      throw new RegexUntranslatableError(`back-reference \\${group} to a group that is not closed before it`);
    let common = 0;
    while (common < g.path.length && common < site.path.length && g.path[common] === site.path[common]) common++;
    if ((common > 0 && g.path[common - 1]!.t === 'alt') || g.path.slice(common).some(mayskip))
      throw new RegexUntranslatableError(`back-reference \\${group} to a group that may be unset`);
  }
}
