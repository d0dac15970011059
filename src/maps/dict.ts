/**
 * dict: the one interface of every lookup table (Postfix's DICT), its flags,
 * and its two errors. A lookup resolves to the value or null (not found), or
 * throws DictLookupError when the table cannot answer now (DICT_ERR_RETRY:
 * `fail:`, a table that did not open) or answered wrongly (DICT_ERR_CONFIG).
 *
 * Diagnostics: DictOpenError carries Postfix's reason text (`unsupported
 *   dictionary type: foo`); a command prints it as `fatal:`
 * See: postfix/src/util/dict.h, postfix/src/util/dict.c
 */

/**
 * How a table is opened: O_RDONLY; O_RDWR (postmap -d: the table must exist);
 * O_RDWR|O_CREAT (postmap -i); O_RDWR|O_CREAT|O_TRUNC (a build).
 */
export type DictMode = 'read' | 'update' | 'append' | 'create';

/** What to do with a second entry for the same key while loading or building a table. */
export type DictDup = 'warn' | 'ignore' | 'replace' | 'fatal';

/** Postfix's DICT_FLAG_* that change results, as named booleans. */
export interface DictFlags {
  /** DICT_FLAG_FOLD_FIX: fold keys of fixed-string tables to lower case (postmap -f clears it). */
  readonly fold_fix: boolean;
  /** DICT_FLAG_FOLD_MUL: fold the key before a pattern table sees it (no Postfix caller sets it). */
  readonly fold_mul: boolean;
  /** DICT_FLAG_UTF8_REQUEST with smtputf8_enable: Unicode case folding instead of ASCII-only. */
  readonly utf8: boolean;
  /** DICT_FLAG_DUP_*: duplicate keys in texthash and in a build. */
  readonly dup: DictDup;
  /** DICT_FLAG_NO_REGSUB: refuse `$1` substitution in regexp and pcre results. */
  readonly no_regsub: boolean;
}

/** The flags of a daemon's table (DICT_FLAG_FOLD_FIX | DICT_FLAG_UTF8_REQUEST, no dup flag). */
export const DICT_FLAGS_DEFAULT: DictFlags = {
  fold_fix: true,
  fold_mul: false,
  utf8: true,
  dup: 'fatal',
  no_regsub: false,
};

/** Where tables report problems: warnings carry on, errors are open failures a daemon survives. */
export interface DictLog {
  warn(text: string): void;
  error(text: string): void;
}

export interface Dict {
  readonly type: string;
  readonly name: string;
  /**
   * DICT_FLAG_FIXED: keys are exact strings, so the partial keys of an address
   * lookup (`user@`, `@domain`, `domain`) are tried too. Pattern tables
   * (regexp, pcre, cidr) see only full keys.
   */
  readonly fixed: boolean;
  /** The value for `key`, or null. Throws DictLookupError when the table cannot answer. */
  lookup(key: string): Promise<string | null>;
  /** Every entry, for `postmap -s`; absent when the type cannot list (regexp, static ...). */
  entries?(): AsyncIterable<readonly [string, string]>;
  /** Stores an entry (tables opened for update); an existing key is handled as the dup flag says. */
  update?(key: string, value: string): Promise<void>;
  /** Removes an entry (tables opened for update); resolves false when it was not there. */
  delete?(key: string): Promise<boolean>;
  /** Writes pending changes and releases the table. */
  close?(): Promise<void>;
}

/** DICT_ERR_RETRY (try again later) or DICT_ERR_CONFIG (the table or its data is wrong). */
export type DictErrorKind = 'retry' | 'config';

/** A lookup, sequence, update or delete that failed; the caller defers or refuses. */
export class DictLookupError extends Error {
  readonly dictError: DictErrorKind;
  /** `type:name` of the table that failed. */
  readonly table: string;
  /** The `%m` text Postfix adds to `query error: ` (`Application error` when there is no errno). */
  readonly reason: string;
  constructor(table: string, dictError: DictErrorKind, reason = 'Application error', options?: ErrorOptions) {
    super(`table ${table}: ${dictError === 'retry' ? 'temporary' : 'configuration'} error: ${reason}`, options);
    this.name = 'DictLookupError';
    this.table = table;
    this.dictError = dictError;
    this.reason = reason;
  }
}

/** A table that cannot be opened; the message is Postfix's reason, without `fatal: `. */
export class DictOpenError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DictOpenError';
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/** lowercase(): ASCII letters only, as Postfix folds in the C locale. */
export function lowercaseAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * casefold(): Postfix's case folding of a key. ASCII text is lower-cased; with
 * `utf8`, other text gets Unicode full case folding (ICU u_strFoldCase), which
 * upper-then-lower casing per code point approximates (ß -> ss, final ς -> σ).
 */
export function casefold(text: string, utf8: boolean): string {
  if (!utf8 || ASCII.test(text)) return lowercaseAscii(text);
  let out = '';
  for (const ch of text) out += ch === 'ı' ? ch : ch.toUpperCase().toLowerCase();
  return out;
}

/** The key a fixed-string table stores and looks up under these flags. */
export function foldFixedKey(key: string, flags: DictFlags): string {
  return flags.fold_fix ? casefold(key, flags.utf8) : key;
}

/** `type:name`, as messages name a table. */
export function dictSpec(dict: Pick<Dict, 'type' | 'name'>): string {
  return `${dict.type}:${dict.name}`;
}
