/**
 * cleanup_map11: one-to-one address mapping (canonical_maps and kin). The
 * result of a lookup is looked up again, until an address maps onto itself
 * or ten rounds have passed.
 *
 * Diagnostics: warnings `ID: multi-valued TITLE entry for ADDR`,
 *   `ID: TITLE map lookup problem for ADDR -- message not accepted, try again
 *   later` (the message is refused with 451 4.3.0), and `ID: unreasonable
 *   TITLE map nesting for ADDR -- ...` (the last result is kept)
 * See: postfix/src/cleanup/cleanup_map11.c
 */
import { casefold, DictLookupError } from '../maps/dict.ts';
import type { Maps } from '../maps/maps.ts';
import { mailAddrMap } from './cleanup_addr_map.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { CLEANUP_STAT, type CleanupState } from './cleanup_state.ts';

const MAX_RECURSION = 10;

/** cleanup_map11_internal(): `address` (internal form) after mapping with `maps`. */
export async function cleanupMap11(
  ctx: CleanupContext,
  state: CleanupState,
  address: string,
  maps: Maps,
  propagate: boolean,
): Promise<string> {
  let addr = address;
  for (let count = 0; count < MAX_RECURSION; count++) {
    let mapped: string[] | null;
    try {
      mapped = await mailAddrMap(ctx, maps, addr, propagate);
    } catch (err) {
      if (!(err instanceof DictLookupError)) throw err;
      ctx.log.warn(CLEANUP_LOG.mapProblemFor(state.queueId, maps.title, state.logAddress(addr)));
      state.errs |= CLEANUP_STAT.WRITE;
      return addr;
    }
    if (mapped === null) return addr;
    if (mapped.length > 1) ctx.log.warn(CLEANUP_LOG.multiValued(state.queueId, maps.title, state.logAddress(addr)));
    const previous = addr;
    addr = mapped[0]!;
    if (casefold(previous, true) === casefold(addr, true)) return addr;
  }
  ctx.log.warn(CLEANUP_LOG.nesting(state.queueId, maps.title, state.logAddress(addr)));
  return addr;
}
