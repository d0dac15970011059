/**
 * dict_regsub: the result text of a regexp: or pcre: rule, with `$1`,
 * `${1}`, `$(1)` replaced by the matched substrings and `$$` by `$`. The text
 * is checked when the table is opened, as Postfix's pre-scan does, so a
 * lookup never meets a bad reference.
 *
 * Diagnostics: Postfix's warnings (`empty macro name: "..."`, `non-numeric
 *   replacement index "x"`, `bad replacement syntax: skipping this rule`)
 * See: postfix/src/util/mac_parse.c, postfix/src/util/dict_regexp.c (dict_regexp_prescan)
 */

/** Literal text and `$N` references, in order. */
export type Replacement = readonly (string | number)[];

export interface ParsedReplacement {
  readonly parts: Replacement;
  /** The largest N used (0: the text is a constant). */
  readonly maxSub: number;
}

type MacPart = { readonly literal: string } | { readonly name: string };

const NAME_CHAR = /[A-Za-z0-9_]/;

/** mac_parse(): splits `$name`, `${name}`, `$(name)` from literal text; null (with warnings) on bad syntax. */
export function macParse(value: string, warn: (text: string) => void): MacPart[] | null {
  const parts: MacPart[] = [];
  let buf = '';
  let i = 0;
  while (i < value.length) {
    if (value[i] !== '$') {
      buf += value[i++];
    } else if (value[i + 1] === '$') {
      buf += '$';
      i += 2;
    } else {
      if (buf !== '') parts.push({ literal: buf });
      buf = '';
      i++;
      let name = '';
      const open = value[i];
      if (open === '(' || open === '{') {
        const close = open === '(' ? ')' : '}';
        let level = 1;
        let end = i + 1;
        for (; level > 0; end++) {
          if (end >= value.length) {
            warn(`truncated macro reference: "${value}"`);
            return null;
          }
          if (value[end] === open) level++;
          if (value[end] === close) level--;
        }
        name = value.slice(i + 1, end - 1);
        i = end;
      } else {
        while (i < value.length && NAME_CHAR.test(value[i]!)) name += value[i++];
      }
      if (name === '') {
        warn(`empty macro name: "${value}"`);
        return null;
      }
      parts.push({ name });
    }
  }
  if (buf !== '') parts.push({ literal: buf });
  return parts;
}

/**
 * The pre-scan of a rule's result: `$N` must be a number of at least 1.
 * `kind` is `regexp` or `pcre` (their wording differs slightly); null after warnings.
 */
export function parseReplacement(
  text: string,
  kind: 'regexp' | 'pcre',
  where: string,
  warn: (text: string) => void,
): ParsedReplacement | null {
  const parts = macParse(text, warn);
  let maxSub = 0;
  let ok = parts !== null;
  const out: (string | number)[] = [];
  for (const p of parts ?? []) {
    if ('literal' in p) {
      out.push(p.literal);
      continue;
    }
    if (!/^\d+$/.test(p.name)) {
      warn(`${where}: non-numeric replacement index "${p.name}"`);
      ok = false;
      continue;
    }
    const n = Number(p.name);
    if (n < 1) {
      warn(`${where}: ${kind === 'regexp' ? 'out-of-range' : 'out of range'} replacement index "${p.name}"`);
      ok = false;
      continue;
    }
    maxSub = Math.max(maxSub, n);
    out.push(n);
  }
  if (!ok) {
    warn(`${where}: bad replacement syntax: skipping this rule`);
    return null;
  }
  return { parts: out, maxSub };
}

/** The result for one match: `captures[n]` (already text) replaces `$n`; unset and empty ones vanish. */
export function expandReplacement(parts: Replacement, captures: readonly (string | undefined)[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : (captures[p] ?? ''))).join('');
}
