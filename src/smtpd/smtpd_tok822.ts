/**
 * smtpd_tok822: Postfix's RFC 822 address tokenizer and parser, enough of
 * it for smtpd to pull the address out of a MAIL FROM or RCPT TO argument
 * the way Postfix does (`<"a b"@c>`, `<@route:user@dom>`, comments and
 * junk around the address) and to write it in internal (unquoted) form.
 * The parser works right to left on a token list, grouping the words of
 * each address under an address node, and throws nothing away.
 *
 * Security: runs on client text (at most line_length_limit bytes); the
 *   token count is bounded by the caller's limit, recursion depth by the
 *   nesting of `<...>` groups the tokenizer already closed
 * Standards: RFC 822, plus Postfix's `%`, `!` and `|` operators
 * See: postfix/src/global/tok822_parse.c, postfix/src/global/tok822_tree.c
 */

export const ATOM = 'atom';
export const QSTRING = 'qstring';
export const COMMENT = 'comment';
export const DOMLIT = 'domlit';
export const ADDR = 'addr';
export const STARTGRP = 'startgrp';
const SENTINEL = '';

/** A token: an operator character, or one of the word types above. */
export interface Tok822 {
  type: string;
  text: string;
  prev: Tok822 | null;
  next: Tok822 | null;
  /** Sub-list of an ADDR node. */
  head: Tok822 | null;
  tail: Tok822 | null;
  owner: Tok822 | null;
}

const OPCHARS = '|%!()<>@,;:\\".[]';
const SPACE_TAB_CR_LF = ' \t\r\n';

function alloc(type: string, text = ''): Tok822 {
  return { type, text, prev: null, next: null, head: null, tail: null, owner: null };
}

/** tok822_append(): inserts list t2 after t1; returns the end of t2. */
function append(t1: Tok822, t2: Tok822): Tok822 {
  const next = t1.next;
  t1.next = t2;
  t2.prev = t1;
  t2.owner = t1.owner;
  while (t2.next) {
    t2 = t2.next;
    t2.owner = t1.owner;
  }
  t2.next = next;
  if (next) next.prev = t2;
  return t2;
}

/** tok822_prepend(): inserts list t2 before t1. */
function prepend(t1: Tok822, t2: Tok822): Tok822 {
  const prev = t1.prev;
  if (prev) prev.next = t2;
  t2.prev = prev;
  t2.owner = t1.owner;
  while (t2.next) {
    t2 = t2.next;
    t2.owner = t1.owner;
  }
  t2.next = t1;
  t1.prev = t2;
  return t2;
}

function cutBefore(tp: Tok822): Tok822 | null {
  const prev = tp.prev;
  if (prev) {
    prev.next = null;
    tp.prev = null;
  }
  return prev;
}

function unlink(tp: Tok822): Tok822 | null {
  const { prev, next } = tp;
  if (prev) prev.next = next;
  if (next) next.prev = prev;
  tp.prev = null;
  tp.next = null;
  return prev;
}

function subAppend(t1: Tok822, t2: Tok822): Tok822 {
  if (t1.head && t1.tail) {
    t1.tail = append(t1.tail, t2);
    return t1.tail;
  }
  t1.head = t2;
  t2.owner = t1;
  while (t2.next) {
    t2 = t2.next;
    t2.owner = t1;
  }
  t1.tail = t2;
  return t2;
}

/** COLLECT(): copies characters while `cond` holds; `\x` copies x unconditionally. */
function collect(s: string, i: number, tp: Tok822, cond: (c: string) => boolean): number {
  while (i < s.length) {
    let c = s[i]!;
    if (c === '\\') {
      if (i + 1 >= s.length) {
        i++;
        break;
      }
      c = s[++i]!;
    } else if (!cond(c)) {
      break;
    }
    tp.text += SPACE_TAB_CR_LF.includes(c) ? ' ' : c;
    i++;
  }
  return i;
}

function comment(s: string, i: number, tp: Tok822): number {
  let level = 1;
  tp.text = '(';
  while (i < s.length) {
    const c = s[i++]!;
    tp.text += c;
    if (c === '(') level++;
    else if (c === ')') {
      if (--level === 0) break;
    } else if (c === '\\') {
      if (i >= s.length) break;
      tp.text += s[i++];
    }
  }
  return i;
}

function quoteAtom(tp: Tok822): void {
  for (const c of tp.text) {
    const code = c.charCodeAt(0);
    if (c === ' ' || code < 0x20 || code === 0x7f || OPCHARS.includes(c)) {
      tp.type = QSTRING;
      return;
    }
  }
}

/** tok822_scan(): the flat token list of `s`, at most `limit` tokens (0: no limit). */
export function tok822Scan(s: string, limit = 0): { head: Tok822 | null; tail: Tok822 | null } {
  let head: Tok822 | null = null;
  let tail: Tok822 | null = null;
  let count = 0;
  let i = 0;
  while (i < s.length) {
    const c = s[i++]!;
    if (SPACE_TAB_CR_LF.includes(c)) continue;
    let tp: Tok822;
    if (c === '(') {
      tp = alloc(COMMENT);
      i = comment(s, i, tp);
    } else if (c === '[') {
      tp = alloc(DOMLIT);
      i = collect(s, i, tp, (ch) => ch !== ']');
      if (i < s.length) i++;
    } else if (c === '"') {
      tp = alloc(QSTRING);
      i = collect(s, i, tp, (ch) => ch !== '"');
      if (i < s.length) i++;
    } else if (c !== '\\' && OPCHARS.includes(c)) {
      tp = alloc(c);
    } else {
      tp = alloc(ATOM);
      i = collect(s, i - 1, tp, (ch) => !SPACE_TAB_CR_LF.includes(ch) && !OPCHARS.includes(ch));
      quoteAtom(tp);
    }
    if (head === null || tail === null) {
      head = tail = tp;
    } else {
      tail = append(tail, tp);
    }
    if (limit > 0 && ++count >= limit) break;
  }
  return { head, tail };
}

/** tok822_group(): puts the tokens strictly between left and right under a new node. */
function group(type: string, left: Tok822, right: Tok822, sync: string | null): Tok822 {
  const first = left.next;
  if (left !== right && first !== null && first !== right) {
    cutBefore(right);
    cutBefore(first);
    const g = alloc(type);
    subAppend(g, first);
    append(left, g);
    append(g, right);
    if (sync !== null) append(left, alloc(sync));
  }
  return left;
}

const DO_WORD = 1;
const DO_GROUP = 2;

/** tok822_parse(): the parse tree of an address list; null for empty input. */
export function tok822Parse(s: string, limit = 0): Tok822 | null {
  const { head: first, tail: last } = tok822Scan(s, limit);
  if (first === null || last === null) return null;
  const head = alloc(SENTINEL);
  head.next = first;
  first.prev = head;
  const tail = alloc(SENTINEL);
  last.next = tail;
  tail.prev = last;

  let state = DO_WORD;
  let right: Tok822 = tail;
  let tp: Tok822 = tail.prev!;
  while (tp.type !== SENTINEL) {
    if (tp.type === COMMENT) {
      const prev = unlink(tp)!;
      right = prepend(right, tp);
      tp = prev;
      continue;
    }
    if (tp.type === ';') {
      right = group(ADDR, tp, right, ',');
      state = DO_GROUP | DO_WORD;
    } else if (tp.type === ':' && (state & DO_GROUP) !== 0) {
      tp.type = STARTGRP;
      group(ADDR, tp, right, null);
      while (tp.type !== SENTINEL && tp.type !== ',') tp = tp.prev!;
      right = tp;
      continue;
    } else if (tp.type === '>') {
      right = group(ADDR, tp, right, ',');
      while (tp.type !== SENTINEL && tp.type !== '<') {
        if (tp.type === COMMENT) {
          const prev = unlink(tp)!;
          right = prepend(right, tp);
          tp = prev;
          continue;
        }
        tp = tp.prev!;
      }
      group(ADDR, tp, right, null);
      while (tp.type !== SENTINEL && (tp.type.length > 1 || !'>;,:'.includes(tp.type))) tp = tp.prev!;
      right = tp;
      state |= DO_WORD;
      continue;
    } else if (tp.type === ATOM || tp.type === QSTRING || tp.type === DOMLIT) {
      if ((state & DO_WORD) === 0) right = group(ADDR, tp, right, ',').next!;
      state &= ~DO_WORD;
    } else if (tp.type === ',') {
      right = group(ADDR, tp, right, null);
      state |= DO_WORD;
    } else {
      state |= DO_WORD;
    }
    tp = tp.prev!;
  }
  group(ADDR, tp, right, null);
  const result = head.next !== tail ? head.next : null;
  if (head.next) cutBefore(head.next);
  cutBefore(tail);
  return result;
}

function isWord(tp: Tok822): boolean {
  return tp.type === ATOM || tp.type === QSTRING || tp.type === COMMENT || tp.type === DOMLIT || tp.type === ADDR;
}

/** tok822_append_space(): whether internal/external form puts a space after tp. */
function appendSpace(tp: Tok822): boolean {
  const next = tp.next;
  if (next === null || tp.owner !== null) return false;
  if (tp.type === ',' || tp.type === STARTGRP || next.type === '<') return true;
  return isWord(tp) && isWord(next);
}

/** tok822_internalize(): the tokens as text, unquoted. */
export function tok822Internalize(tree: Tok822 | null): string {
  let out = '';
  for (let tp = tree; tp !== null; tp = tp.next) {
    switch (tp.type) {
      case ADDR:
        out += tok822Internalize(tp.head);
        break;
      case COMMENT:
      case ATOM:
      case QSTRING:
        out += tp.text;
        break;
      case DOMLIT:
        out += `[${tp.text}]`;
        break;
      case STARTGRP:
        out += ':';
        break;
      default:
        out += tp.type;
    }
    if (appendSpace(tp)) out += ' ';
  }
  return out;
}
