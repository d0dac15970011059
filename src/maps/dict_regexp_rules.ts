/**
 * dict_regexp_rules: the rule files that regexp: and pcre: tables share:
 * `/pattern/flags result` (first match wins, `!/re/` negates), `if /re/` ...
 * `endif` blocks, `$N` in results, and Postfix's per-line warnings. Each
 * table type supplies how it reads flags and compiles a pattern. A rule with
 * a pattern the library rejects is skipped with Postfix's warning; one that
 * affix cannot translate faithfully makes the table fail to open.
 *
 * Diagnostics: warnings `TYPE map FILE, line N: ...` as Postfix words them;
 *   DictOpenError `TYPE map FILE, line N: unsupported in affix: ...`
 * See: postfix/src/util/dict_regexp.c, postfix/src/util/dict_pcre.c
 */
import { casefold, type Dict, DictOpenError } from './dict.ts';
import type { DictOpenContext } from './dict_context.ts';
import { expandReplacement, parseReplacement, type Replacement } from './dict_regsub.ts';
import { dictStreamLines } from './dict_stream.ts';
import { fromBytes, RegexUntranslatableError } from './regex_ast.ts';
import type { CompiledPattern } from './regexp_match.ts';

/** One pattern as written: `!`s, delimiters removed, the flag letters after it. */
export interface RawPattern {
  readonly text: string;
  readonly flags: string;
  readonly match: boolean;
}

/** A compiled pattern and how many groups it has (re_nsub / capture count). */
export interface Compiled {
  readonly pattern: CompiledPattern;
  readonly groups: number;
}

/** What differs between regexp: and pcre:. */
export interface RuleEngine {
  readonly kind: 'regexp' | 'pcre';
  /** regexp: `/a/!/b/` (a second, negated pattern) is allowed. */
  readonly secondPattern: boolean;
  /** The end of the flag letters: regexp stops at `!` too. */
  readonly flagsEnd: (ch: string) => boolean;
  /** pcre says "ignoring this rule", regexp "skipping this rule". */
  readonly delimiterAction: string;
  /**
   * Compiles a pattern. Returns null after warning (bad flag, syntax error);
   * throws RegexUntranslatableError for what affix refuses. `used`: the `$N`
   * numbers the rule's result needs.
   */
  compile(raw: RawPattern, where: string, used: ReadonlySet<number>, warn: (t: string) => void): Compiled | null;
}

type Rule =
  | {
      readonly op: 'match';
      readonly first: Compiled;
      readonly firstMatch: boolean;
      readonly second: Compiled | null;
      readonly secondMatch: boolean;
      readonly result: Replacement;
      readonly maxSub: number;
    }
  | { readonly op: 'if'; readonly cond: Compiled; readonly match: boolean; endif: number | null; readonly line: number }
  | { readonly op: 'endif' };

const isSpace = (ch: string | undefined) => ch !== undefined && ' \t\n\r\v\f'.includes(ch);
const isAlnum = (ch: string | undefined) => ch !== undefined && /[A-Za-z0-9]/.test(ch);

/** Reads one pattern at `text[at]`; null after a warning. */
function getPattern(
  engine: RuleEngine,
  text: string,
  at: number,
  where: string,
  warn: (t: string) => void,
): { raw: RawPattern; next: number } | null {
  let p = at;
  let match = true;
  for (; p < text.length; p++) {
    if (text[p] === '!') match = !match;
    else if (!isSpace(text[p])) break;
  }
  if (p >= text.length) {
    warn(`${where}: no regexp: skipping this rule`);
    return null;
  }
  const delim = text[p++]!;
  const start = p;
  for (; p < text.length; p++) {
    if (text[p] === '\\') {
      if (p + 1 < text.length) p++;
      else break;
    } else if (text[p] === delim) break;
  }
  if (p >= text.length || text[p] !== delim) {
    warn(`${where}: no closing regexp delimiter "${delim}": ${engine.delimiterAction} this rule`);
    return null;
  }
  const pattern = text.slice(start, p++);
  const flagsStart = p;
  while (p < text.length && !isSpace(text[p]) && !engine.flagsEnd(text[p]!)) p++;
  return { raw: { text: pattern, flags: text.slice(flagsStart, p), match }, next: p };
}

/** Compiles, turning a refusal into the table's open failure. */
function compileOrRefuse(
  engine: RuleEngine,
  raw: RawPattern,
  where: string,
  used: ReadonlySet<number>,
  warn: (t: string) => void,
): Compiled | null {
  try {
    return engine.compile(raw, where, used, warn);
  } catch (err) {
    if (!(err instanceof RegexUntranslatableError)) throw err;
    throw new DictOpenError(
      `${where}: unsupported in affix: ${err.message} in /${raw.text}/ (JavaScript would match differently)`,
    );
  }
}

function parseRule(engine: RuleEngine, ctx: DictOpenContext, text: string, line: number, nesting: number): Rule | null {
  const where = `${engine.kind} map ${ctx.name}, line ${line}`;
  const warn = (t: string) => ctx.log.warn(t);
  if (!isAlnum(text[0])) {
    const first = getPattern(engine, text, 0, where, warn);
    if (first === null) return null;
    let p = first.next;
    let second: { raw: RawPattern; next: number } | null = null;
    if (engine.secondPattern && text[p] === '!') {
      second = getPattern(engine, text, p, where, warn);
      if (second === null) return null;
      p = second.next;
    }
    while (isSpace(text[p])) p++;
    if (p >= text.length) warn(`${where}: no replacement text: using empty string`);
    const result = parseReplacement(text.slice(p), engine.kind, where, warn);
    if (result === null) return null;
    if (result.maxSub > 0 && !first.raw.match) {
      warn(`${where}: $number found in negative match replacement text: skipping this rule`);
      return null;
    }
    if (result.maxSub > 0 && ctx.flags.no_regsub) {
      warn(`${where}: regular expression substitution is not allowed: skipping this rule`);
      return null;
    }
    const used = new Set(result.parts.filter((x): x is number => typeof x === 'number'));
    const compiled = compileOrRefuse(engine, first.raw, where, used, warn);
    if (compiled === null) return null;
    if (result.maxSub > compiled.groups) {
      warn(`${where}: out of range replacement index "${result.maxSub}": skipping this rule`);
      return null;
    }
    const compiled2 = second === null ? null : compileOrRefuse(engine, second.raw, where, new Set(), warn);
    if (second !== null && compiled2 === null) return null;
    return {
      op: 'match',
      first: compiled,
      firstMatch: first.raw.match,
      second: compiled2,
      secondMatch: second?.raw.match ?? true,
      result: result.parts,
      maxSub: result.maxSub,
    };
  }
  if (/^if$/i.test(text.slice(0, 2)) && !isAlnum(text[2])) {
    let p = 2;
    while (isSpace(text[p])) p++;
    const pat = getPattern(engine, text, p, where, warn);
    if (pat === null) return null;
    p = pat.next;
    while (isSpace(text[p])) p++;
    if (p < text.length) {
      warn(`${where}: ignoring extra text after IF statement: "${text.slice(p)}"`);
      warn(`${where}: do not prepend whitespace to statements between IF and ENDIF`);
    }
    const cond = compileOrRefuse(engine, pat.raw, where, new Set(), warn);
    if (cond === null) return null;
    return { op: 'if', cond, match: pat.raw.match, endif: null, line };
  }
  if (/^endif$/i.test(text.slice(0, 5)) && !isAlnum(text[5])) {
    if (nesting === 0) {
      warn(`${where}: ignoring ENDIF without matching IF`);
      return null;
    }
    if (text.slice(5).trim() !== '') warn(`${where}: ignoring extra text after ENDIF`);
    return { op: 'endif' };
  }
  warn(`${where}: ignoring unrecognized request`);
  return null;
}

/** Opens a regexp: or pcre: table with `engine`. */
export async function dictRulesOpen(ctx: DictOpenContext, engine: RuleEngine): Promise<Dict> {
  const rules: Rule[] = [];
  const open: number[] = [];
  for (const { text: raw, line } of await dictStreamLines(ctx)) {
    const text = raw.replace(/[ \t\n\r\v\f]+$/, '');
    if (text === '') continue;
    const rule = parseRule(engine, ctx, text, line, open.length);
    if (rule === null) continue;
    if (rule.op === 'if') open.push(rules.length);
    if (rule.op === 'endif') (rules[open.pop()!] as Extract<Rule, { op: 'if' }>).endif = rules.length;
    rules.push(rule);
  }
  for (const at of open.reverse())
    ctx.log.warn(
      `${engine.kind} map ${ctx.name}, line ${(rules[at] as Extract<Rule, { op: 'if' }>).line}: IF has no matching ENDIF`,
    );
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: false,
    lookup: async (query) => lookupRules(rules, ctx.flags.fold_mul ? casefold(query, ctx.flags.utf8) : query),
  };
}

function lookupRules(rules: readonly Rule[], key: string): string | null {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.op === 'match') {
      const m = rule.first.pattern.exec(key, rule.maxSub > 0);
      if ((m !== null) !== rule.firstMatch) continue;
      if (rule.second !== null && (rule.second.pattern.exec(key, false) !== null) !== rule.secondMatch) continue;
      if (rule.maxSub === 0 || m === null) return expandReplacement(rule.result, []);
      return expandReplacement(
        rule.result,
        m.map((c) => (c === undefined ? undefined : fromBytes(c))),
      );
    }
    if (rule.op === 'if') {
      if ((rule.cond.pattern.exec(key, false) !== null) === rule.match) continue;
      if (rule.endif === null) return null;
      i = rule.endif;
    }
  }
  return null;
}
