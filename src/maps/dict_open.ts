/**
 * dict_open: opens a table from its `type:name` text, dispatching by type
 * through one typed table of openers. New types (`pgsql:` ...) are added to
 * DICT_OPENERS, or passed in `openers` by a caller, without changing callers.
 * A table that cannot be opened is fatal for a command (DictOpenError) and a
 * surrogate for a daemon (`surrogate: true`): the reason is logged as an
 * error and every lookup fails with a temporary error.
 *
 * Diagnostics: `unsupported dictionary type: TYPE`,
 *   `open dictionary: expecting "type:name" form instead of "SPEC"`
 * See: postfix/src/util/dict_open.c, postfix/src/util/dict_surrogate.c
 */
import { DICT_FLAGS_DEFAULT, type Dict, type DictFlags, type DictLog, type DictMode, DictOpenError } from './dict.ts';
import { dictCidrOpen } from './dict_cidr.ts';
import type { DictOpenContext, DictOpener } from './dict_context.ts';
import { dictDbOpen } from './dict_db.ts';
import { dictEnvOpen } from './dict_env.ts';
import { dictFailOpen } from './dict_fail.ts';
import { DictHt } from './dict_ht.ts';
import { dictInlineOpen } from './dict_inline.ts';
import { dictNisOpen } from './dict_nis.ts';
import { dictPcreOpen } from './dict_pcre.ts';
import { dictProxyOpen } from './dict_proxy.ts';
import { dictRegexpOpen } from './dict_regexp.ts';
import { dictStaticOpen } from './dict_static.ts';
import { dictSurrogate } from './dict_surrogate.ts';
import { dictThashOpen } from './dict_thash.ts';
import { dictPipeOpen, dictRandomOpen, dictUnionOpen } from './dict_union.ts';
import { dictUnixOpen } from './dict_unix.ts';

/** Every table type affix knows, by its Postfix name. */
export const DICT_OPENERS: Readonly<Record<string, DictOpener>> = {
  btree: dictDbOpen,
  cidr: dictCidrOpen,
  environ: dictEnvOpen,
  fail: dictFailOpen,
  hash: dictDbOpen,
  inline: dictInlineOpen,
  internal: async (ctx) => new DictHt(ctx.type, ctx.name, ctx.flags),
  lmdb: dictDbOpen,
  nis: dictNisOpen,
  pcre: dictPcreOpen,
  pipemap: dictPipeOpen,
  proxy: dictProxyOpen,
  randmap: dictRandomOpen,
  regexp: dictRegexpOpen,
  static: dictStaticOpen,
  texthash: dictThashOpen,
  unionmap: dictUnionOpen,
  unix: dictUnixOpen,
};

export interface DictOpenOptions {
  readonly log: DictLog;
  /** Overrides of DICT_FLAGS_DEFAULT. */
  readonly flags?: Partial<DictFlags>;
  /** Default 'read'. */
  readonly mode?: DictMode;
  /** Daemons: log an open failure as an error and return a table that fails every lookup. */
  readonly surrogate?: boolean;
  /** For `environ:`; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory for relative table paths; default process.cwd(). */
  readonly cwd?: string;
  /** Clock in milliseconds; default Date.now. */
  readonly now?: () => number;
  /** Defaults /etc/passwd and /etc/group. */
  readonly passwdFile?: string;
  readonly groupFile?: string;
  /** Permissions of an index a build creates; default 0644. */
  readonly createMode?: number;
  /** Extra or replacement table types. */
  readonly openers?: Readonly<Record<string, DictOpener>>;
}

/** The type names `postconf -m` lists. */
export function dictTypes(options?: Pick<DictOpenOptions, 'openers'>): string[] {
  return Object.keys({ ...DICT_OPENERS, ...options?.openers }).sort();
}

/** Splits `type:name` at the first colon; null when either part is empty. */
export function splitDictSpec(spec: string): { type: string; name: string } | null {
  const at = spec.indexOf(':');
  if (at <= 0 || at === spec.length - 1) return null;
  return { type: spec.slice(0, at), name: spec.slice(at + 1) };
}

/** Opens table `name` of type `type` (Postfix's dict_open3). */
export async function openDict3(type: string, name: string, options: DictOpenOptions): Promise<Dict> {
  const flags: DictFlags = { ...DICT_FLAGS_DEFAULT, ...options.flags };
  const ctx: DictOpenContext = {
    type,
    name,
    flags,
    mode: options.mode ?? 'read',
    log: options.log,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    now: options.now ?? Date.now,
    passwdFile: options.passwdFile ?? '/etc/passwd',
    groupFile: options.groupFile ?? '/etc/group',
    createMode: options.createMode ?? 0o644,
    open: (spec) => openDict(spec, { ...options, mode: 'read' }),
  };
  try {
    if (type === '' || name === '')
      throw new DictOpenError(`open dictionary: expecting "type:name" form instead of "${type}:${name}"`);
    const opener = Object.hasOwn(options.openers ?? {}, type)
      ? options.openers![type]
      : Object.hasOwn(DICT_OPENERS, type)
        ? DICT_OPENERS[type]
        : undefined;
    if (opener === undefined) throw new DictOpenError(`unsupported dictionary type: ${type}`);
    return await opener(ctx);
  } catch (err) {
    if (!(err instanceof DictOpenError) || !options.surrogate) throw err;
    options.log.error(err.message);
    return dictSurrogate(type, name, err.message, options.log);
  }
}

/** Opens the table `type:name` (Postfix's dict_open). */
export async function openDict(spec: string, options: DictOpenOptions): Promise<Dict> {
  const parts = splitDictSpec(spec);
  if (parts === null) {
    const reason = `open dictionary: expecting "type:name" form instead of "${spec}"`;
    if (!options.surrogate) throw new DictOpenError(reason);
    options.log.error(reason);
    return dictSurrogate(spec, '', reason, options.log);
  }
  return openDict3(parts.type, parts.name, options);
}
