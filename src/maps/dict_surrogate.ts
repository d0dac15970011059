/**
 * dict_surrogate: what a daemon gets for a table that did not open. The
 * reason was logged as an error at open; each later access warns `TYPE:NAME
 * is unavailable. REASON` and fails with a temporary error, so mail is
 * deferred instead of the daemon dying.
 *
 * See: postfix/src/util/dict_surrogate.c
 */
import { type Dict, type DictLog, DictLookupError } from './dict.ts';

export function dictSurrogate(type: string, name: string, reason: string, log: DictLog): Dict {
  const spec = `${type}:${name}`;
  const fail = (): never => {
    log.warn(`${spec} is unavailable. ${reason}`);
    throw new DictLookupError(spec, 'retry');
  };
  return {
    type,
    name,
    fixed: false,
    lookup: async () => fail(),
    // biome-ignore lint/correctness/useYield: the sequence fails before its first entry
    entries: async function* () {
      fail();
    },
    update: async () => fail(),
    delete: async () => fail(),
  };
}
