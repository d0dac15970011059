/**
 * dict_union: `unionmap:{a, b}` (the comma-joined results of every table that
 * has the key), `pipemap:{a, b}` (each result is the next table's key), and
 * `randmap:{a, b}` (one of the listed values, at random).
 *
 * Diagnostics: DictOpenError `bad syntax: "unionmap:..."; need "unionmap:{type:name...}"`;
 *   a nested table's error is reported under the outer table's name
 * See: postfix/src/util/dict_union.c, postfix/src/util/dict_pipe.c, postfix/src/util/dict_random.c
 */
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import { type Dict, DictLookupError, DictOpenError } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';
import { balpar } from './dict_inline.ts';

/** The `{...}` list of a combining table, checked as Postfix does. */
function listOf(ctx: DictOpenContext, need: string): string[] {
  requireReadOnly(ctx);
  const bad = new DictOpenError(`bad syntax: "${ctx.type}:${ctx.name}"; need "${ctx.type}:{${need}...}"`);
  const len = balpar(ctx.name);
  if (len === 0 || len !== ctx.name.length || len === 2) throw bad;
  const items = splitQuoted(ctx.name.slice(1, -1), CHARS_COMMA_SP);
  if (items.length === 0) throw bad;
  return items;
}

/** Runs `body`, reporting a nested table's failure as this table's. */
async function asOuter<T>(spec: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof DictLookupError) throw new DictLookupError(spec, err.dictError, err.reason, { cause: err });
    throw err;
  }
}

async function openAll(ctx: DictOpenContext): Promise<Dict[]> {
  const specs = listOf(ctx, 'type:name');
  const bad = `bad syntax: "${ctx.type}:${ctx.name}"; need "${ctx.type}:{type:name...}"`;
  if (specs.some((s) => !s.includes(':'))) throw new DictOpenError(bad);
  const dicts: Dict[] = [];
  for (const s of specs) dicts.push(await ctx.open(s));
  return dicts;
}

/** A table over the tables in the list: `combine` makes one answer from theirs. */
async function dictOverTables(
  ctx: DictOpenContext,
  combine: (dicts: readonly Dict[], key: string) => Promise<string | null>,
): Promise<Dict> {
  const dicts = await openAll(ctx);
  const spec = `${ctx.type}:${ctx.name}`;
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: dicts[0]!.fixed,
    lookup: (key) => asOuter(spec, () => combine(dicts, key)),
  };
}

export function dictUnionOpen(ctx: DictOpenContext): Promise<Dict> {
  return dictOverTables(ctx, async (dicts, key) => {
    const found: string[] = [];
    for (const d of dicts) {
      const v = await d.lookup(key);
      if (v !== null) found.push(v);
    }
    const joined = found.join(',');
    return joined === '' ? null : joined;
  });
}

export function dictPipeOpen(ctx: DictOpenContext): Promise<Dict> {
  return dictOverTables(ctx, async (dicts, key) => {
    let query: string | null = key;
    for (const d of dicts) {
      query = await d.lookup(query);
      if (query === null) return null;
    }
    return query;
  });
}

export async function dictRandomOpen(ctx: DictOpenContext): Promise<Dict> {
  const values = listOf(ctx, 'value');
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: false,
    lookup: async () => values[Math.floor(Math.random() * values.length)]!,
  };
}
