/**
 * auth_opendkim_tables: OpenDKIM's KeyTable and SigningTable, read from
 * the same files, so an OpenDKIM setup moves over by pointing at them.
 *
 *   KeyTable      keyname   domain:selector:keypath
 *   SigningTable  pattern   keyname [signer]
 *
 * A SigningTable named `refile:PATH` holds wildcard patterns (`*` matches
 * anything) tried in file order against the From address; any other (a
 * plain path or `file:PATH`) is looked up as OpenDKIM does: `user@host`,
 * `host`, `user@.parent` for each parent domain, `.parent` for each, `user@*`,
 * `*`. In a KeyTable, keypath is a file (it starts with `/` or `.`) or the
 * key itself; `%` as domain (or in the keyname or signer) is the From
 * domain. Lines are `#` comments, blank, or a key, white space, a value.
 *
 * Diagnostics: AuthTableError with the file and line (`/etc/opendkim/KeyTable,
 *   line 3: bad entry "...": expected domain:selector:keypath`)
 * See: opendkim.conf(5) (KeyTable, SigningTable, MultipleSignatures),
 *   opendkim/opendkim.c (dkimf_apply_signtable)
 */
import { readFileSync } from 'node:fs';

export class AuthTableError extends Error {}

export interface KeyTableEntry {
  readonly name: string;
  /** d=, or `%` for the From domain. */
  readonly domain: string;
  readonly selector: string;
  /** A file name, or the key data itself. */
  readonly keypath: string;
}

export interface SigningEntry {
  readonly pattern: string;
  readonly keyname: string;
  readonly signer: string | null;
}

export interface SigningTable {
  readonly regex: boolean;
  readonly entries: readonly SigningEntry[];
}

/** A dataset name without its `file:` / `refile:` prefix, and whether it is a refile. */
export function datasetPath(spec: string): { readonly path: string; readonly regex: boolean } {
  if (spec.startsWith('refile:')) return { path: spec.slice(7), regex: true };
  if (spec.startsWith('file:')) return { path: spec.slice(5), regex: false };
  return { path: spec, regex: false };
}

/** Lines as [key, value, line number], comments and blank lines skipped. */
function readPairs(path: string): [string, string, number][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AuthTableError(`open ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const out: [string, string, number][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (m === null) throw new AuthTableError(`${path}, line ${i + 1}: bad entry "${line}": expected a key and a value`);
    out.push([m[1]!, m[2]!.trim(), i + 1]);
  });
  return out;
}

/** Reads a KeyTable; keys by lower-case name. */
export function readKeyTable(spec: string): Map<string, KeyTableEntry> {
  const { path } = datasetPath(spec);
  const table = new Map<string, KeyTableEntry>();
  for (const [name, value, line] of readPairs(path)) {
    const first = value.indexOf(':');
    const second = first < 0 ? -1 : value.indexOf(':', first + 1);
    if (second < 0 || first === 0 || second === first + 1 || second === value.length - 1) {
      throw new AuthTableError(`${path}, line ${line}: bad entry "${value}": expected domain:selector:keypath`);
    }
    table.set(name.toLowerCase(), {
      name,
      domain: value.slice(0, first),
      selector: value.slice(first + 1, second),
      keypath: value.slice(second + 1),
    });
  }
  return table;
}

/** Reads a SigningTable (`refile:` for wildcard patterns). */
export function readSigningTable(spec: string): SigningTable {
  const { path, regex } = datasetPath(spec);
  const entries = readPairs(path).map(([pattern, value]) => {
    const [keyname, signer] = value.split(/\s+/);
    return { pattern, keyname: keyname!, signer: signer ?? null };
  });
  return { regex, entries };
}

/** A wildcard pattern as a regular expression: `*` matches anything, the rest literally, no case. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** The keys a plain (non-refile) table is searched with, in OpenDKIM's order. */
export function lookupKeys(user: string, domain: string): string[] {
  const keys = [`${user}@${domain}`, domain];
  const parents: string[] = [];
  for (let i = domain.indexOf('.'); i >= 0; i = domain.indexOf('.', i + 1)) parents.push(domain.slice(i));
  for (const p of parents) keys.push(`${user}@${p}`);
  keys.push(...parents, `${user}@*`, '*');
  return keys;
}

/**
 * The entries that apply to a From address, in order: every match when
 * `multiple` (MultipleSignatures), else the first.
 */
export function signingMatches(table: SigningTable, address: string, multiple: boolean): SigningEntry[] {
  const at = address.lastIndexOf('@');
  const user = address.slice(0, at).toLowerCase();
  const domain = address.slice(at + 1).toLowerCase();
  const out: SigningEntry[] = [];
  if (table.regex) {
    for (const e of table.entries) {
      if (wildcard(e.pattern).test(`${user}@${domain}`)) {
        out.push(e);
        if (!multiple) break;
      }
    }
    return out;
  }
  const byKey = new Map<string, SigningEntry[]>();
  for (const e of table.entries) {
    const k = e.pattern.toLowerCase();
    byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  for (const key of lookupKeys(user, domain)) {
    for (const e of byKey.get(key) ?? []) {
      out.push(e);
      if (!multiple) return out;
    }
  }
  return out;
}
