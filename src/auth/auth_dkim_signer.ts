/**
 * auth_dkim_signer: which keys sign a message, set up once per cleanup
 * context. Reads the KeyTable and SigningTable (or the single key of
 * affix_dkim_domain/_selector/_key_file), loads every key at start-up as
 * OpenDKIM does, and for a From address returns the signatures to make.
 *
 * Parameters: affix_dkim_key_table, affix_dkim_signing_table, affix_dkim_domain,
 *   affix_dkim_selector, affix_dkim_key_file, affix_dkim_multiple_signatures,
 *   affix_dkim_internal_hosts, affix_dkim_signed_headers, affix_dkim_oversign_headers,
 *   affix_dkim_canonicalization, config_directory (relative key files)
 * Diagnostics: AuthTableError / AuthKeyError for a table or key that cannot be used
 * Security: reads key files named by the administrator's tables only
 * See: opendkim.conf(5)
 */
import { isAbsolute, join } from 'node:path';
import type { Params } from '../config/params.ts';
import type { Canon } from './auth_dkim_canon.ts';
import { type DkimKey, parseDkimKey, readDkimKey } from './auth_dkim_key.ts';
import type { DkimSignRequest } from './auth_dkim_sign.ts';
import { type InternalHosts, internalHosts } from './auth_hosts.ts';
import {
  AuthTableError,
  type KeyTableEntry,
  readKeyTable,
  readSigningTable,
  type SigningTable,
  signingMatches,
} from './auth_opendkim_tables.ts';

export type DkimParams = Pick<
  Params,
  | 'affix_dkim_key_table'
  | 'affix_dkim_signing_table'
  | 'affix_dkim_domain'
  | 'affix_dkim_selector'
  | 'affix_dkim_key_file'
  | 'affix_dkim_multiple_signatures'
  | 'affix_dkim_internal_hosts'
  | 'affix_dkim_signed_headers'
  | 'affix_dkim_oversign_headers'
  | 'affix_dkim_canonicalization'
  | 'affix_dkim_sign_failure_action'
  | 'config_directory'
>;

/** The fields signed when affix_dkim_signed_headers is empty (RFC 6376 section 5.4.1, OpenDKIM's default). */
export const DEFAULT_SIGNED_HEADERS: readonly string[] = [
  'From',
  'Reply-To',
  'Subject',
  'Date',
  'To',
  'Cc',
  'Resent-Date',
  'Resent-From',
  'Resent-To',
  'Resent-Cc',
  'In-Reply-To',
  'References',
  'List-Id',
  'List-Help',
  'List-Unsubscribe',
  'List-Subscribe',
  'List-Post',
  'List-Owner',
  'List-Archive',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-ID',
  'Content-Description',
];

/** One key of the configuration, loaded. */
interface LoadedKey {
  readonly entry: KeyTableEntry;
  readonly key: DkimKey;
}

/** A signature to make: the request without the time. */
export type DkimPlan = Omit<DkimSignRequest, 'time'>;

export class DkimSigner {
  readonly params: DkimParams;
  readonly internal: InternalHosts;
  readonly #keys: ReadonlyMap<string, LoadedKey>;
  readonly #table: SigningTable | null;
  readonly #domains: ReadonlySet<string>;

  private constructor(params: DkimParams, keys: Map<string, LoadedKey>, table: SigningTable | null) {
    this.params = params;
    this.internal = internalHosts(params.affix_dkim_internal_hosts);
    this.#keys = keys;
    this.#table = table;
    this.#domains = new Set(params.affix_dkim_domain.map((d) => d.toLowerCase()));
  }

  /** The signer the parameters configure, or null when none is. Throws AuthTableError / AuthKeyError. */
  static fromParams(params: DkimParams): DkimSigner | null {
    const keyPath = (p: string) => (isAbsolute(p) ? p : join(params.config_directory, p));
    const keys = new Map<string, LoadedKey>();
    if (params.affix_dkim_signing_table !== '') {
      if (params.affix_dkim_key_table === '')
        throw new AuthTableError('affix_dkim_signing_table is set but affix_dkim_key_table is empty');
      const table = readSigningTable(params.affix_dkim_signing_table);
      for (const [name, entry] of readKeyTable(params.affix_dkim_key_table)) {
        const isFile = entry.keypath.startsWith('/') || entry.keypath.startsWith('.');
        const key = isFile ? readDkimKey(keyPath(entry.keypath)) : parseDkimKey(entry.keypath, `KeyTable key ${name}`);
        keys.set(name, { entry, key });
      }
      for (const e of table.entries) {
        if (e.keyname !== '%' && !keys.has(e.keyname.toLowerCase()))
          throw new AuthTableError(`SigningTable entry "${e.pattern}" names key "${e.keyname}", not in the KeyTable`);
      }
      return new DkimSigner(params, keys, table);
    }
    if (params.affix_dkim_key_file === '' || params.affix_dkim_selector === '' || params.affix_dkim_domain.length === 0)
      return null;
    const entry: KeyTableEntry = {
      name: 'default',
      domain: '%',
      selector: params.affix_dkim_selector,
      keypath: params.affix_dkim_key_file,
    };
    keys.set('default', { entry, key: readDkimKey(keyPath(entry.keypath)) });
    return new DkimSigner(params, keys, null);
  }

  /** The signatures for mail whose From address is `author`; empty when no key applies. */
  plan(author: string): DkimPlan[] {
    const domain = author.slice(author.lastIndexOf('@') + 1).toLowerCase();
    const p = this.params;
    const base = {
      canonicalization: p.affix_dkim_canonicalization as `${Canon}/${Canon}`,
      headers: p.affix_dkim_signed_headers.length > 0 ? p.affix_dkim_signed_headers : DEFAULT_SIGNED_HEADERS,
      oversign: p.affix_dkim_oversign_headers,
    };
    if (this.#table === null) {
      const k = this.#keys.get('default')!;
      return this.#domains.has(domain) ? [{ ...base, domain, selector: k.entry.selector, key: k.key }] : [];
    }
    const plans: DkimPlan[] = [];
    for (const m of signingMatches(this.#table, author, p.affix_dkim_multiple_signatures)) {
      const k = this.#keys.get((m.keyname === '%' ? domain : m.keyname).toLowerCase());
      if (k === undefined) continue;
      const d = k.entry.domain === '%' ? domain : k.entry.domain.toLowerCase();
      const signer = m.signer?.replace(/%/g, domain) ?? null;
      // OpenDKIM leaves i= out when it conflicts with d= (its domain must be d= or below it).
      const sDomain = signer?.slice(signer.lastIndexOf('@') + 1).toLowerCase();
      const identity = signer !== null && (sDomain === d || sDomain?.endsWith(`.${d}`)) ? signer : null;
      plans.push({ ...base, domain: d, selector: k.entry.selector, key: k.key, identity });
    }
    return plans;
  }
}
