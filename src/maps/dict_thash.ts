/**
 * dict_thash: `texthash:/file`, a postmap-format source file read straight
 * into memory when the table is opened (no index, no postmap).
 *
 * Diagnostics: DictOpenError `open database FILE: reason`; warnings for bad
 *   lines; duplicates as the dup flag says (fatal without one, as in a daemon)
 * See: postfix/src/util/dict_thash.c
 */
import { readFile } from 'node:fs/promises';
import { DictOpenError } from './dict.ts';
import { type DictOpenContext, requireReadOnly, strerror, tablePath } from './dict_context.ts';
import { DictHt } from './dict_ht.ts';
import { sourceRecords } from './dict_source.ts';

/** Fills `table` from source text, applying the duplicate policy; throws DictOpenError for a fatal duplicate. */
export function loadSource(ctx: DictOpenContext, table: DictHt, text: string, texthash: boolean): void {
  for (const r of sourceRecords(text, ctx.name, texthash)) {
    if (r.kind === 'warning') {
      ctx.log.warn(r.text);
      continue;
    }
    if (!table.has(r.key)) {
      table.put(r.key, r.value);
      continue;
    }
    const dup = `${ctx.name}, line ${r.line}: duplicate entry: "${r.key}"`;
    switch (ctx.flags.dup) {
      case 'ignore':
        break;
      case 'replace':
        table.put(r.key, r.value);
        break;
      case 'warn':
        ctx.log.warn(dup);
        break;
      case 'fatal':
        throw new DictOpenError(dup);
    }
  }
}

export async function dictThashOpen(ctx: DictOpenContext): Promise<DictHt> {
  requireReadOnly(ctx);
  let text: string;
  try {
    text = await readFile(tablePath(ctx, ctx.name), 'utf8');
  } catch (err) {
    throw new DictOpenError(`open database ${ctx.name}: ${strerror(err)}`, { cause: err });
  }
  const table = new DictHt(ctx.type, ctx.name, ctx.flags);
  loadSource(ctx, table, text, true);
  return table;
}
