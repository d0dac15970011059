/**
 * doctor_spf: check_host() of RFC 7208, run as a receiver runs it, through
 * the doctor's DnsResolver: fetches the domain's SPF record (none, one, or
 * several: permerror), evaluates its terms for an IP, follows include and
 * redirect, counts the terms that query the DNS (include, a, mx, ptr,
 * exists, redirect: at most 10) and the void lookups (at most 2), and
 * returns the result with the term that decided it and a trace. In `full`
 * mode it walks every term and include whatever matches, to count what the
 * record costs in the worst case (what a receiver hits for an IP the record
 * does not list early).
 *
 * Standards: RFC 7208 sections 2.6, 4, 5, 6
 */
import { isIP } from 'node:net';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { DnsResult } from '../dns/dns_result.ts';
import type { DnsRr } from '../dns/dns_rr.ts';
import { inetPton4, inetPton6 } from '../maps/inet_addr.ts';
import {
  expandMacros,
  isSpfRecord,
  type MacroContext,
  parseSpf,
  type Qualifier,
  type SpfTerm,
} from './doctor_spf_record.ts';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';

export const LOOKUP_LIMIT = 10;
export const VOID_LIMIT = 2;

export interface SpfEvaluation {
  readonly result: SpfResult;
  /** The term that decided, or what went wrong. */
  readonly reason: string;
  /** DNS-querying terms evaluated (include, a, mx, ptr, exists, redirect). */
  readonly lookups: number;
  /** Lookups that found nothing (NXDOMAIN or no records). */
  readonly voids: number;
  /** `domain: record`, indented by include depth, then the terms that queried the DNS. */
  readonly trace: readonly string[];
}

export interface SpfRecordLookup {
  readonly status: 'ok' | 'none' | 'multiple' | 'temperror';
  readonly records: readonly string[];
  readonly text: string;
}

/** The SPF record(s) of a domain. */
export async function spfRecords(dns: DnsResolver, domain: string): Promise<SpfRecordLookup> {
  const txt = await dns.txt(domain);
  if (txt.status === 'retry' || txt.status === 'fail' || txt.status === 'inval')
    return { status: 'temperror', records: [], text: txt.text };
  if (txt.status !== 'ok') return { status: 'none', records: [], text: txt.text };
  const records = txt.records.map((r) => r.text).filter(isSpfRecord);
  if (records.length === 0)
    return { status: 'none', records, text: `${domain} has TXT records but none is an SPF record` };
  return { status: records.length > 1 ? 'multiple' : 'ok', records, text: '' };
}

class Abort extends Error {
  readonly result: SpfResult;
  constructor(result: SpfResult, reason: string) {
    super(reason);
    this.result = result;
  }
}

const QUALIFIED: Readonly<Record<Qualifier, SpfResult>> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

function bytesOf(ip: string): Uint8Array | null {
  return isIP(ip) === 6 ? inetPton6(ip) : inetPton4(ip);
}

/** True when `ip` is in `net`/`len` (host bits of `net` ignored, as RFC 7208 reads them). */
export function inNetwork(ip: string, net: string, len: number | null): boolean {
  const a = bytesOf(ip);
  const b = bytesOf(net);
  if (a === null || b === null || a.length !== b.length) return false;
  let bits = len ?? a.length * 8;
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

class Evaluator {
  readonly #dns: DnsResolver;
  readonly #ip: string;
  readonly #sender: string;
  readonly #helo: string;
  readonly #full: boolean;
  readonly trace: string[] = [];
  lookups = 0;
  voids = 0;

  constructor(dns: DnsResolver, ip: string, sender: string, helo: string, full: boolean) {
    this.#dns = dns;
    this.#ip = ip;
    this.#sender = sender;
    this.#helo = helo;
    this.#full = full;
  }

  get #v6(): boolean {
    return isIP(this.#ip) === 6;
  }

  #count(term: string, depth: number): void {
    this.lookups++;
    if (this.lookups > LOOKUP_LIMIT && !this.#full) {
      throw new Abort('permerror', `more than ${LOOKUP_LIMIT} DNS-querying terms (the ${this.lookups}th is ${term})`);
    }
    this.trace.push(`${'  '.repeat(depth + 1)}lookup ${this.lookups}: ${term}`);
  }

  /** Counts a void lookup; throws on a temporary failure. Returns true when records were found. */
  #found(r: DnsResult<DnsRr>, what: string): boolean {
    if (r.status === 'ok') return r.records.length > 0;
    if (r.status === 'retry') throw new Abort('temperror', `DNS failure for ${what}: ${r.text}`);
    if (r.status === 'notfound' || r.status === 'nullmx') {
      this.voids++;
      if (this.voids > VOID_LIMIT && !this.#full)
        throw new Abort('permerror', `more than ${VOID_LIMIT} void lookups (the last: ${what})`);
    }
    return false;
  }

  async #addresses(host: string): Promise<string[]> {
    const r = this.#v6 ? await this.#dns.aaaa(host) : await this.#dns.a(host);
    return r.status === 'ok' ? r.records.map((x) => x.address) : [];
  }

  async checkHost(
    domain: string,
    depth: number,
    path: readonly string[],
  ): Promise<{ result: SpfResult; reason: string }> {
    if (depth > 10 || path.includes(domain))
      return { result: 'permerror', reason: `include/redirect loop at ${domain}` };
    const recs = await spfRecords(this.#dns, domain);
    const pad = '  '.repeat(depth);
    if (recs.status === 'temperror') return { result: 'temperror', reason: recs.text };
    if (recs.status === 'none') {
      this.trace.push(`${pad}${domain}: no SPF record`);
      return { result: 'none', reason: recs.text };
    }
    for (const r of recs.records) this.trace.push(`${pad}${domain}: ${r}`);
    if (recs.status === 'multiple')
      return { result: 'permerror', reason: `${domain} has ${recs.records.length} SPF records` };
    const parsed = parseSpf(recs.records[0]!);
    if (parsed.errors.length > 0) return { result: 'permerror', reason: `${domain}: ${parsed.errors.join('; ')}` };
    const ctx: MacroContext = { sender: this.#sender, domain, ip: this.#ip, helo: this.#helo };
    let decided: { result: SpfResult; reason: string } | null = null;
    let redirect: string | null = null;
    let hasAll = false;
    for (const term of parsed.terms) {
      if (term.type === 'modifier') {
        if (term.name === 'redirect') redirect = expandMacros(term.value, ctx);
        continue;
      }
      if (term.name === 'all') hasAll = true;
      if (decided !== null && !this.#full) break;
      const match = await this.#mechanism(term, ctx, depth, [...path, domain]);
      if (match === 'error') continue;
      if (match && decided === null) decided = { result: QUALIFIED[term.qualifier], reason: `${domain}: ${term.raw}` };
    }
    if (decided !== null && !this.#full) return decided;
    if (redirect !== null && !hasAll && (decided === null || this.#full)) {
      this.#count(`redirect=${redirect}`, depth);
      const r = await this.checkHost(redirect, depth + 1, [...path, domain]);
      if (decided !== null) return decided;
      if (r.result === 'none') return { result: 'permerror', reason: `redirect=${redirect}: it has no SPF record` };
      return r;
    }
    return decided ?? { result: 'neutral', reason: `${domain}: no term matched and the record has no "all"` };
  }

  async #mechanism(
    term: Extract<SpfTerm, { type: 'mechanism' }>,
    ctx: MacroContext,
    depth: number,
    path: readonly string[],
  ): Promise<boolean | 'error'> {
    const target = term.value === null ? ctx.domain : expandMacros(term.value, ctx);
    switch (term.name) {
      case 'all':
        return true;
      case 'ip4':
        return !this.#v6 && inNetwork(this.#ip, term.value ?? '', term.cidr4);
      case 'ip6':
        return this.#v6 && inNetwork(this.#ip, term.value ?? '', term.cidr6);
      case 'a': {
        this.#count(term.raw, depth);
        const r = this.#v6 ? await this.#dns.aaaa(target) : await this.#dns.a(target);
        if (!this.#found(r, term.raw) || r.status !== 'ok') return false;
        return r.records.some((x) => inNetwork(this.#ip, x.address, this.#v6 ? term.cidr6 : term.cidr4));
      }
      case 'mx': {
        this.#count(term.raw, depth);
        const r = await this.#dns.mx(target);
        if (!this.#found(r, term.raw) || r.status !== 'ok') return false;
        if (r.records.length > 10) throw new Abort('permerror', `${term.raw}: more than 10 MX hosts`);
        for (const mx of r.records) {
          const addrs = await this.#addresses(mx.exchange);
          if (addrs.some((a) => inNetwork(this.#ip, a, this.#v6 ? term.cidr6 : term.cidr4))) return true;
        }
        return false;
      }
      case 'ptr': {
        this.#count(term.raw, depth);
        const r = await this.#dns.ptr(this.#ip);
        if (!this.#found(r, term.raw) || r.status !== 'ok') return false;
        for (const p of r.records.slice(0, 10)) {
          const name = p.name.toLowerCase();
          if ((await this.#addresses(name)).includes(this.#ip) && (name === target || name.endsWith(`.${target}`)))
            return true;
        }
        return false;
      }
      case 'exists': {
        this.#count(term.raw, depth);
        return this.#found(await this.#dns.a(target), term.raw);
      }
      case 'include': {
        this.#count(term.raw, depth);
        const r = await this.checkHost(target, depth + 1, path);
        if (r.result === 'pass') return true;
        if (r.result === 'temperror') throw new Abort('temperror', r.reason);
        if (r.result === 'permerror' || r.result === 'none') {
          if (this.#full) return 'error';
          throw new Abort('permerror', r.result === 'none' ? `${term.raw}: ${target} has no SPF record` : r.reason);
        }
        return false;
      }
    }
  }
}

/**
 * check_host(ip, domain, sender): the SPF result a receiver computes for
 * mail from `sender` (default postmaster@domain) sent from `ip`.
 */
export async function checkHost(
  dns: DnsResolver,
  ip: string,
  domain: string,
  options: { readonly sender?: string; readonly helo?: string; readonly full?: boolean } = {},
): Promise<SpfEvaluation> {
  const e = new Evaluator(
    dns,
    ip,
    options.sender ?? `postmaster@${domain}`,
    options.helo ?? domain,
    options.full ?? false,
  );
  try {
    const r = await e.checkHost(domain.toLowerCase(), 0, []);
    return { ...r, lookups: e.lookups, voids: e.voids, trace: e.trace };
  } catch (err) {
    if (!(err instanceof Abort)) throw err;
    return { result: err.result, reason: err.message, lookups: e.lookups, voids: e.voids, trace: e.trace };
  }
}
