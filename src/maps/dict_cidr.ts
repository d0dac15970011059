/**
 * dict_cidr: `cidr:/file` and `cidr:{ {1.2.3.0/24 result}, ... }`, tables of
 * network patterns searched in order, first match wins, with `!pattern`
 * negation and `if pattern` ... `endif` blocks, as cidr_table(5) describes.
 *
 * Diagnostics: warnings `cidr map FILE, line N: REASON: skipping this rule`,
 *   `IF has no matching ENDIF`
 * See: postfix/src/util/dict_cidr.c, postfix/proto/cidr_table
 */

import { type CidrPattern, cidrMatches, parseCidrKey, parseCidrPattern } from './cidr_match.ts';
import type { Dict } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';
import { dictStreamLines } from './dict_stream.ts';

type CidrRule =
  | { readonly op: 'match'; readonly pattern: CidrPattern; readonly match: boolean; readonly value: string }
  | {
      readonly op: 'if';
      readonly pattern: CidrPattern;
      readonly match: boolean;
      endif: number | null;
      readonly line: number;
    }
  | { readonly op: 'endif' };

const isSpace = (ch: string | undefined) => ch !== undefined && ' \t\n\r\v\f'.includes(ch);
const isAlnum = (ch: string | undefined) => ch !== undefined && /[A-Za-z0-9]/.test(ch);

/** `!` and whitespace before a pattern: the remaining text and whether it matches positively. */
function negations(text: string): { rest: string; match: boolean } {
  let match = true;
  let p = 0;
  for (; p < text.length; p++) {
    if (text[p] === '!') match = !match;
    else if (!isSpace(text[p])) break;
  }
  return { rest: text.slice(p), match };
}

function parseCidrRule(text: string, line: number, nesting: number): CidrRule | string {
  if (/^if$/i.test(text.slice(0, 2)) && !isAlnum(text[2])) {
    const { rest, match } = negations(text.slice(2));
    if (rest === '') return 'no address pattern';
    const pattern = parseCidrPattern(rest.trimEnd());
    if (typeof pattern === 'string') return pattern;
    return { op: 'if', pattern, match, endif: null, line };
  }
  if (/^endif$/i.test(text.slice(0, 5)) && !isAlnum(text[5])) {
    if (text.slice(5).trim() !== '') return 'garbage after ENDIF';
    if (nesting === 0) return 'ENDIF without IF';
    return { op: 'endif' };
  }
  const { rest, match } = negations(text);
  let end = 0;
  while (end < rest.length && !isSpace(rest[end])) end++;
  const key = rest.slice(0, end);
  const value = rest.slice(end).trim();
  if (key === '') return 'no address pattern';
  const pattern = parseCidrPattern(key);
  if (typeof pattern === 'string') return pattern;
  if (value === '') return 'no lookup result';
  return { op: 'match', pattern, match, value };
}

export async function dictCidrOpen(ctx: DictOpenContext): Promise<Dict> {
  requireReadOnly(ctx);
  const rules: CidrRule[] = [];
  const open: number[] = [];
  for (const { text, line } of await dictStreamLines(ctx)) {
    const rule = parseCidrRule(text, line, open.length);
    if (typeof rule === 'string') {
      ctx.log.warn(`cidr map ${ctx.name}, line ${line}: ${rule}: skipping this rule`);
      continue;
    }
    if (rule.op === 'if') open.push(rules.length);
    if (rule.op === 'endif') (rules[open.pop()!] as Extract<CidrRule, { op: 'if' }>).endif = rules.length;
    rules.push(rule);
  }
  for (const at of open.reverse())
    ctx.log.warn(
      `cidr map ${ctx.name}, line ${(rules[at] as Extract<CidrRule, { op: 'if' }>).line}: IF has no matching ENDIF`,
    );
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: false,
    async lookup(key) {
      const addr = parseCidrKey(key);
      if (addr === null) return null;
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.op === 'match') {
          if (rule.pattern.v6 === addr.v6 && cidrMatches(rule.pattern, addr) === rule.match) return rule.value;
        } else if (rule.op === 'if') {
          if (rule.pattern.v6 === addr.v6 && cidrMatches(rule.pattern, addr) === rule.match) continue;
          if (rule.endif === null) return null;
          i = rule.endif;
        }
      }
      return null;
    },
  };
}
