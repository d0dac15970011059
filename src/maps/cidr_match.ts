/**
 * cidr_match: one address pattern of a cidr: table (`1.2.3.0/24`,
 * `[2001:db8::]/32`, `::1`) and matching an address against it, byte-wise
 * as Postfix does. The family follows the text: a `:` means IPv6.
 *
 * Diagnostics: the reason a pattern is bad, in Postfix's words
 *   (`bad mask length in "1.2.3.0/33"`, `non-null host address bits in ...`)
 * See: postfix/src/util/cidr_match.c
 */
import { inetNtop, inetPton4, inetPton6 } from './inet_addr.ts';

export interface CidrPattern {
  readonly v6: boolean;
  readonly net: Uint8Array;
  readonly mask: Uint8Array;
}

const parseAddr = (text: string, v6: boolean) => (v6 ? inetPton6(text) : inetPton4(text));

function maskBytes(length: number, bits: number): Uint8Array {
  const mask = new Uint8Array(length);
  for (let i = 0; i < length; i++)
    mask[i] = bits >= 8 * (i + 1) ? 0xff : bits <= 8 * i ? 0 : (0xff << (8 - (bits - 8 * i))) & 0xff;
  return mask;
}

/** Parses an address pattern; a string is the reason it is bad. */
export function parseCidrPattern(text: string): CidrPattern | string {
  let pattern = text;
  let rest = text;
  if (pattern.startsWith('[')) {
    const close = pattern.indexOf(']');
    if (close < 0) return `missing ']' character after "${pattern}"`;
    const inner = pattern.slice(1, close);
    const after = pattern.slice(close + 1);
    if (after !== '' && !after.startsWith('/')) return `garbage after "[${inner}]"`;
    pattern = inner;
    rest = after === '' ? inner : inner + after;
  }
  const slash = rest.indexOf('/');
  const v6 = pattern.includes(':');
  const length = v6 ? 16 : 4;
  if (slash < 0) {
    const net = parseAddr(pattern, v6);
    if (net === null) return `bad address pattern: "${pattern}"`;
    return { v6, net, mask: maskBytes(length, 8 * length) };
  }
  const addr = rest.slice(0, slash);
  const maskText = rest.slice(slash + 1);
  const shown = `"${addr}/${maskText}"`;
  const bits = Number(maskText);
  if (!/^\d*$/.test(maskText)) return `bad mask value in ${shown}`;
  if (bits > 8 * length) return `bad mask length in ${shown}`;
  const net = parseAddr(addr, v6);
  if (net === null) return `bad network value in ${shown}`;
  const mask = maskBytes(length, bits);
  if (net.some((b, i) => (b & ~mask[i]!) !== 0)) {
    const fixed = net.map((b, i) => b & mask[i]!);
    return `non-null host address bits in ${shown}, perhaps you should use "${inetNtop(fixed)}/${bits}" instead`;
  }
  return { v6, net, mask };
}

/** The bytes of a lookup key, or null when it is no address (a cidr: table then finds nothing). */
export function parseCidrKey(key: string): { readonly v6: boolean; readonly bytes: Uint8Array } | null {
  const v6 = key.includes(':');
  const bytes = parseAddr(key, v6);
  return bytes === null ? null : { v6, bytes };
}

/** True when `addr` lies in the pattern's network (same family only). */
export function cidrMatches(p: CidrPattern, addr: { readonly v6: boolean; readonly bytes: Uint8Array }): boolean {
  if (p.v6 !== addr.v6) return false;
  return p.net.every((b, i) => (addr.bytes[i]! & p.mask[i]!) === b);
}
