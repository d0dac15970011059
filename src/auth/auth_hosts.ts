/**
 * auth_hosts: the list of internal hosts (affix_dkim_internal_hosts, by
 * default $mynetworks; OpenDKIM's InternalHosts): networks `a.b.c.d/n`,
 * `[v6]/n`, bare or bracketed addresses, host names (exact, or `.domain`
 * for names below it), `!` before a pattern to exclude. Patterns are tried
 * in order, the first that matches decides. Tables (`type:name`) and
 * `/file` includes are not supported here and are reported.
 *
 * Diagnostics: `unsupported` lists the patterns that were ignored, for a warning
 * See: postfix/src/util/match_list.c (the order and `!` rules), opendkim.conf(5) InternalHosts
 */
import { BlockList, isIP } from 'node:net';

type Pattern =
  | { readonly negate: boolean; readonly kind: 'net'; readonly list: BlockList }
  | { readonly negate: boolean; readonly kind: 'name'; readonly text: string };

export interface InternalHosts {
  /** True when the client (address, and name when known) is internal. */
  match(address: string, name?: string): boolean;
  /** Patterns that were ignored (tables, files, malformed networks). */
  readonly unsupported: readonly string[];
}

const NET = /^\[?([0-9A-Fa-f:.]+?)\]?(?:\/(\d+))?$/;

function parseNet(text: string): BlockList | null {
  const m = NET.exec(text);
  if (m === null) return null;
  const addr = m[1]!;
  const family = isIP(addr);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  if (m[2] === undefined) list.addAddress(addr, type);
  else {
    const bits = Number(m[2]);
    if (bits > (family === 4 ? 32 : 128)) return null;
    list.addSubnet(addr, bits, type);
  }
  return list;
}

/** Builds the matcher from list words. */
export function internalHosts(words: readonly string[]): InternalHosts {
  const patterns: Pattern[] = [];
  const unsupported: string[] = [];
  for (const word of words) {
    const negate = word.startsWith('!');
    const text = negate ? word.slice(1) : word;
    if (text === '') continue;
    const net = parseNet(text);
    if (net !== null) patterns.push({ negate, kind: 'net', list: net });
    else if (text.includes(':') || text.startsWith('/')) unsupported.push(word);
    else patterns.push({ negate, kind: 'name', text: text.toLowerCase() });
  }
  return {
    unsupported,
    match(address, name) {
      const plain = address.replace(/^\[|\]$/g, '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
      const family = isIP(plain);
      const host = name?.toLowerCase();
      for (const p of patterns) {
        let hit = false;
        if (p.kind === 'net') hit = family !== 0 && p.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
        else if (host !== undefined && host !== 'unknown')
          hit = p.text.startsWith('.') ? host.endsWith(p.text) : host === p.text;
        if (hit) return !p.negate;
      }
      return false;
    },
  };
}
