/**
 * tok822_parse: RFC 822 address text to tokens and back. tok822Scan() makes
 * a flat token list, tok822Parse() groups it into address tokens the way
 * Postfix does (right to left, keeping what it does not understand, adding
 * missing commas), and tok822Internalize() / tok822Externalize() print a
 * tree in internal (unquoted) or external (quoted) form. The one RFC 822
 * parser: postalias/aliases (maps), the rewriter and resolver, cleanup's
 * header and recipient extraction, sendmail -t and smtpd's MAIL FROM/RCPT TO
 * address extraction all use it, as Postfix's do. (smtpd_token.ts, which
 * splits the SMTP command line, is a different tokenizer, as in Postfix.)
 *
 * Diagnostics: with `truncate`, a warning `stripping too many comments from
 *   address: ...` when an address expression carries over 250 bytes of other
 *   text (the Sendmail CA-2003-07 guard)
 * Security: scans untrusted header and envelope text; no recursion on input
 *   other than nested comments, which are scanned iteratively
 * Standards: RFC 822 section 3 (lexical tokens), 6 (addresses)
 * See: postfix/src/global/tok822_parse.c, lex_822.h
 */

import { QUOTE_FLAG_DEFAULT, quote822Local } from '../global/quote_822_local.ts';
import { printable } from '../log/log_printable.ts';
import {
  TOK822_OPCHARS,
  type Tok822,
  type Tok822Op,
  type Tok822Type,
  tok822Alloc,
  tok822Append,
  tok822CutBefore,
  tok822IsOp,
  tok822Prepend,
  tok822SubAppend,
  tok822Unlink,
} from './tok822_tree.ts';

/** A flat token list, first and last token. */
export interface Tok822List {
  readonly head: Tok822 | null;
  readonly tail: Tok822 | null;
}

/** TOK822_STR_* options of the unparsers (WIPE and TERM are implied: the result is a new string). */
export interface Tok822StrFlags {
  /** TOK822_STR_LINE: a newline after each comma. */
  readonly line?: boolean;
  /** TOK822_STR_TRNC: reduce an address expression with too much other text to `<address>`. */
  readonly truncate?: boolean;
  /** Receives the warning of `truncate` (msg_warn). */
  readonly warn?: (text: string) => void;
}

const isSpaceTabCrLf = (ch: string | undefined): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isOpChar = (ch: string): boolean => TOK822_OPCHARS.includes(ch);

/**
 * COLLECT(): copies characters from `at` while `cond` holds; a backslash
 * takes the next character literally; white space becomes a blank.
 * Returns the text and where the copy stopped.
 */
function collect(str: string, at: number, cond: (ch: string) => boolean): { text: string; at: number } {
  let text = '';
  while (at < str.length) {
    let ch = str[at]!;
    if (ch === '\\') {
      if (++at >= str.length) break;
      ch = str[at]!;
    } else if (!cond(ch)) {
      break;
    }
    text += isSpaceTabCrLf(ch) ? ' ' : ch;
    at++;
  }
  return { text, at };
}

/** tok822_comment(): a comment, kept with its parentheses and backslashes; comments nest. */
function scanComment(str: string, at: number): { text: string; at: number } {
  let level = 1;
  let text = '(';
  while (at < str.length) {
    const ch = str[at++]!;
    text += ch;
    if (ch === '(') {
      level++;
    } else if (ch === ')') {
      if (--level === 0) break;
    } else if (ch === '\\') {
      if (at >= str.length) break;
      text += str[at++]!;
    }
  }
  return { text, at };
}

/** tok822_quote_atom(): an atom with a blank, control or operator character is a quoted string. */
function atomType(text: string): Tok822Type {
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === ' ' || code < 0x20 || code === 0x7f || isOpChar(ch)) return 'qstring';
  }
  return 'atom';
}

/** tok822_scan_limit(): tokenizes `str`; a `limit` above 0 stops after that many tokens. */
export function tok822Scan(str: string, limit = 0): Tok822List {
  let head: Tok822 | null = null;
  let tail: Tok822 | null = null;
  let count = 0;
  let at = 0;
  while (at < str.length) {
    const ch = str[at++]!;
    if (isSpaceTabCrLf(ch)) continue;
    let tp: Tok822;
    if (ch === '(') {
      const c = scanComment(str, at);
      tp = tok822Alloc('comment', c.text);
      at = c.at;
    } else if (ch === '[' || ch === '"') {
      const close = ch === '[' ? ']' : '"';
      const c = collect(str, at, (x) => x !== close);
      tp = tok822Alloc(ch === '[' ? 'domlit' : 'qstring', c.text);
      at = c.at < str.length ? c.at + 1 : c.at;
    } else if (ch !== '\\' && isOpChar(ch)) {
      tp = tok822Alloc(ch as Tok822Op);
    } else {
      const c = collect(str, at - 1, (x) => !isSpaceTabCrLf(x) && !isOpChar(x));
      tp = tok822Alloc('atom', c.text);
      tp.type = atomType(c.text);
      at = c.at;
    }
    if (head === null) {
      head = tail = tp;
    } else {
      tail = tok822Append(tail!, tp);
    }
    if (limit > 0 && ++count >= limit) break;
  }
  return { head, tail };
}

/** tok822_scan_addr(): an address token whose sublist is the tokens of `addr`. */
export function tok822ScanAddr(addr: string): Tok822 {
  const tree = tok822Alloc('addr');
  const list = tok822Scan(addr);
  tree.head = list.head;
  tree.tail = list.tail;
  return tree;
}

/** tok822_group(): puts the tokens between left and right under a new address token. */
function group(left: Tok822, right: Tok822, addComma: boolean): Tok822 {
  const first = left.next;
  if (left !== right && first !== null && first !== right) {
    tok822CutBefore(right);
    tok822CutBefore(first);
    const addr = tok822Alloc('addr');
    tok822SubAppend(addr, first);
    tok822Append(left, addr);
    tok822Append(addr, right);
    if (addComma) tok822Append(left, tok822Alloc(','));
  }
  return left;
}

/** The parser's sentinel tokens are the only ones of this type. */
const SENTINEL = 'sentinel' as Tok822Type;

/**
 * tok822_parse_limit(): parses address text into a token tree: addresses become
 * address tokens, comments move out of them, phrases and `<` `>` stay outside.
 * Returns the first top-level token, or null for text without tokens.
 */
export function tok822Parse(str: string, limit = 0): Tok822 | null {
  const list = tok822Scan(str, limit);
  if (list.head === null) return null;
  const head = tok822Alloc(SENTINEL);
  const tail = tok822Alloc(SENTINEL);
  head.next = list.head;
  list.head.prev = head;
  list.tail!.next = tail;
  tail.prev = list.tail;

  let doWord = true;
  let doGroup = false;
  let right = tail;
  let tp = tail.prev!;
  const moveComment = (t: Tok822): Tok822 => {
    const prev = tok822Unlink(t)!;
    right = tok822Prepend(right, t);
    return prev;
  };
  while (tp.type !== SENTINEL) {
    if (tp.type === 'comment') {
      tp = moveComment(tp);
      continue;
    }
    if (tp.type === ';') {
      right = group(tp, right, true);
      doGroup = true;
      doWord = true;
    } else if (tp.type === ':' && doGroup) {
      tp.type = 'startgrp';
      group(tp, right, false);
      while (tp.type !== SENTINEL && tp.type !== ',') tp = tp.prev!;
      right = tp;
      continue;
    } else if (tp.type === '>') {
      right = group(tp, right, true);
      while (tp.type !== SENTINEL && tp.type !== '<') {
        if (tp.type === 'comment') tp = moveComment(tp);
        else tp = tp.prev!;
      }
      group(tp, right, false);
      while (tp.type !== SENTINEL && !(tok822IsOp(tp.type) && '>;,:'.includes(tp.type))) tp = tp.prev!;
      right = tp;
      doWord = true;
      continue;
    } else if (tp.type === 'atom' || tp.type === 'qstring' || tp.type === 'domlit') {
      if (!doWord) right = group(tp, right, true).next!;
      doWord = false;
    } else if (tp.type === ',') {
      right = group(tp, right, false);
      doWord = true;
    } else {
      doWord = true;
    }
    tp = tp.prev!;
  }
  group(tp, right, false);

  const first = head.next !== tail ? head.next : null;
  tok822CutBefore(head.next!);
  tok822CutBefore(tail);
  return first;
}

const NON_OPERATOR: ReadonlySet<Tok822Type> = new Set(['atom', 'qstring', 'comment', 'domlit', 'addr']);

/** tok822_append_space(): whether the unparsers put a blank after this token. */
function appendSpace(tp: Tok822): boolean {
  const next = tp.next;
  if (next === null || tp.owner !== null) return false;
  if (tp.type === ',' || tp.type === 'startgrp' || next.type === '<') return true;
  return NON_OPERATOR.has(tp.type) && NON_OPERATOR.has(next.type);
}

/** tok822_internalize(): the tree from `tree` onwards in internal (unquoted) form. */
export function tok822Internalize(tree: Tok822 | null, flags: Tok822StrFlags = {}): string {
  let out = '';
  for (let tp = tree; tp !== null; tp = tp.next) {
    switch (tp.type) {
      case ',':
        out += ',';
        if (flags.line) {
          out += '\n';
          continue;
        }
        break;
      case 'addr':
        out += tok822Internalize(tp.head);
        break;
      case 'comment':
      case 'atom':
      case 'qstring':
        out += tp.text;
        break;
      case 'domlit':
        out += `[${tp.text}]`;
        break;
      case 'startgrp':
        out += ':';
        break;
      default:
        out += tp.type;
    }
    if (appendSpace(tp)) out += ' ';
  }
  return out;
}

/** tok822_copy_quoted(): `text` with a backslash before each character of `quoteSet`. */
function copyQuoted(text: string, quoteSet: string): string {
  let out = '';
  for (const ch of text) out += quoteSet.includes(ch) ? `\\${ch}` : ch;
  return out;
}

/** MAX_NONADDR_LENGTH: other text allowed per address expression before it is stripped. */
const MAX_NONADDR_LENGTH = 250;

/** tok822_externalize(): the tree from `tree` onwards in external (quoted) form. */
export function tok822Externalize(tree: Tok822 | null, flags: Tok822StrFlags = {}): string {
  let out = '';
  let start = 0;
  let addr: Tok822 | null = null;
  let addrLen = 0;
  const reset = () => {
    start = out.length;
    addr = null;
    addrLen = 0;
  };
  const enforce = () => {
    if (addr !== null && out.length - addrLen > start + MAX_NONADDR_LENGTH) {
      // strip_address(): emit plain <address>, discard comments and phrases.
      flags.warn?.(`stripping too many comments from address: ${printable(out.slice(start)).slice(0, 100)}...`);
      const inner = (addr as Tok822).head;
      out = `${out.slice(0, start)}<${inner ? quote822Local(tok822Internalize(inner), QUOTE_FLAG_DEFAULT) : ''}>`;
    }
  };
  if (flags.truncate) reset();
  for (let tp = tree; tp !== null; tp = tp.next) {
    switch (tp.type) {
      case ',':
        if (flags.truncate) enforce();
        out += flags.line ? ',\n' : ', ';
        if (flags.truncate) reset();
        continue;
      case 'addr': {
        addr = tp;
        const quoted = quote822Local(tok822Internalize(tp.head), QUOTE_FLAG_DEFAULT);
        out += quoted;
        addrLen = quoted.length;
        break;
      }
      case 'atom':
      case 'comment':
        out += tp.text;
        break;
      case 'qstring':
        out += `"${copyQuoted(tp.text, '"\\\r\n')}"`;
        break;
      case 'domlit':
        out += `[${copyQuoted(tp.text, '\\\r\n')}]`;
        break;
      case 'startgrp':
        out += ':';
        break;
      case '<':
        if (tp.next !== null && tp.next.type === '>') {
          addr = tp;
          addrLen = 0;
        }
        out += '<';
        break;
      default:
        out += tp.type;
    }
    if (appendSpace(tp)) out += ' ';
  }
  if (flags.truncate) enforce();
  return out;
}
