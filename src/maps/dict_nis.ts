/**
 * dict_nis: `nis:map`, for the Debian default `alias_maps = hash:/etc/aliases,
 * nis:mail.aliases`. affix has no NIS client: it behaves as Postfix on a host
 * with no NIS domain name, warning once at open and finding nothing.
 *
 * Diagnostics: warning `dict_nis_init: NIS domain name not set - NIS lookups disabled`
 * See: postfix/src/util/dict_nis.c
 */
import type { Dict } from './dict.ts';
import { type DictOpenContext, requireReadOnly } from './dict_context.ts';

export async function dictNisOpen(ctx: DictOpenContext): Promise<Dict> {
  requireReadOnly(ctx);
  ctx.log.warn('dict_nis_init: NIS domain name not set - NIS lookups disabled');
  return { type: ctx.type, name: ctx.name, fixed: true, lookup: async () => null };
}
