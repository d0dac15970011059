/**
 * dict_fail: `fail:name`, a table whose every operation fails with a
 * temporary error (DICT_ERR_RETRY), to test how callers defer.
 *
 * See: postfix/src/util/dict_fail.c
 */
import { type Dict, DictLookupError } from './dict.ts';
import type { DictOpenContext } from './dict_context.ts';

export async function dictFailOpen(ctx: DictOpenContext): Promise<Dict> {
  const spec = `${ctx.type}:${ctx.name}`;
  const fail = (): never => {
    throw new DictLookupError(spec, 'retry');
  };
  const dict: Dict = {
    type: ctx.type,
    name: ctx.name,
    fixed: false,
    lookup: async () => fail(),
    // biome-ignore lint/correctness/useYield: the sequence fails before its first entry
    entries: async function* () {
      fail();
    },
  };
  if (ctx.mode === 'read') return dict;
  return { ...dict, update: async () => fail(), delete: async () => fail() };
}
