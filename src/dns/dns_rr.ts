/**
 * dns_rr: the resource records affix looks up, as typed data, and the one
 * ordering rule mail routing needs: MX hosts by preference, equal preferences
 * in random order, so that load spreads as the domain owner intended.
 *
 * See: postfix/src/dns/dns_rr.c (dns_rr_shuffle, dns_rr_sort, dns_rr_compare_pref_any),
 *      postfix/src/dns/dns_strtype.c
 * Standards: RFC 1035, RFC 3596 (AAAA), RFC 5321 section 5.1 (MX ordering)
 */

/** The record types affix asks for. */
export const DNS_TYPES = ['A', 'AAAA', 'MX', 'PTR', 'TXT', 'CNAME'] as const;
export type DnsType = (typeof DNS_TYPES)[number];

/** An IPv4 (A) or IPv6 (AAAA) address, printed as inet_ntop() does. */
export interface DnsAddrRr {
  readonly type: 'A' | 'AAAA';
  readonly address: string;
}

export interface DnsMxRr {
  readonly type: 'MX';
  readonly preference: number;
  /** The mail exchanger, without the trailing dot. */
  readonly exchange: string;
}

export interface DnsPtrRr {
  readonly type: 'PTR';
  readonly name: string;
}

export interface DnsCnameRr {
  readonly type: 'CNAME';
  readonly name: string;
}

/**
 * A TXT record: its character-strings as sent (`chunks`, each at most 255
 * bytes) and joined without separator (`text`), as SPF (RFC 7208 section 3.3)
 * and Postfix's dns_get_rr() join them.
 */
export interface DnsTxtRr {
  readonly type: 'TXT';
  readonly text: string;
  readonly chunks: readonly string[];
}

export type DnsRr = DnsAddrRr | DnsMxRr | DnsPtrRr | DnsCnameRr | DnsTxtRr;

/** The record type a lookup of type T returns. */
export type DnsRrOf<T extends DnsType> = Extract<DnsRr, { type: T }>;

/** A random number in [0, 1), as Math.random() gives; tests pass a seeded one. */
export type DnsRandom = () => number;

/** Fisher-Yates shuffle (dns_rr_shuffle). */
export function shuffleRrs<R>(rrs: readonly R[], random: DnsRandom): R[] {
  const out = [...rrs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * MX records in the order to try them: ascending preference, equal
 * preferences shuffled. Like Postfix's smtp_domain_addr(): shuffle, then a
 * sort that keeps the shuffled order among equals.
 */
export function sortMx(rrs: readonly DnsMxRr[], random: DnsRandom): DnsMxRr[] {
  return shuffleRrs(rrs, random).sort((a, b) => a.preference - b.preference);
}

/**
 * A deterministic DnsRandom for tests: a linear congruential generator
 * seeded with `seed`, so a shuffle can be predicted and repeated.
 */
export function seededRandom(seed: number): DnsRandom {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
