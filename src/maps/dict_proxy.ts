/**
 * dict_proxy: `proxy:TYPE:NAME`. In Postfix this asks the proxymap service,
 * which holds the table open outside the chroot; affix is one process, so
 * the table is opened in place and the wrapper only keeps the `proxy:` name.
 *
 * See: postfix/src/global/dict_proxy.c
 */
import type { Dict } from './dict.ts';
import type { DictOpenContext } from './dict_context.ts';

/** A table under another type and name, delegating every operation. */
export function renamedDict(inner: Dict, type: string, name: string): Dict {
  const dict: { -readonly [K in keyof Dict]: Dict[K] } = {
    type,
    name,
    fixed: inner.fixed,
    lookup: (key) => inner.lookup(key),
  };
  if (inner.entries) dict.entries = () => inner.entries!();
  if (inner.update) dict.update = (key, value) => inner.update!(key, value);
  if (inner.delete) dict.delete = (key) => inner.delete!(key);
  if (inner.close) dict.close = () => inner.close!();
  return dict;
}

export async function dictProxyOpen(ctx: DictOpenContext): Promise<Dict> {
  return renamedDict(await ctx.open(ctx.name), ctx.type, ctx.name);
}
