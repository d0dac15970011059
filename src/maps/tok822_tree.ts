/**
 * tok822_tree: the token tree of an RFC 822 address (Postfix's TOK822): a
 * doubly linked list of tokens, where an address token owns a sublist. The
 * list operations are Postfix's, pointer for pointer, because the rewriter
 * and resolver are written in terms of them and because the `owner` links
 * they set decide where the unparser puts spaces ("a [b]" versus "a[b]").
 *
 * See: postfix/src/global/tok822_tree.c, tok822_node.c, tok822_find.c, tok822.h
 */

/** Single-character operators (`%`, `!` and `|` besides RFC 822's specials). */
export type Tok822Op = '|' | '%' | '!' | '(' | ')' | '<' | '>' | '@' | ',' | ';' | ':' | '\\' | '"' | '.' | '[' | ']';

/**
 * Token types: an operator character, or an atom, quoted string, comment
 * (kept in external form, with its parentheses), domain literal (without its
 * brackets), an address (a token group), or the `:` that starts a named group.
 */
export type Tok822Type = Tok822Op | 'atom' | 'qstring' | 'comment' | 'domlit' | 'addr' | 'startgrp';

/** The operator characters the scanner knows (tok822_opchar). */
export const TOK822_OPCHARS = '|%!()<>@,;:\\".[]';

export interface Tok822 {
  type: Tok822Type;
  /** The text of an atom, quoted string, comment or domain literal; '' for the others. */
  text: string;
  prev: Tok822 | null;
  next: Tok822 | null;
  /** First and last token of the sublist of an address. */
  head: Tok822 | null;
  tail: Tok822 | null;
  /** The address token whose sublist this token is in, when a group operation set it. */
  owner: Tok822 | null;
}

/** True for the one-character operator types. */
export function tok822IsOp(type: Tok822Type): type is Tok822Op {
  return type.length === 1;
}

/** tok822_alloc(): a new unlinked token. */
export function tok822Alloc(type: Tok822Type, text = ''): Tok822 {
  return { type, text, prev: null, next: null, head: null, tail: null, owner: null };
}

/** Puts list tp and the tokens after it under `owner`; returns the last token. */
function setOwner(tp: Tok822, owner: Tok822 | null): Tok822 {
  tp.owner = owner;
  while (tp.next) {
    tp = tp.next;
    tp.owner = owner;
  }
  return tp;
}

/** tok822_append(): inserts list t2 after t1; returns the end of the inserted list. */
export function tok822Append(t1: Tok822, t2: Tok822): Tok822 {
  const next = t1.next;
  t1.next = t2;
  t2.prev = t1;
  t2 = setOwner(t2, t1.owner);
  t2.next = next;
  if (next) next.prev = t2;
  return t2;
}

/** tok822_prepend(): inserts list t2 before t1; returns the end of the inserted list. */
export function tok822Prepend(t1: Tok822, t2: Tok822): Tok822 {
  const prev = t1.prev;
  if (prev) prev.next = t2;
  t2.prev = prev;
  t2 = setOwner(t2, t1.owner);
  t2.next = t1;
  t1.prev = t2;
  return t2;
}

/** tok822_cut_before(): splits the list before tp; returns the token that preceded it. */
export function tok822CutBefore(tp: Tok822): Tok822 | null {
  const prev = tp.prev;
  if (prev) {
    prev.next = null;
    tp.prev = null;
  }
  return prev;
}

/** tok822_cut_after(): splits the list after tp; returns the token that followed it. */
export function tok822CutAfter(tp: Tok822): Tok822 | null {
  const next = tp.next;
  if (next) {
    next.prev = null;
    tp.next = null;
  }
  return next;
}

/** tok822_unlink(): takes tp out of its list; returns its predecessor. */
export function tok822Unlink(tp: Tok822): Tok822 | null {
  const { prev, next } = tp;
  if (prev) prev.next = next;
  if (next) next.prev = prev;
  tp.prev = null;
  tp.next = null;
  return prev;
}

/** tok822_sub_append(): appends list t2 to the sublist of t1; returns its new tail. */
export function tok822SubAppend(t1: Tok822, t2: Tok822): Tok822 {
  if (t1.head) {
    t1.tail = tok822Append(t1.tail!, t2);
    return t1.tail;
  }
  t1.head = t2;
  t1.tail = setOwner(t2, t1);
  return t1.tail;
}

/** tok822_sub_prepend(): prepends list t2 to the sublist of t1; returns the end of the prepended list. */
export function tok822SubPrepend(t1: Tok822, t2: Tok822): Tok822 {
  if (t1.head) {
    const tp = tok822Prepend(t1.head, t2);
    t1.head = t2;
    return tp;
  }
  t1.head = t2;
  t1.tail = setOwner(t2, t1);
  return t1.tail;
}

/** tok822_sub_keep_before(): keeps the part of t1's sublist before t2; returns the old tail. */
export function tok822SubKeepBefore(t1: Tok822, t2: Tok822): Tok822 | null {
  const tail = t1.tail;
  t1.tail = tok822CutBefore(t2);
  if (t1.tail === null) t1.head = null;
  return tail;
}

/** tok822_sub_keep_after(): keeps the part of t1's sublist after t2; returns the old head. */
export function tok822SubKeepAfter(t1: Tok822, t2: Tok822): Tok822 | null {
  const head = t1.head;
  t1.head = tok822CutAfter(t2);
  if (t1.head === null) t1.tail = null;
  return head;
}

/** tok822_find_type(): the first token of `type` from head onwards. */
export function tok822FindType(head: Tok822 | null, type: Tok822Type): Tok822 | null {
  let tp = head;
  while (tp !== null && tp.type !== type) tp = tp.next;
  return tp;
}

/** tok822_rfind_type(): the first token of `type` from tail backwards. */
export function tok822RfindType(tail: Tok822 | null, type: Tok822Type): Tok822 | null {
  let tp = tail;
  while (tp !== null && tp.type !== type) tp = tp.prev;
  return tp;
}
