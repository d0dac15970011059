/**
 * dict_pcre: `pcre:/file` and `pcre:{ {/re/ result}, ... }`, tables of
 * Perl-compatible regular expressions, matched as PCRE2 does for Postfix
 * (bytes, no UTF mode). Flags: `i` (case-sensitive; the default ignores
 * case), `m` (multi-line), `s` (`.` stops at newline; the default matches
 * it), `x` (extended), `A` (anchored), `E` (`$` only at the very end), `U`
 * (ungreedy), `X` (obsolete, ignored with a warning as Postfix with PCRE2).
 *
 * Diagnostics: Postfix's warnings (`pcre map FILE, line N: error in regex at
 *   offset 3: missing closing parenthesis` ...); untranslatable constructs
 *   make the table fail to open (see regexp_pcre.ts)
 * See: postfix/src/util/dict_pcre.c, postfix/proto/pcre_table
 */
import type { Dict } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';
import { dictRulesOpen, type RuleEngine } from './dict_regexp_rules.ts';
import { RegexSyntaxError, toBytes } from './regex_ast.ts';
import { checkCaptures } from './regex_emit.ts';
import { compilePcre } from './regexp_match.ts';
import { parsePcre } from './regexp_pcre.ts';

export const PCRE_ENGINE: RuleEngine = {
  kind: 'pcre',
  secondPattern: false,
  flagsEnd: () => false,
  delimiterAction: 'ignoring',
  compile(raw, where, used, warn) {
    const o = {
      caseless: true,
      multiline: false,
      dotall: true,
      extended: false,
      anchored: false,
      dollarEndOnly: false,
      ungreedy: false,
    };
    for (const f of raw.flags) {
      switch (f) {
        case 'i':
          o.caseless = !o.caseless;
          break;
        case 'm':
          o.multiline = !o.multiline;
          break;
        case 's':
          o.dotall = !o.dotall;
          break;
        case 'x':
          o.extended = !o.extended;
          break;
        case 'A':
          o.anchored = !o.anchored;
          break;
        case 'E':
          o.dollarEndOnly = !o.dollarEndOnly;
          break;
        case 'U':
          o.ungreedy = !o.ungreedy;
          break;
        case 'X':
          warn(`${where}: ignoring obsolete regexp option "X"`);
          break;
        default:
          warn(`${where}: unknown regexp option "${f}": skipping this rule`);
          return null;
      }
    }
    try {
      const re = parsePcre(toBytes(raw.text), o);
      checkCaptures(re.node, used, re.caselessBackref);
      return { pattern: compilePcre(re.node, o.anchored), groups: re.groups };
    } catch (err) {
      if (!(err instanceof RegexSyntaxError)) throw err;
      warn(`${where}: error in regex at offset ${err.offset}: ${err.message}`);
      return null;
    }
  },
};

export async function dictPcreOpen(ctx: DictOpenContext): Promise<Dict> {
  requireReadOnly(ctx);
  return dictRulesOpen(ctx, PCRE_ENGINE);
}
