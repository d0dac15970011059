/**
 * smtpd_tables: opens the lookup tables smtpd's parameters name (access
 * maps, the tables in match lists, smtpd_discard_ehlo_keyword_address_maps
 * ...), as a daemon does: a table that cannot be opened is logged as an
 * error and replaced by one whose every lookup fails temporarily, so the
 * restriction that uses it answers `451 4.3.5 ... Server configuration
 * error` instead of the daemon dying. Tables are opened once per context
 * and shared by its sessions.
 *
 * Parameters: config_directory (relative table paths)
 * Diagnostics: `error: open X: reason` via the surrogate table
 * See: postfix/src/util/dict_open.c, postfix/src/global/maps.c
 */
import type { Log } from '../log/log.ts';
import { type Dict, DictLookupError } from '../maps/dict.ts';
import type { Maps } from '../maps/maps.ts';

export interface SmtpdTables {
  /** One `type:name` table (for match lists). */
  open(spec: string): Promise<Dict>;
  /** The tables of a parameter, searched in order; null when the value is empty. */
  maps(title: string, value: string): Promise<Maps | null>;
}

/** A table whose every lookup fails temporarily (dict_surrogate). */
function failingDict(spec: string, reason: string): Dict {
  const colon = spec.indexOf(':');
  return {
    type: colon < 0 ? spec : spec.slice(0, colon),
    name: colon < 0 ? '' : spec.slice(colon + 1),
    fixed: true,
    lookup: async () => {
      throw new DictLookupError(spec, 'retry', reason);
    },
  };
}

/** Tables opened through src/maps, cached by spec for the life of the context. */
export function createSmtpdTables(log: Log, cwd: string): SmtpdTables {
  const dictLog = { warn: (t: string) => log.warn(t), error: (t: string) => log.error(t) };
  const cache = new Map<string, Promise<Dict>>();
  const options = { log: dictLog, surrogate: true, cwd };
  return {
    open(spec) {
      let d = cache.get(spec);
      if (d === undefined) {
        d = import('../maps/dict_open.ts')
          .then((m) => m.openDict(spec, options))
          .catch((err: unknown) => {
            const reason = err instanceof Error ? err.message : String(err);
            log.error(`open ${spec}: ${reason}`);
            return failingDict(spec, reason);
          });
        cache.set(spec, d);
      }
      return d;
    },
    async maps(title, value) {
      if (value.trim() === '') return null;
      const m = await import('../maps/maps.ts');
      return m.openMaps(title, value, options);
    },
  };
}
