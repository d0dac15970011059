/**
 * doctor_spf_record: an SPF record's text as terms (RFC 7208 section 4.6):
 * mechanisms with their qualifier (all, include, a, mx, ptr, ip4, ip6,
 * exists) and modifiers (redirect, exp, others ignored), with the syntax
 * errors that make receivers return permerror; and the macro expansion of
 * domain-specs (section 7). Also which TXT records of a name are SPF
 * records (`v=spf1` followed by a space or the end).
 *
 * Standards: RFC 7208 sections 4.5, 4.6, 5, 6, 7
 */
import { isIP } from 'node:net';

export type Qualifier = '+' | '-' | '~' | '?';

export type SpfTerm =
  | {
      readonly type: 'mechanism';
      readonly qualifier: Qualifier;
      readonly name: 'all' | 'include' | 'a' | 'mx' | 'ptr' | 'ip4' | 'ip6' | 'exists';
      /** The domain-spec or network after `:`; null when absent. */
      readonly value: string | null;
      readonly cidr4: number | null;
      readonly cidr6: number | null;
      readonly raw: string;
    }
  | { readonly type: 'modifier'; readonly name: string; readonly value: string; readonly raw: string };

export interface ParsedSpf {
  readonly terms: readonly SpfTerm[];
  /** Syntax errors (each one makes the record a permerror). */
  readonly errors: readonly string[];
}

/** True for a TXT record that is an SPF record. */
export function isSpfRecord(text: string): boolean {
  return /^v=spf1(?: |$)/i.test(text);
}

const MECHANISMS = new Set(['all', 'include', 'a', 'mx', 'ptr', 'ip4', 'ip6', 'exists']);
const MACRO = /%(?:\{[slodiphcrtv]\d*r?[.\-+,/_=]*\}|%|_|-)/gi;

function validDomainSpec(spec: string): boolean {
  const bare = spec.replace(MACRO, 'x');
  if (/%/.test(bare)) return false;
  if (/%\{/.test(spec)) return true;
  return /^[\x21-\x7e]+$/.test(bare) && bare.includes('.');
}

function cidrs(rest: string): {
  value: string | null;
  cidr4: number | null;
  cidr6: number | null;
  error: string | null;
} {
  const m = /^(.*?)(?:\/(\d+))?(?:\/\/(\d+))?$/.exec(rest)!;
  const cidr4 = m[2] === undefined ? null : Number(m[2]);
  const cidr6 = m[3] === undefined ? null : Number(m[3]);
  if (cidr4 !== null && cidr4 > 32) return { value: null, cidr4, cidr6, error: `bad IPv4 prefix length /${cidr4}` };
  if (cidr6 !== null && cidr6 > 128) return { value: null, cidr4, cidr6, error: `bad IPv6 prefix length //${cidr6}` };
  return { value: m[1] === '' ? null : m[1]!, cidr4, cidr6, error: null };
}

/** Parses the text of one SPF record. */
export function parseSpf(text: string): ParsedSpf {
  const terms: SpfTerm[] = [];
  const errors: string[] = [];
  const words = text.trim().split(/ +/);
  if (!/^v=spf1$/i.test(words[0] ?? '')) return { terms, errors: ['the record does not start with "v=spf1"'] };
  const seen = new Set<string>();
  for (const raw of words.slice(1)) {
    if (raw === '') continue;
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(raw);
    if (mod !== null) {
      const name = mod[1]!.toLowerCase();
      if ((name === 'redirect' || name === 'exp') && seen.has(name)) errors.push(`"${name}=" appears twice`);
      seen.add(name);
      if ((name === 'redirect' || name === 'exp') && !validDomainSpec(mod[2]!)) errors.push(`bad domain in "${raw}"`);
      terms.push({ type: 'modifier', name, value: mod[2]!, raw });
      continue;
    }
    const q = /^[+\-~?]/.test(raw) ? (raw[0] as Qualifier) : '+';
    const body = /^[+\-~?]/.test(raw) ? raw.slice(1) : raw;
    const m = /^([a-z0-9]+)(?::(.*))?$|^([a-z]+)(\/.*)$/i.exec(body);
    const name = (m?.[1] ?? m?.[3] ?? '').toLowerCase();
    if (m === null || !MECHANISMS.has(name)) {
      errors.push(`unknown mechanism "${raw}"`);
      continue;
    }
    const arg = m[2] ?? null;
    const slash = m[4] ?? '';
    const base = { type: 'mechanism' as const, qualifier: q, name: name as never, raw };
    switch (name) {
      case 'all':
        if (arg !== null || slash !== '') errors.push(`"${raw}": all takes no argument`);
        terms.push({ ...base, value: null, cidr4: null, cidr6: null });
        break;
      case 'include':
      case 'exists':
        if (arg === null || arg === '' || !validDomainSpec(arg)) errors.push(`"${raw}": ${name} needs a domain`);
        terms.push({ ...base, value: arg, cidr4: null, cidr6: null });
        break;
      case 'ptr':
        terms.push({ ...base, value: arg, cidr4: null, cidr6: null });
        break;
      case 'a':
      case 'mx': {
        const c = cidrs(arg === null ? slash : `${arg}${slash}`);
        if (c.error !== null) errors.push(`"${raw}": ${c.error}`);
        if (c.value !== null && !validDomainSpec(c.value)) errors.push(`"${raw}": bad domain`);
        terms.push({ ...base, value: c.value, cidr4: c.cidr4, cidr6: c.cidr6 });
        break;
      }
      case 'ip4':
      case 'ip6': {
        const net = arg ?? '';
        const slashAt = net.indexOf('/');
        const addr = slashAt < 0 ? net : net.slice(0, slashAt);
        const len = slashAt < 0 ? null : Number(net.slice(slashAt + 1));
        const family = name === 'ip4' ? 4 : 6;
        if (isIP(addr) !== family) errors.push(`"${raw}": not an IPv${family} address`);
        else if (len !== null && (!Number.isInteger(len) || len < 0 || len > (family === 4 ? 32 : 128))) {
          errors.push(`"${raw}": bad prefix length`);
        }
        terms.push({ ...base, value: addr, cidr4: family === 4 ? len : null, cidr6: family === 6 ? len : null });
        break;
      }
    }
  }
  return { terms, errors };
}

export interface MacroContext {
  /** The sender address (`user@domain`; `postmaster@helo` for a null sender). */
  readonly sender: string;
  /** The domain being checked now. */
  readonly domain: string;
  readonly ip: string;
  readonly helo: string;
}

function macroValue(letter: string, ctx: MacroContext): string {
  const at = ctx.sender.lastIndexOf('@');
  switch (letter.toLowerCase()) {
    case 's':
      return ctx.sender;
    case 'l':
      return at < 0 ? 'postmaster' : ctx.sender.slice(0, at);
    case 'o':
      return at < 0 ? ctx.sender : ctx.sender.slice(at + 1);
    case 'd':
      return ctx.domain;
    case 'i':
      if (isIP(ctx.ip) === 6) {
        const full = expandV6(ctx.ip);
        return full.replace(/:/g, '').split('').join('.');
      }
      return ctx.ip;
    case 'v':
      return isIP(ctx.ip) === 6 ? 'ip6' : 'in-addr';
    case 'h':
      return ctx.helo;
    case 'c':
      return ctx.ip;
    case 'r':
      return 'unknown';
    case 't':
      return String(Math.floor(Date.now() / 1000));
    default:
      return 'unknown';
  }
}

function expandV6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** Expands the macros of a domain-spec (RFC 7208 section 7). */
export function expandMacros(spec: string, ctx: MacroContext): string {
  return spec.replace(MACRO, (m) => {
    if (m === '%%') return '%';
    if (m === '%_') return ' ';
    if (m === '%-') return '%20';
    const inner = /^%\{([a-z])(\d*)(r?)([.\-+,/_=]*)\}$/i.exec(m)!;
    const delims = inner[4] === '' ? '.' : inner[4]!;
    let parts = macroValue(inner[1]!, ctx).split(new RegExp(`[${delims.replace(/[-\\\]]/g, '\\$&')}]`));
    if (inner[3] !== '') parts = parts.reverse();
    if (inner[2] !== '') parts = parts.slice(-Math.max(1, Number(inner[2])));
    return parts.join('.');
  });
}
