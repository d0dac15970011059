/**
 * dns_ip_match: the IPv4 patterns that filter DNSBL answers in
 * `reject_rbl_client zone=d.d.d.d` and postscreen_dnsbl_sites. Each field is a
 * number or a `[...]` list of `;`-separated numbers and `n..m` ranges:
 * `127.0.0.2`, `127.0.0.[2..4]`, `127.0.0.[2;3;10..11]`. The error texts, with
 * their `at "before>token<after"` context, are Postfix's.
 *
 * See: postfix/src/util/ip_match.c
 */

/** Four fields, each a list of inclusive [low, high] octet ranges. */
export type IpMatch = readonly (readonly (readonly [number, number])[])[];

export type ParsedIpMatch =
  | { readonly ok: true; readonly value: IpMatch }
  | { readonly ok: false; readonly error: string };

/** Parses a pattern (ip_match_parse()); `[...]` around the whole pattern is allowed. */
export function parseIpMatch(input: string): ParsedIpMatch {
  let p = input;
  if (p.startsWith('[')) {
    let level = 0;
    let end = -1;
    for (let i = 0; i < p.length; i++) {
      if (p[i] === '[') level++;
      if (p[i] === ']' && --level === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) return { ok: false, error: 'missing "]" character' };
    if (end === p.length - 1) p = p.slice(1, -1);
  }
  if (p === '') return { ok: false, error: 'empty address pattern' };

  // The tokenizer of ip_match_next_token(): a number ('N', or 'E' above 255), one character, or '' at the end.
  let cp = 0;
  let saved = 0;
  let oval = 0;
  const next = (): string => {
    saved = cp;
    if (/[0-9]/.test(p[cp] ?? '')) {
      let type = 'N';
      oval = 0;
      for (; /[0-9]/.test(p[cp] ?? ''); cp++) {
        oval = oval * 10 + Number(p[cp]);
        if (oval > 255) type = 'E';
      }
      return type;
    }
    const ch = p[cp] ?? '';
    if (ch !== '') cp++;
    return ch;
  };
  const fail = (what: string): ParsedIpMatch => ({
    ok: false,
    error: `${what} at "${p.slice(0, saved)}>${p.slice(saved, cp)}<${p.slice(cp)}"`,
  });

  const fields: [number, number][][] = [];
  for (;;) {
    const token = next();
    if (token === 'N') {
      fields.push([[oval, oval]]);
    } else if (token === '[') {
      const ranges: [number, number][] = [];
      for (;;) {
        if (next() !== 'N') return fail('need decimal number 0..255');
        const low = oval;
        let look = next();
        if (look === '.') {
          if (!(next() === '.' && next() === 'N' && low <= oval)) return fail('numeric range error');
          ranges.push([low, oval]);
          look = next();
        } else {
          ranges.push([low, low]);
        }
        if (look === ';') continue;
        if (look === ']') break;
        return fail('need ";" or "]"');
      }
      fields.push(ranges);
    } else {
      return fail('need decimal number 0..255 or "["');
    }
    if (fields.length === 4) {
      if (cp < p.length) {
        next();
        return fail('garbage after pattern');
      }
      return { ok: true, value: fields };
    }
    if (next() !== '.') return fail('need "."');
  }
}

/** True when an IPv4 address (text) matches the pattern (ip_match_execute()). */
export function ipMatches(match: IpMatch, address: string): boolean {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4) return false;
  return match.every((ranges, i) => ranges.some(([low, high]) => octets[i]! >= low && octets[i]! <= high));
}
