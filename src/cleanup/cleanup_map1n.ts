/**
 * cleanup_map1n: one-to-many address mapping, virtual alias expansion.
 * Each result is expanded again until an address appears in its own
 * expansion; virtual_alias_expansion_limit bounds the number of addresses,
 * virtual_alias_recursion_limit the depth, virtual_alias_address_length_limit
 * the length of a result.
 *
 * Parameters: virtual_alias_expansion_limit, virtual_alias_recursion_limit,
 *   virtual_alias_address_length_limit
 * Diagnostics: on a limit, warning `ID: unreasonable TITLE map expansion size
 *   for ADDR -- message not accepted, try again later` (or `nesting`,
 *   `result`) and the message is refused with `451 4.6.0 Alias expansion
 *   error`; on a table failure, `ID: TITLE map lookup problem for ADDR -- ...`
 *   and 451 4.3.0. The address is then left unexpanded.
 * See: postfix/src/cleanup/cleanup_map1n.c
 */
import { casefold, DictLookupError } from '../maps/dict.ts';
import type { Maps } from '../maps/maps.ts';
import { mailAddrMap } from './cleanup_addr_map.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { CLEANUP_STAT, type CleanupState } from './cleanup_state.ts';

const ALIAS_ERROR = '4.6.0 Alias expansion error';

/** cleanup_map1n_internal(): the addresses `address` expands to (itself when it does not). */
export async function cleanupMap1n(
  ctx: CleanupContext,
  state: CleanupState,
  address: string,
  maps: Maps,
  propagate: boolean,
): Promise<string[]> {
  const p = ctx.params;
  const list = [address];
  const beenHere = new Set<string>();
  const fail = (errs: number, line: string): string[] => {
    ctx.log.warn(line);
    state.errs |= errs;
    state.reason = ALIAS_ERROR;
    return [address];
  };
  const shown = state.logAddress(address);
  for (let arg = 0; arg < list.length; arg++) {
    if (list.length > p.virtual_alias_expansion_limit) {
      return fail(CLEANUP_STAT.DEFER, CLEANUP_LOG.expansion(state.queueId, maps.title, shown));
    }
    for (let count = 0; ; count++) {
      if (beenHere.has(casefold(list[arg]!, true))) break;
      if (count >= p.virtual_alias_recursion_limit) {
        return fail(CLEANUP_STAT.DEFER, CLEANUP_LOG.nesting(state.queueId, maps.title, shown));
      }
      let lookup: string[] | null;
      try {
        lookup = await mailAddrMap(ctx, maps, list[arg]!, propagate);
      } catch (err) {
        if (!(err instanceof DictLookupError)) throw err;
        return fail(CLEANUP_STAT.WRITE, CLEANUP_LOG.mapProblemFor(state.queueId, maps.title, shown));
      }
      if (lookup === null) break;
      const lhs = list[arg]!;
      for (let i = 0; i < lookup.length; i++) {
        const result = lookup[i]!;
        if (result.length > p.virtual_alias_address_length_limit) {
          return fail(CLEANUP_STAT.DEFER, CLEANUP_LOG.longResult(state.queueId, maps.title, result));
        }
        if (i === 0) list[arg] = result;
        else list.push(result);
        // The left-hand side in its own expansion ends the recursion for it.
        if (casefold(lhs, true) === casefold(result, true)) beenHere.add(casefold(lhs, true));
      }
    }
  }
  return list;
}
