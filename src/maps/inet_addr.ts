/**
 * inet_addr: inet_pton() and inet_ntop() as glibc implements them, for the
 * cidr: table: strict dotted quads (no leading zeros, four parts), IPv6 with
 * one `::` and an optional trailing dotted quad, and glibc's text form when
 * printing (longest zero run compressed, `::ffff:1.2.3.4` for mapped addresses).
 *
 * See: postfix/src/util/cidr_match.c; glibc resolv/inet_pton.c, resolv/inet_ntop.c
 */

/** The 4 bytes of a dotted quad, or null. */
export function inetPton4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

/** The 16-bit words of one side of `::`; a dotted quad may end the address only. */
function words6(text: string, mayEndInQuad: boolean): number[] | null {
  if (text === '') return [];
  const groups = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (mayEndInQuad && i === groups.length - 1 && g.includes('.')) {
      const v4 = inetPton4(g);
      if (v4 === null) return null;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
      out.push(Number.parseInt(g, 16));
    } else {
      return null;
    }
  }
  return out;
}

/** The 16 bytes of an IPv6 address, or null. */
export function inetPton6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = words6(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? words6(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** glibc's inet_ntop() text for 4 or 16 bytes. */
export function inetNtop(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      out += [...bytes.subarray(12)].join('.');
      break;
    }
    out += words[i]!.toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ':';
  return out;
}
