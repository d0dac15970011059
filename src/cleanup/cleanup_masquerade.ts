/**
 * cleanup_masquerade: address masquerading. An address in a subdomain of a
 * masquerade_domains entry loses the subdomain (`user@host.example.com` ->
 * `user@example.com`); the first entry that matches decides; `!domain`
 * protects a domain; masquerade_exceptions names users never masqueraded.
 *
 * Parameters: masquerade_domains, masquerade_exceptions
 * Diagnostics: a masquerade_exceptions table that fails refuses the message
 *   (451 4.3.0) with `ID: masquerade_exceptions map lookup problem -- ...`
 *   (logged as info, as Postfix does)
 * See: postfix/src/cleanup/cleanup_masquerade.c
 */
import { casefold, DictLookupError } from '../maps/dict.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { CLEANUP_STAT, type CleanupState } from './cleanup_state.ts';

/** cleanup_masquerade_internal(): `address` (internal form), masqueraded. */
export async function cleanupMasquerade(ctx: CleanupContext, state: CleanupState, address: string): Promise<string> {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = casefold(address.slice(at + 1), true);
  const exceptions = ctx.tables.masquerade_exceptions;
  if (exceptions !== null) {
    let excluded = false;
    try {
      excluded = await exceptions.match(address.slice(0, at));
    } catch (err) {
      if (!(err instanceof DictLookupError)) throw err;
      ctx.log.info(CLEANUP_LOG.mapProblem(state.queueId, 'masquerade_exceptions'));
      state.errs |= CLEANUP_STAT.WRITE;
    }
    if (excluded) return address;
  }
  for (const entry of ctx.params.masquerade_domains) {
    let masq = entry;
    let truncate = true;
    while (masq.startsWith('!')) {
      truncate = !truncate;
      masq = masq.slice(1);
    }
    masq = casefold(masq, true);
    if (masq === '') continue;
    if (masq === domain) break;
    if (masq.length < domain.length && domain.endsWith(`.${masq}`)) {
      return truncate ? `${address.slice(0, at + 1)}${masq}` : address;
    }
  }
  return address;
}
