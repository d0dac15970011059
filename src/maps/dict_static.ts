/**
 * dict_static: `static:value` and `static:{ value with spaces }`, a table
 * that returns the same value for every key.
 *
 * Diagnostics: DictOpenError `bad static:name syntax: ...` for unbalanced braces
 * See: postfix/src/util/dict_static.c
 */
import { extractBraced } from '../config/config_split.ts';
import { type Dict, DictOpenError } from './dict.ts';
import type { DictOpenContext } from './dict_context.ts';

export async function dictStaticOpen(ctx: DictOpenContext): Promise<Dict> {
  let value = ctx.name;
  if (ctx.name.startsWith('{')) {
    const r = extractBraced(ctx.name);
    if (!r.ok) throw new DictOpenError(`bad static:name syntax: ${r.error}`);
    value = r.value;
  }
  return { type: ctx.type, name: ctx.name, fixed: true, lookup: async () => value };
}
