/**
 * mac_expand: `$name` expansion as main.cf values, master.cf `-o` overrides
 * and many table results use it: `$name`, `${name}`, `$(name)`, `$$`,
 * `${name?text}`, `${name:text}`, `${name?{a}:{b}}`, and the relational form
 * `${{left} OP {right} ? {a} : {b}}` with ==, !=, <, <=, >=, > and the
 * `<level`-style operators on compatibility levels.
 *
 * Diagnostics: syntax errors are collected as Postfix's warning texts; the
 * caller decides whether they are fatal ("macro processing error").
 * See: postfix/src/util/mac_parse.c, postfix/src/util/mac_expand.c
 */
import { type CompareOp, compareCompatLevels, compareNumbers } from './compat_level.ts';

/** Looks up a parameter's raw value; undefined when it is not defined at all. */
export type ExpandLookup = (name: string) => string | undefined;

export interface ExpandResult {
  readonly value: string;
  /** Names referenced while undefined (MAC_PARSE_UNDEF). */
  readonly undefinedNames: readonly string[];
  /** Postfix's warning texts for syntax errors; non-empty means MAC_PARSE_ERROR. */
  readonly errors: readonly string[];
}

export interface ExpandOptions {
  /** Expand `$name` inside looked-up values too (MAC_EXP_FLAG_RECURSE). Default true. */
  readonly recurse?: boolean;
  /**
   * MAC_EXP_FLAG_SCAN: only report names to `lookup` (both `?` and `:`
   * operands, relational operands too), expand nothing. postconf uses it to
   * find the user-defined parameters a value refers to.
   */
  readonly scan?: boolean;
}

const WHITESPACE = ' \t\r\n';
const MAX_NESTING = 100;
const BOOL_TRUE = 'true';
const OPERATORS: readonly CompareOp[] = ['==', '!=', '<', '<=', '>=', '>'];

interface Context {
  readonly lookup: ExpandLookup;
  readonly recurse: boolean;
  readonly scan: boolean;
  readonly out: string[];
  readonly undefinedNames: string[];
  readonly errors: string[];
  level: number;
}

class ParseError extends Error {}

/** Expands `pattern` with `lookup`, as mail_conf_eval() does with MAC_EXP_FLAG_RECURSE. */
export function macExpand(pattern: string, lookup: ExpandLookup, options: ExpandOptions = {}): ExpandResult {
  const ctx: Context = {
    lookup,
    recurse: options.recurse ?? true,
    scan: options.scan ?? false,
    out: [],
    undefinedNames: [],
    errors: [],
    level: 0,
  };
  try {
    parse(pattern, ctx);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  return { value: ctx.out.join(''), undefinedNames: ctx.undefinedNames, errors: ctx.errors };
}

function fail(ctx: Context, text: string): never {
  ctx.errors.push(text);
  throw new ParseError(text);
}

/** mac_parse(): splits literal text from `$...` references and expands each. */
function parse(value: string, ctx: Context): void {
  let literal = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i]!;
    if (ch !== '$') {
      literal += ch;
      i++;
      continue;
    }
    if (value[i + 1] === '$') {
      literal += '$';
      i += 2;
      continue;
    }
    if (literal.length > 0) ctx.out.push(literal);
    literal = '';
    i++;
    let expr: string;
    const open = value[i];
    if (open === '{' || open === '(') {
      const close = open === '{' ? '}' : ')';
      let level = 1;
      let j = i + 1;
      for (; level > 0; j++) {
        if (j >= value.length) fail(ctx, `truncated macro reference: "${value}"`);
        if (value[j] === open) level++;
        else if (value[j] === close) level--;
      }
      expr = value.slice(i + 1, j - 1);
      i = j;
    } else {
      let j = i;
      while (j < value.length && /[A-Za-z0-9_]/.test(value[j]!)) j++;
      expr = value.slice(i, j);
      i = j;
    }
    if (expr.length === 0) fail(ctx, `empty macro name: "${value}"`);
    expandExpression(expr, ctx);
  }
  if (literal.length > 0) ctx.out.push(literal);
}

const skipSpace = (text: string, at: number): number => {
  while (at < text.length && WHITESPACE.includes(text[at]!)) at++;
  return at;
};

/** Extracts a balanced `{...}` payload at `at` (which must be `{`); returns it and the index after trailing space. */
function curlyPayload(text: string, at: number, ctx: Context): { payload: string; next: number } {
  let level = 1;
  let j = at + 1;
  for (; ; j++) {
    if (j >= text.length) fail(ctx, `unbalanced {} in attribute expression: "${text.slice(at)}"`);
    if (text[j] === '{') level++;
    else if (text[j] === '}' && --level <= 0) break;
  }
  return { payload: text.slice(at + 1, j), next: skipSpace(text, j + 1) };
}

/** mac_expand_callback() for one `$...` expression. */
function expandExpression(expr: string, ctx: Context): void {
  if (ctx.level++ > MAX_NESTING) fail(ctx, `unreasonable macro call nesting: "${expr}"`);
  let value: string | undefined;
  let rest: string;
  let op: '' | '?' | ':';
  let name: string | null = null;
  const first = skipSpace(expr, 0);
  if (expr[first] === '{') {
    const rel = relational(expr, first, ctx);
    value = rel.value;
    rest = expr.slice(rel.next);
    op = rest[0] === '?' || rest[0] === ':' ? (rest[0] as '?' | ':') : '';
    if (rest.length > 0 && op === '') fail(ctx, `"?" or ":" expected at: "...}>>>${rest.slice(0, 20)}"`);
    rest = rest.slice(1);
  } else {
    let j = first;
    for (;;) {
      const after = skipSpace(expr, j);
      if (after >= expr.length) {
        op = '';
        rest = '';
        break;
      }
      const ch = expr[after]!;
      if (ch === '?' || ch === ':') {
        op = ch;
        rest = expr.slice(after + 1);
        break;
      }
      if (ch === '{') fail(ctx, `unknown function: "${expr.slice(first, j)}"`);
      if (!/[A-Za-z0-9_]/.test(expr[j]!)) {
        fail(ctx, `attribute name syntax error at: "...${expr.slice(0, j)}>>>${expr.slice(j, j + 20)}"`);
      }
      j++;
    }
    name = expr.slice(first, j);
    value = ctx.lookup(name);
  }
  const nonEmpty = value !== undefined && value !== '';
  switch (op) {
    case '?':
    case ':': {
      let ifTrue: string | null = null;
      if (op === '?') {
        const r = operand(rest, ctx);
        ifTrue = r.text;
        rest = r.rest;
        if (nonEmpty || ctx.scan) parse(ifTrue, ctx);
        if (rest.length === 0) break;
        if (rest[0] !== ':') fail(ctx, `":" expected at: "...${ifTrue}}>>>${rest.slice(0, 20)}"`);
        rest = rest.slice(1);
      }
      const r = operand(rest, ctx);
      if (!nonEmpty || ctx.scan) parse(r.text, ctx);
      if (r.rest.length > 0) fail(ctx, `unexpected input at: "...${r.text}}>>>${r.rest.slice(0, 20)}"`);
      break;
    }
    case '':
      if (value === undefined) {
        if (name !== null) ctx.undefinedNames.push(name);
      } else if (value !== '' && !ctx.scan) {
        if (ctx.recurse) parse(value, ctx);
        else ctx.out.push(value);
      }
      break;
  }
  ctx.level--;
}

/** A `?`/`:` result operand: `{text}` (braces removed, space around them ignored) or the rest of the input. */
function operand(text: string, ctx: Context): { text: string; rest: string } {
  const at = skipSpace(text, 0);
  if (text[at] !== '{') return { text, rest: '' };
  const r = curlyPayload(text, at, ctx);
  return { text: r.payload, rest: text.slice(r.next) };
}

/** `{left} OP {right}`: evaluates to "true" or "" as a fake parameter value. */
function relational(expr: string, at: number, ctx: Context): { value: string; next: number } {
  const left = curlyPayload(expr, at, ctx);
  let i = left.next;
  const opStart = i;
  while (i < expr.length && '<>!=?+-*/~&|%'.includes(expr[i]!)) i++;
  const opText = expr.slice(opStart, i);
  const op = OPERATORS.find((o) => o === opText);
  if (op === undefined) {
    fail(ctx, `==, !=, <, <=, >=, or > expected at: "...${left.payload}}>>>${expr.slice(opStart, opStart + 20)}"`);
  }
  let suffix = '';
  while (i < expr.length && /[A-Za-z0-9]/.test(expr[i]!)) suffix += expr[i++];
  if (suffix !== '' && suffix !== 'level') {
    fail(ctx, `bad operator suffix at: "...${opText}>>>${suffix}"`);
  }
  const rightAt = skipSpace(expr, i);
  if (expr[rightAt] !== '{') {
    fail(ctx, `"{expression}" expected at: "...{${left.payload}} ${opText}>>>${expr.slice(rightAt, rightAt + 20)}"`);
  }
  const right = curlyPayload(expr, rightAt, ctx);
  const leftValue = macExpand(left.payload, ctx.lookup, { recurse: ctx.recurse, scan: ctx.scan });
  const rightValue = macExpand(right.payload, ctx.lookup, { recurse: ctx.recurse, scan: ctx.scan });
  for (const r of [leftValue, rightValue]) {
    ctx.undefinedNames.push(...r.undefinedNames);
    if (r.errors.length > 0) {
      ctx.errors.push(...r.errors);
      throw new ParseError(r.errors[0]);
    }
  }
  if (ctx.scan) return { value: '', next: right.next };
  let result: boolean | null;
  if (suffix === 'level') {
    result = compareCompatLevels(leftValue.value, op, rightValue.value);
    if (result === null) {
      const bad = [leftValue.value, rightValue.value].find((v) => !/^\d+(\.\d+){0,2}$/.test(v)) ?? leftValue.value;
      fail(ctx, `malformed compatibility level syntax: "${bad}"`);
    }
  } else if (/^\d+$/.test(leftValue.value) && /^\d+$/.test(rightValue.value)) {
    result = compareNumbers(Number(leftValue.value) - Number(rightValue.value), op);
  } else {
    const a = leftValue.value;
    const b = rightValue.value;
    result = compareNumbers(a < b ? -1 : a > b ? 1 : 0, op);
  }
  return { value: result ? BOOL_TRUE : '', next: right.next };
}
