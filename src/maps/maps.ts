/**
 * maps: the tables of one parameter (`virtual_alias_maps = hash:/etc/postfix/
 * virtual, pcre:/etc/postfix/virtual.pcre`), searched in order; the first
 * table that has the key wins. A table that fails stops the search with its
 * error, so the caller defers instead of using a later table's answer.
 *
 * Diagnostics: warning `TYPE:NAME lookup error for "KEY"` before a lookup
 *   error is passed on; an empty result warns and fails as a configuration error
 * See: postfix/src/global/maps.c
 */
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import { type Dict, type DictLog, DictLookupError } from './dict.ts';
import { type DictOpenOptions, openDict } from './dict_open.ts';

export class Maps {
  /** The parameter name, used in warnings (`virtual_alias_maps lookup of ...`). */
  readonly title: string;
  readonly dicts: readonly Dict[];
  readonly #log: DictLog;

  constructor(title: string, dicts: readonly Dict[], log: DictLog) {
    this.title = title;
    this.dicts = dicts;
    this.#log = log;
  }

  /**
   * The first table's value for `key`, or null. With `partial` (a key derived
   * from an address: `user@`, `@domain`), tables whose keys are patterns are
   * skipped, so a regexp written for full addresses never sees a fragment.
   * Throws DictLookupError when a table fails.
   */
  async find(key: string, partial = false): Promise<string | null> {
    if (key === '') return null;
    for (const dict of this.dicts) {
      if (partial && !dict.fixed) continue;
      let value: string | null;
      try {
        value = await dict.lookup(key);
      } catch (err) {
        if (err instanceof DictLookupError) this.#log.warn(`${dict.type}:${dict.name} lookup error for "${key}"`);
        throw err;
      }
      if (value === null) continue;
      if (value === '') {
        this.#log.warn(`${this.title} lookup of ${key} returns an empty string result`);
        this.#log.warn(`${this.title} should return NO RESULT in case of NOT FOUND`);
        throw new DictLookupError(`${dict.type}:${dict.name}`, 'config', 'empty string result');
      }
      return value;
    }
    return null;
  }

  /** Closes every table. */
  async close(): Promise<void> {
    for (const d of this.dicts) await d.close?.();
  }
}

/**
 * Opens the tables listed in a parameter value (already `$name`-expanded):
 * `type:name` elements separated by commas or whitespace, `{...}` kept whole.
 */
export async function openMaps(title: string, value: string, options: DictOpenOptions): Promise<Maps> {
  const dicts: Dict[] = [];
  for (const spec of splitQuoted(value, CHARS_COMMA_SP)) dicts.push(await openDict(spec, options));
  return new Maps(title, dicts, options.log);
}
