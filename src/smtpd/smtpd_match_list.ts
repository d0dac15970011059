/**
 * smtpd_match_list: Postfix's match lists as smtpd uses them — mynetworks
 * and other client lists (host name or address: namadr), domain lists
 * (relay_domains ...) and word lists (smtpd_forbidden_commands). Patterns
 * are tried in order, the first that matches decides; `!pattern` makes a
 * match a non-match. Networks are `a.b.c.d/n`, `[v6]/n`, bare or bracketed
 * addresses (checked with node:net BlockList); host names match exactly,
 * `.domain` matches below it, and a parent domain matches its subdomains
 * for the parameters parent_domain_matches_subdomains names; `type:table`
 * looks the name (and parent domains, for fixed tables) or address up;
 * `/file` reads more patterns from a file.
 *
 * Parameters: parent_domain_matches_subdomains (passed in as `parent`)
 * Diagnostics: a bad network pattern throws MatchListError with Postfix's words;
 *   a table that fails throws its DictLookupError (the caller defers)
 * See: postfix/src/util/match_list.c, postfix/src/util/match_ops.c,
 *      postfix/src/global/namadr_list.c, postfix/src/global/domain_list.c
 */
import { readFileSync } from 'node:fs';
import { BlockList, isIP, SocketAddress } from 'node:net';
import type { Dict } from '../maps/dict.ts';
import { normalAddress } from './smtpd_peer.ts';

export class MatchListError extends Error {}

/** Opens `type:name` (a daemon's surrogate on failure). */
export type TableOpener = (spec: string) => Promise<Dict>;

type Pattern =
  | { readonly kind: 'net'; readonly negate: boolean; readonly list: BlockList }
  | { readonly kind: 'name'; readonly negate: boolean; readonly text: string }
  | { readonly kind: 'table'; readonly negate: boolean; readonly dict: Dict };

export type MatchKind = 'namadr' | 'addr' | 'domain' | 'string';

const NET = /^\[?([0-9A-Fa-f:.]+?)\]?(?:\/(\d+))?$/;

/** Client addresses kept converted for BlockList (see #socketAddress); the memo starts over past this many. */
const CONVERTED_LIMIT = 1024;

function parseNet(text: string): BlockList | null {
  const m = NET.exec(text);
  if (m === null) return null;
  const address = m[1]!;
  const family = isIP(address);
  if (family === 0) return null;
  const list = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (m[2] === undefined) {
    list.addAddress(address, type);
  } else {
    const bits = Number(m[2]);
    if (bits > (family === 4 ? 32 : 128)) throw new MatchListError(`bad net/mask pattern: "${text}"`);
    list.addSubnet(address, bits, type);
  }
  return list;
}

/** `address` as a SocketAddress, or null when it is none (as BlockList.check() treats a bad string: no match). */
function toSocketAddress(address: string): SocketAddress | null {
  const family = isIP(address);
  if (family === 0) return null;
  try {
    return new SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' });
  } catch {
    return null;
  }
}

export class MatchList {
  readonly title: string;
  readonly #patterns: readonly Pattern[];
  readonly #kind: MatchKind;
  readonly #converted = new Map<string, SocketAddress | null>();
  readonly #parent: boolean;

  private constructor(title: string, kind: MatchKind, parent: boolean, patterns: readonly Pattern[]) {
    this.title = title;
    this.#kind = kind;
    this.#parent = parent;
    this.#patterns = patterns;
  }

  /** Builds a list from a parameter's words; `parent`: the name is in parent_domain_matches_subdomains. */
  static async create(
    title: string,
    kind: MatchKind,
    words: readonly string[],
    open: TableOpener | null,
    parent = false,
  ): Promise<MatchList> {
    const patterns: Pattern[] = [];
    const add = async (word: string): Promise<void> => {
      let negate = false;
      while (word.startsWith('!')) {
        negate = !negate;
        word = word.slice(1);
      }
      if (word === '') return;
      if (word.startsWith('/')) {
        const text = readFileSync(word, 'utf8');
        for (const line of text.split('\n')) {
          const clean = line.replace(/#.*/, '').trim();
          for (const w of clean.split(/[\s,]+/)) if (w !== '') await add(negate ? `!${w}` : w);
        }
        return;
      }
      if (kind === 'namadr' || kind === 'addr') {
        const net = parseNet(word);
        if (net !== null) {
          patterns.push({ kind: 'net', negate, list: net });
          return;
        }
      }
      if (/^[A-Za-z0-9_-]+:/.test(word)) {
        if (open === null) throw new MatchListError(`${title}: table lookups are not available: ${word}`);
        patterns.push({ kind: 'table', negate, dict: await open(word) });
        return;
      }
      if (kind === 'addr') throw new MatchListError(`${title}: bad address pattern: "${word}"`);
      patterns.push({ kind: 'name', negate, text: word.toLowerCase() });
    };
    for (const w of words) await add(w);
    return new MatchList(title, kind, parent, patterns);
  }

  get empty(): boolean {
    return this.#patterns.length === 0;
  }

  /** namadr_list_match(): matches the client name or address. */
  async matchClient(name: string, addr: string): Promise<boolean> {
    const address = normalAddress(addr);
    const lname = name.toLowerCase();
    for (const p of this.#patterns) {
      let hit = false;
      if (p.kind === 'net') {
        const converted = this.#socketAddress(address);
        hit = converted !== null && p.list.check(converted);
      } else if (p.kind === 'name') {
        hit = this.#kind !== 'addr' && this.#hostMatch(lname, p.text);
      } else {
        hit =
          (this.#kind !== 'addr' && (await this.#tableHost(p.dict, lname))) || (await p.dict.lookup(address)) !== null;
      }
      if (hit) return !p.negate;
    }
    return false;
  }

  /**
   * `address` as BlockList.check() takes it, or null when it is no IP
   * address. A string would be converted anew at every check, and a session
   * checks its client against mynetworks and other lists several times.
   */
  #socketAddress(address: string): SocketAddress | null {
    let converted = this.#converted.get(address);
    if (converted === undefined) {
      converted = toSocketAddress(address);
      if (this.#converted.size >= CONVERTED_LIMIT) this.#converted.clear();
      this.#converted.set(address, converted);
    }
    return converted;
  }

  /** domain_list_match(): matches a domain name. */
  async matchDomain(domain: string): Promise<boolean> {
    const name = domain.toLowerCase();
    for (const p of this.#patterns) {
      let hit = false;
      if (p.kind === 'name') hit = this.#hostMatch(name, p.text);
      else if (p.kind === 'table') hit = await this.#tableHost(p.dict, name);
      if (hit) return !p.negate;
    }
    return false;
  }

  /** string_list_match(): matches a word, without case. */
  async matchString(text: string): Promise<boolean> {
    const s = text.toLowerCase();
    for (const p of this.#patterns) {
      let hit = false;
      if (p.kind === 'name') hit = s === p.text;
      else if (p.kind === 'table') hit = (await p.dict.lookup(text)) !== null;
      if (hit) return !p.negate;
    }
    return false;
  }

  /** matchString() where a table error counts as no match (Postfix ignores them for command lists). */
  async matchStringLoose(text: string): Promise<boolean> {
    try {
      return await this.matchString(text);
    } catch {
      return false;
    }
  }

  #hostMatch(name: string, pattern: string): boolean {
    if (name === pattern) return true;
    if (this.#parent) {
      return name.length > pattern.length && name.endsWith(pattern) && name[name.length - pattern.length - 1] === '.';
    }
    return pattern.startsWith('.') && name.length > pattern.length && name.endsWith(pattern);
  }

  async #tableHost(dict: Dict, name: string): Promise<boolean> {
    let entry = name;
    let first = true;
    for (;;) {
      if (first || dict.fixed) {
        if ((await dict.lookup(entry)) !== null) return true;
      }
      first = false;
      const dot = entry.indexOf('.', 1);
      if (dot < 0) return false;
      entry = this.#parent ? entry.slice(dot + 1) : entry.slice(dot);
    }
  }
}
