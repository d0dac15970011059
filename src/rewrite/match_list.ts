/**
 * match_list: Postfix's pattern lists (mydestination, relay_domains,
 * virtual_alias_domains ...): patterns separated by commas or white space,
 * each a name, a `/file/name` whose lines are read in as patterns, or a
 * `type:table` looked up; `!` before a pattern negates it. The first pattern
 * that matches decides. A string list (stringList) compares whole names; a
 * domain list (domainList) also matches subdomains: of `example.com` when
 * the list's parameter is in parent_domain_matches_subdomains, else of
 * `.example.com` only; tables are asked for the name and then (fixed-string
 * tables only) its parent domains. Names and patterns compare without case.
 *
 * Parameters: parent_domain_matches_subdomains (matchParentStyle), smtputf8_enable
 *   (Unicode case folding); the list parameter itself is passed in
 * Diagnostics: open: ConfigError `PARAM: no pattern after '!'`; a table that
 *   cannot be opened or a /file that cannot be read becomes a table that fails
 *   every lookup. match: warning `PARAM: TYPE:NAME: table lookup problem`,
 *   then DictLookupError, so the caller defers (Postfix's MATCH_FLAG_RETURN)
 * Security: matches untrusted names; reads only files and tables named in main.cf
 * See: postfix/src/util/match_list.c, match_ops.c, postfix/src/global/domain_list.c,
 *   string_list.c, match_parent_style.c
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config/config_error.ts';
import { readLogicalLines } from '../config/config_lines.ts';
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import { casefold, type Dict, type DictLog, DictLookupError, dictSpec } from '../maps/dict.ts';
import { type DictOpenOptions, openDict } from '../maps/dict_open.ts';
import { dictSurrogate } from '../maps/dict_surrogate.ts';
import { REWRITE_LOG } from './rewrite_log.ts';

/** One pattern: a casefolded name, or a table. */
export type MatchPattern =
  | { readonly negate: boolean; readonly text: string; readonly dict?: undefined }
  | { readonly negate: boolean; readonly dict: Dict; readonly text?: undefined };

/** Compares one name with one pattern (match_string, match_hostname ...); throws DictLookupError. */
export type MatchFn = (list: MatchList, name: string, pattern: MatchPattern) => Promise<boolean>;

export interface MatchListOptions {
  /** Where table problems are reported. */
  readonly log: DictLog;
  /** MATCH_FLAG_PARENT: `example.com` matches its subdomains (see matchParentStyle). */
  readonly parent?: boolean;
  /** smtputf8_enable: Unicode case folding (else ASCII only). */
  readonly utf8?: boolean;
  /** Options for opening `type:table` patterns (cwd, openers ...); log, flags and surrogate are set here. */
  readonly dictOptions?: Omit<DictOpenOptions, 'log' | 'flags' | 'surrogate'>;
  /** Reads a `/file/name` pattern file; default fs. */
  readonly readFile?: (path: string) => Promise<string>;
}

/** True for a `type:table` pattern (a `[` starts an address literal instead). */
const isDictionary = (pattern: string): boolean => pattern[0] !== '[' && pattern.includes(':');

export class MatchList {
  /** The parameter name, in warnings. */
  readonly pname: string;
  readonly patterns: readonly MatchPattern[];
  readonly parent: boolean;
  readonly utf8: boolean;
  readonly #matchers: readonly MatchFn[];
  readonly #log: DictLog;

  constructor(
    pname: string,
    patterns: readonly MatchPattern[],
    matchers: readonly MatchFn[],
    options: MatchListOptions,
  ) {
    this.pname = pname;
    this.patterns = patterns;
    this.parent = options.parent ?? false;
    this.utf8 = options.utf8 ?? true;
    this.#matchers = matchers;
    this.#log = options.log;
  }

  /**
   * match_list_init(): parses `patterns` (the expanded parameter value, or its
   * list elements) and opens its tables. `matchers` compare each name with each
   * pattern; with more than one, match() takes one name per matcher (a host
   * name and an address).
   */
  static async open(
    pname: string,
    patterns: string | readonly string[],
    matchers: readonly MatchFn[],
    options: MatchListOptions,
  ): Promise<MatchList> {
    const parsed: MatchPattern[] = [];
    const text = typeof patterns === 'string' ? patterns : patterns.join(' ');
    await parsePatterns(pname, text, true, parsed, options);
    return new MatchList(pname, parsed, matchers, options);
  }

  /**
   * match_list_match(): whether the names match; the first pattern that matches
   * decides, `!` turning it into a no. Throws DictLookupError (after a warning)
   * when a table cannot answer.
   */
  async match(...names: readonly string[]): Promise<boolean> {
    const folded = names.map((n) => casefold(n, this.utf8));
    for (const pattern of this.patterns) {
      for (let i = 0; i < this.#matchers.length; i++) {
        if (await this.#matchers[i]!(this, folded[i] ?? '', pattern)) return !pattern.negate;
      }
    }
    return false;
  }

  /** Looks `key` up in a pattern's table; warns as match_error() before passing a failure on. */
  async lookup(dict: Dict, key: string): Promise<boolean> {
    try {
      return (await dict.lookup(key)) !== null;
    } catch (err) {
      if (err instanceof DictLookupError) this.#log.warn(REWRITE_LOG.tableLookupProblem(this.pname, dictSpec(dict)));
      throw err;
    }
  }
}

/** match_list_parse(): adds the patterns of `text` to `out`; `match` is false under a `!`. */
async function parsePatterns(
  pname: string,
  text: string,
  match: boolean,
  out: MatchPattern[],
  options: MatchListOptions,
): Promise<void> {
  for (const start of splitQuoted(text, CHARS_COMMA_SP)) {
    let negate = !match;
    let item = start;
    while (item[0] === '!') {
      negate = !negate;
      item = item.slice(1);
    }
    if (item === '') throw new ConfigError(REWRITE_LOG.noPatternAfterBang(pname));
    if (item[0] === '/') {
      let content: string;
      try {
        content = await (options.readFile ?? ((p) => readFile(p, 'utf8')))(item);
      } catch (err) {
        const reason = REWRITE_LOG.openFile(item, strerrorText(err));
        out.push({ negate, dict: dictSurrogate('non-existent', item, reason, options.log) });
        continue;
      }
      for (const line of readLogicalLines(content, item).lines) {
        await parsePatterns(pname, line.text, !negate, out, options);
      }
    } else if (isDictionary(item)) {
      // No key folding by the table: the name is folded before the lookup.
      const dict = await openDict(item, {
        ...options.dictOptions,
        log: options.log,
        flags: { fold_fix: false, utf8: options.utf8 ?? true },
        surrogate: true,
      });
      out.push({ negate, dict });
    } else {
      out.push({ negate, text: casefold(item, options.utf8 ?? true) });
    }
  }
}

function strerrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const texts: Readonly<Record<string, string>> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
  };
  return texts[e.code ?? ''] ?? e.message;
}

/** match_string(): the name equals the pattern, or the pattern's table has it. */
export const matchString: MatchFn = async (list, name, pattern) => {
  if (pattern.dict !== undefined) return list.lookup(pattern.dict, name);
  return name === pattern.text;
};

/**
 * match_hostname(): the name equals the pattern or is a subdomain of it
 * (of `.pattern`, or of `pattern` with MATCH_FLAG_PARENT). A table is asked for
 * the name, then, if its keys are fixed strings, for each parent domain, as
 * `example.com` (MATCH_FLAG_PARENT) or `.example.com`.
 */
export const matchHostname: MatchFn = async (list, name, pattern) => {
  if (pattern.dict !== undefined) {
    for (let entry = name; entry !== ''; ) {
      if (entry === name || pattern.dict.fixed) {
        if (await list.lookup(pattern.dict, entry)) return true;
      }
      const dot = entry.indexOf('.', 1);
      if (dot < 0) break;
      entry = list.parent ? entry.slice(dot + 1) : entry.slice(dot);
    }
    return false;
  }
  const pat = pattern.text;
  if (name === pat) return true;
  if (list.parent) {
    const pd = name.length - pat.length;
    return pd > 0 && name[pd - 1] === '.' && name.slice(pd) === pat;
  }
  if (pat[0] === '.') {
    const pd = name.length - pat.length;
    return pd > 0 && name.slice(pd) === pat;
  }
  return false;
};

/** string_list_init(): a list of whole names (mydestination, virtual_alias_domains ...). */
export function stringList(
  pname: string,
  patterns: string | readonly string[],
  options: MatchListOptions,
): Promise<MatchList> {
  return MatchList.open(pname, patterns, [matchString], options);
}

/** domain_list_init(): a list of domains and their subdomains (relay_domains ...). */
export function domainList(
  pname: string,
  patterns: string | readonly string[],
  options: MatchListOptions,
): Promise<MatchList> {
  return MatchList.open(pname, patterns, [matchHostname], options);
}

/**
 * match_parent_style(): MATCH_FLAG_PARENT (true) when `name` is listed in
 * parent_domain_matches_subdomains, so that `example.com` matches its subdomains.
 */
export function matchParentStyle(parent_domain_matches_subdomains: readonly string[], name: string): boolean {
  const want = name.toLowerCase();
  return parent_domain_matches_subdomains.some((n) => n.toLowerCase() === want);
}
