/**
 * mail_addr_find: looks an address up in a parameter's tables with the keys
 * Postfix derives from it, in Postfix's order: `user+ext@domain`,
 * `user@domain`, then (for a local domain) `user+ext` and `user`, then
 * `@domain`; or, with other strategies, `domain` and its parents (transport),
 * and `user@` (access). Keys other than the full address are partial: pattern
 * tables never see them. The caller passes the few parameter values needed.
 *
 * Parameters: recipient_delimiter, myorigin, double_bounce_sender, owner_request_special
 *   (values passed in; mydestination and the interfaces through isLocalDomain)
 * See: postfix/src/global/mail_addr_find.c, postfix/src/global/strip_addr.c,
 *   postfix/src/global/split_addr.c
 */
import { QUOTE_FLAG_DEFAULT, type QuoteFlags, quote822Local } from '../global/quote_822_local.ts';
import { casefold } from './dict.ts';
import type { Maps } from './maps.ts';

/** One step of a lookup strategy (MA_FIND_*), applied in the order listed here. */
export type MaFind =
  | 'full' // user+ext@domain
  | 'noext' // user@domain (and user, with localpart_if_local)
  | 'localpart_if_local' // user+ext, user: when the domain is local
  | 'localpart_at_if_local' // user+ext@, user@: when the domain is local
  | 'at_domain' // @domain
  | 'domain' // domain
  | 'pdms' // with domain: parent domains as `example.com`
  | 'pddms' // with domain: parent domains as `.example.com`
  | 'localpart_at'; // user+ext@, user@: whatever the domain

/** MA_FIND_DEFAULT: the virtual(5), canonical(5) and alias order. */
export const MA_FIND_DEFAULT: readonly MaFind[] = ['full', 'noext', 'localpart_if_local', 'at_domain'];

/** The form of the keys: as given (internal), quoted where RFC 5322 needs it (external), or one then the other. */
export type MaForm = 'internal' | 'external' | 'external-first' | 'internal-first';

export interface MailAddrFindOptions {
  /** recipient_delimiter: the characters that start an address extension ('' for none). */
  readonly recipient_delimiter: string;
  readonly strategy?: readonly MaFind[];
  /** Default 'external-first', as Postfix's mail_addr_find(). */
  readonly queryForm?: MaForm;
  /** myorigin: a domain that is always local for localpart lookups. */
  readonly myorigin?: string;
  /** resolve_local(): true for mydestination, inet_interfaces and proxy_interfaces domains. */
  readonly isLocalDomain?: (domain: string) => boolean | Promise<boolean>;
  /** double_bounce_sender (default double-bounce): never split at a delimiter. */
  readonly double_bounce_sender?: string;
  /** owner_request_special (default true): with `-` as delimiter, keep owner-x and x-request whole. */
  readonly owner_request_special?: boolean;
}

export interface MailAddrFindResult {
  readonly value: string;
  /** The extension (`+foo`, delimiter included) when the match was on the address without it. */
  readonly extension: string | null;
}

/** split_addr(): the localpart's extension start, or -1 when it must not be split. */
export function splitAddrAt(localpart: string, delimiters: string, options: MailAddrFindOptions): number {
  const lower = localpart.toLowerCase();
  if (lower === 'postmaster' || lower === 'mailer-daemon') return -1;
  if (casefold(localpart, true) === casefold(options.double_bounce_sender ?? 'double-bounce', true)) return -1;
  if (delimiters.includes('-') && (options.owner_request_special ?? true)) {
    if (lower.startsWith('owner-')) return -1;
    if (lower.length > 8 && lower.endsWith('-request')) return -1;
  }
  let at = 0;
  while (at < localpart.length && !delimiters.includes(localpart[at]!)) at++;
  return at === 0 || at === localpart.length ? -1 : at;
}

/** strip_addr_internal(): the address without its extension, and the extension; null when there is none. */
export function stripAddr(
  address: string,
  options: MailAddrFindOptions,
): { readonly stripped: string; readonly extension: string } | null {
  const delimiters = options.recipient_delimiter;
  if (delimiters === '' || ![...address].some((c) => delimiters.includes(c))) return null;
  const rat = address.lastIndexOf('@');
  const local = rat < 0 ? address : address.slice(0, rat);
  const domain = rat < 0 ? '' : address.slice(rat);
  const at = splitAddrAt(local, delimiters, options);
  if (at < 0) return null;
  return { stripped: local.slice(0, at) + domain, extension: local.slice(at) };
}

/** QUOTE_FLAG_DEFAULT | QUOTE_FLAG_BARE_LOCALPART: for keys without `@domain`. */
const QUOTE_BARE_LOCALPART: QuoteFlags = { ...QUOTE_FLAG_DEFAULT, bare_localpart: true };

/** One query in the configured form (find_addr()). */
async function findAddr(maps: Maps, address: string, partial: boolean, withDomain: boolean, form: MaForm) {
  const external = quote822Local(address, withDomain ? QUOTE_FLAG_DEFAULT : QUOTE_BARE_LOCALPART);
  const [first, second] = form === 'internal' || form === 'internal-first' ? [address, external] : [external, address];
  const found = await maps.find(first, partial);
  if (found !== null || form === 'internal' || form === 'external' || first === second) return found;
  return maps.find(second, partial);
}

/**
 * Looks `address` (internal form) up in `maps` with Postfix's derived keys.
 * Resolves null when no key matched; throws DictLookupError when a table failed.
 */
export async function mailAddrFind(
  maps: Maps,
  address: string,
  options: MailAddrFindOptions,
): Promise<MailAddrFindResult | null> {
  const strategy = new Set(options.strategy ?? MA_FIND_DEFAULT);
  const form = options.queryForm ?? 'external-first';
  const bare = strategy.has('noext') ? stripAddr(address, options) : null;
  const found = (value: string | null, extension: string | null = null) =>
    value === null ? null : { value, extension };

  if (strategy.has('full')) {
    const r = await findAddr(maps, address, false, true, form);
    if (r !== null) return found(r);
  }
  if (bare !== null) {
    const r = await findAddr(maps, bare.stripped, true, true, form);
    if (r !== null) return found(r, bare.extension);
  }
  const rat = address.lastIndexOf('@');
  const domain = rat < 0 ? null : address.slice(rat + 1);

  /** find_local(): the localpart (keepAt: with its `@`), then without extension. */
  const findLocal = async (keepAt: boolean) => {
    const cut = (a: string) => a.slice(0, a.lastIndexOf('@') + (keepAt ? 1 : 0));
    const r = await findAddr(maps, cut(address), true, keepAt, form);
    if (r !== null || bare === null) return found(r);
    return found(await findAddr(maps, cut(bare.stripped), true, keepAt, form), bare.extension);
  };

  if (domain !== null && (strategy.has('localpart_if_local') || strategy.has('localpart_at_if_local'))) {
    const local =
      (options.myorigin !== undefined && casefold(domain, true) === casefold(options.myorigin, true)) ||
      ((await options.isLocalDomain?.(domain)) ?? false);
    if (local) {
      const r = strategy.has('localpart_if_local') ? await findLocal(false) : null;
      if (r !== null) return r;
      const s = strategy.has('localpart_at_if_local') ? await findLocal(true) : null;
      if (s !== null) return s;
    }
  }
  if (domain !== null && strategy.has('at_domain')) {
    const r = await maps.find(`@${domain}`, true);
    if (r !== null) return found(r);
  }
  if (domain !== null && strategy.has('domain')) {
    const parents = strategy.has('pdms') || strategy.has('pddms');
    for (let name = domain; name !== ''; ) {
      const r = await maps.find(name, true);
      if (r !== null) return found(r);
      const dot = parents ? name.indexOf('.', 1) : -1;
      if (dot < 0) break;
      name = strategy.has('pddms') ? name.slice(dot) : name.slice(dot + 1);
    }
  }
  if (strategy.has('localpart_at') && domain !== null) return findLocal(true);
  return null;
}
