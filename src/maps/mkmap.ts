/**
 * mkmap: building and updating an indexed table, as postmap and postalias
 * do: which types can be built, the permissions of a new index, and feeding
 * source records into a table opened for creation or update.
 *
 * Diagnostics: `unsupported dictionary type: TYPE does not support bulk-mode
 *   creation.`, `can't create maps via the proxy service` (Postfix's texts)
 * See: postfix/src/global/mkmap_open.c, postfix/src/postmap/postmap.c
 */
import { type Dict, type DictLog, DictLookupError } from './dict.ts';
import type { SourceRecord } from './dict_source.ts';

/** Types with an index that postmap can build. */
export const MKMAP_TYPES: ReadonlySet<string> = new Set(['hash', 'btree', 'lmdb']);

/** Why `type` cannot be built, or null when it can. `known`: whether any opener knows the type. */
export function mkmapRefusal(type: string, known: boolean): string | null {
  if (MKMAP_TYPES.has(type)) return null;
  if (type === 'proxy') return "can't create maps via the proxy service";
  // Debian's Postfix builds map types as plugins and names the package to install.
  if (!known) return `unsupported dictionary type: ${type}. Is the postfix-${type} package installed?`;
  return `unsupported dictionary type: ${type} does not support bulk-mode creation.`;
}

/**
 * The permissions of a new index: like the source's for group and other (so
 * a private source gives a private index), never more than 0644.
 */
export function indexMode(sourceMode: number, savePerm: boolean): number {
  const umask = savePerm ? 0o022 | (~sourceMode & 0o077) : 0o022;
  return 0o644 & ~umask;
}

/** Stores each entry in `dict` (warnings to `log`), then writes it. */
export async function mkmapLoad(dict: Dict, records: Iterable<SourceRecord>, log: DictLog): Promise<void> {
  if (dict.update === undefined) throw new DictLookupError(`${dict.type}:${dict.name}`, 'config', 'not writable');
  for (const r of records) {
    if (r.kind === 'warning') log.warn(r.text);
    else await dict.update(r.key, r.value);
  }
}
