/**
 * dict_regexp: `regexp:/file` and `regexp:{ {/re/ result}, ... }`, tables of
 * POSIX extended regular expressions, matched as glibc's regexec() does in
 * the C locale. Flags: `i` (case-sensitive; the default ignores case), `x`
 * (basic syntax instead of extended), `m` (newline-sensitive).
 *
 * Diagnostics: Postfix's warnings (`regexp map FILE, line N: Unmatched ( or \(`,
 *   `unknown regexp option "q": skipping this rule` ...); see dict_regexp_rules.ts
 * See: postfix/src/util/dict_regexp.c, postfix/proto/regexp_table
 */
import type { Dict } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';
import { dictRulesOpen, type RuleEngine } from './dict_regexp_rules.ts';
import { RegexSyntaxError, toBytes } from './regex_ast.ts';
import { checkCaptures } from './regex_emit.ts';
import { compilePosix } from './regexp_match.ts';
import { parsePosix } from './regexp_posix.ts';

export const REGEXP_ENGINE: RuleEngine = {
  kind: 'regexp',
  secondPattern: true,
  flagsEnd: (ch) => ch === '!',
  delimiterAction: 'skipping',
  compile(raw, where, used, warn) {
    let extended = true;
    let icase = true;
    let newline = false;
    for (const f of raw.flags) {
      if (f === 'i') icase = !icase;
      else if (f === 'm') newline = !newline;
      else if (f === 'x') extended = !extended;
      else {
        warn(`${where}: unknown regexp option "${f}": skipping this rule`);
        return null;
      }
    }
    try {
      const re = parsePosix(toBytes(raw.text), { extended, icase, newline });
      checkCaptures(re.node, used, icase);
      return { pattern: compilePosix(re.node), groups: re.groups };
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      warn(`${where}: ${err.message}`);
      return null;
    }
  },
};

export async function dictRegexpOpen(ctx: DictOpenContext): Promise<Dict> {
  requireReadOnly(ctx);
  return dictRulesOpen(ctx, REGEXP_ENGINE);
}
