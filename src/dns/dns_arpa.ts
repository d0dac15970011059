/**
 * dns_arpa: an IP address turned around for the DNS. IPv4 octets in reverse
 * (`2.0.0.127`), IPv6 as 32 reversed nibbles (`1.0.0.0...8.b.d.0.1.0.0.2`),
 * the form PTR names (under in-addr.arpa / ip6.arpa) and DNSBL queries (under
 * the list's zone) use.
 *
 * Standards: RFC 1035 section 3.5, RFC 3596 section 2.5, RFC 5782 section 2.1
 * See: postfix/src/smtpd/smtpd_check.c (find_dnsxl_addr)
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The 16 bytes of an IPv6 address (with or without an embedded IPv4 tail); null if not IPv6. */
export function ipv6Bytes(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address.replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const o = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head === '' || head === undefined ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/**
 * The labels of an address in reverse, dot-joined, without a zone: IPv4
 * `127.0.0.2` gives `2.0.0.127`; IPv6 gives 32 nibbles. Null for text that is
 * not an address.
 */
export function reversedAddress(address: string): string | null {
  if (isIPv4(address)) return address.split('.').reverse().join('.');
  const bytes = ipv6Bytes(address);
  if (bytes === null) return null;
  const nibbles: string[] = [];
  for (let i = bytes.length - 1; i >= 0; i--)
    nibbles.push((bytes[i]! & 0xf).toString(16), (bytes[i]! >> 4).toString(16));
  return nibbles.join('.');
}

/** The PTR name of an address: `2.0.0.127.in-addr.arpa`, `...ip6.arpa`; null if not an address. */
export function reverseName(address: string): string | null {
  const reversed = reversedAddress(address);
  if (reversed === null) return null;
  return `${reversed}.${isIPv4(address) ? 'in-addr.arpa' : 'ip6.arpa'}`;
}

/** True when two textual addresses are the same address (`::1` and `0:0::1`; IPv4 as is). */
export function sameAddress(a: string, b: string): boolean {
  if (isIPv4(a) || isIPv4(b)) return a === b;
  const x = ipv6Bytes(a);
  const y = ipv6Bytes(b);
  return x !== null && y !== null && x.every((byte, i) => byte === y[i]);
}
