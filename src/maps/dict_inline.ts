/**
 * dict_inline: `inline:{ key=value, { key = value with spaces } }`, a table
 * written in the configuration itself. No duplicate checks, as in Postfix:
 * the last value for a key wins.
 *
 * Diagnostics: DictOpenError `bad syntax: "inline:..."; need "inline:{name=value...}"`,
 *   or the element's own error in place of `bad syntax`
 * See: postfix/src/util/dict_inline.c, postfix/src/util/split_qnameval.c
 */
import { CHARS_COMMA_SP, extractBraced, splitQuoted } from '../config/config_split.ts';
import { DictOpenError } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';
import { DictHt } from './dict_ht.ts';

const isSpace = (ch: string | undefined): boolean =>
  ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';

/** split_qnameval(): `key = value`, where the key may be quoted; the error text or the pair. */
export function splitQnameval(text: string): { key: string; value: string } | string {
  let k = 0;
  while (k < text.length && isSpace(text[k])) k++;
  if (k >= text.length) return 'no key found; expected format: key = value';
  let end = k;
  let inQuotes = false;
  for (; end < text.length; end++) {
    const ch = text[end];
    if (ch === '\\') {
      if (++end >= text.length) break;
    } else if (isSpace(ch) || ch === '=') {
      if (!inQuotes) break;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
    }
  }
  if (inQuotes) return `unbalanced '"'`;
  let v = end;
  while (v < text.length && isSpace(text[v])) v++;
  if (text[v] !== '=') return `missing '=' after attribute name`;
  v++;
  while (v < text.length && isSpace(text[v])) v++;
  let vend = text.length;
  while (vend > v && isSpace(text[vend - 1])) vend--;
  return { key: text.slice(k, end), value: text.slice(v, vend) };
}

/** Length of the balanced `{...}` at the start of `text`, 0 when there is none (balpar). */
export function balpar(text: string): number {
  if (!text.startsWith('{')) return 0;
  let level = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '{') level++;
    else if (text[i] === '}' && --level === 0) return i + 1;
  }
  return 0;
}

export async function dictInlineOpen(ctx: DictOpenContext): Promise<DictHt> {
  requireReadOnly(ctx);
  const spec = `${ctx.type}:${ctx.name}`;
  const fail = (why: string) => new DictOpenError(`${why}: "${spec}"; need "${ctx.type}:{name=value...}"`);
  const len = balpar(ctx.name);
  if (len === 0 || len !== ctx.name.length || len === 2) throw fail('bad syntax');
  const table = new DictHt(ctx.type, ctx.name, ctx.flags);
  for (const token of splitQuoted(ctx.name.slice(1, -1), CHARS_COMMA_SP)) {
    let element = token;
    if (token.startsWith('{')) {
      const r = extractBraced(token);
      if (!r.ok) throw fail(r.error);
      element = r.value;
    }
    const kv = splitQnameval(element);
    if (typeof kv === 'string') throw fail(kv);
    table.put(kv.key, kv.value);
  }
  if (table.size === 0) throw fail('empty table');
  return table;
}
