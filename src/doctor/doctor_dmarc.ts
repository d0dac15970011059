/**
 * doctor_dmarc: a domain's DMARC record (`_dmarc.DOMAIN` TXT, v=DMARC1),
 * parsed and checked as receivers do (RFC 7489 section 6.3): v first, a
 * valid p= (none, quarantine, reject), sp, adkim/aspf (r or s), pct 0-100,
 * rua/ruf as URIs; and its meaning in plain words: what happens to mail
 * that fails, and what alignment asks of the SPF and DKIM domains. When a
 * subdomain has no record, the organizational domain's applies (taken as
 * the last two labels: the doctor carries no public-suffix list).
 *
 * Standards: RFC 7489 sections 6.3, 6.6.3
 */
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { tagValues } from './doctor_tag_list.ts';

export interface DmarcRecord {
  readonly name: string;
  readonly text: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly errors: readonly string[];
  /** none, quarantine, reject; null when invalid or missing. */
  readonly policy: string | null;
}

export type DmarcLookup =
  | { readonly status: 'ok'; readonly record: DmarcRecord; readonly inherited: boolean }
  | { readonly status: 'none'; readonly text: string }
  | { readonly status: 'temperror'; readonly text: string }
  | { readonly status: 'multiple'; readonly records: readonly string[] };

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** Parses one DMARC record. */
export function parseDmarc(name: string, text: string): DmarcRecord {
  const tags = new Map<string, string>();
  const errors: string[] = [];
  for (const { index, tag, value: raw } of tagValues(text, errors)) {
    const value = raw.trim();
    if (index === 0 && (tag !== 'v' || value !== 'DMARC1')) errors.push('the record must start with "v=DMARC1"');
    tags.set(tag, value);
  }
  const p = tags.get('p')?.toLowerCase();
  if (p === undefined) errors.push('no p= tag (the policy is required)');
  else if (!POLICIES.has(p)) errors.push(`p=${p}: the policy must be none, quarantine or reject`);
  const sp = tags.get('sp')?.toLowerCase();
  if (sp !== undefined && !POLICIES.has(sp)) errors.push(`sp=${sp}: must be none, quarantine or reject`);
  for (const t of ['adkim', 'aspf']) {
    const v = tags.get(t)?.toLowerCase();
    if (v !== undefined && v !== 'r' && v !== 's') errors.push(`${t}=${v}: must be r (relaxed) or s (strict)`);
  }
  const pct = tags.get('pct');
  if (pct !== undefined && (!/^\d+$/.test(pct) || Number(pct) > 100)) errors.push(`pct=${pct}: must be 0 to 100`);
  for (const t of ['rua', 'ruf']) {
    const v = tags.get(t);
    if (v === undefined) continue;
    for (const uri of v.split(',')) {
      if (!/^(mailto|https?):\S+$/i.test(uri.trim()))
        errors.push(`${t}: "${uri.trim()}" is not a mailto: or https: URI`);
    }
  }
  const fo = tags.get('fo');
  if (fo !== undefined && !/^[01ds](:[01ds])*$/.test(fo)) errors.push(`fo=${fo}: must be 0, 1, d, s (joined by :)`);
  return { name, text, tags, errors, policy: p !== undefined && POLICIES.has(p) && errors.length === 0 ? p : null };
}

async function recordsAt(dns: DnsResolver, name: string): Promise<DmarcLookup> {
  const txt = await dns.txt(name);
  if (txt.status === 'retry') return { status: 'temperror', text: txt.text };
  if (txt.status !== 'ok') return { status: 'none', text: txt.text };
  const recs = txt.records.map((r) => r.text).filter((t) => /^v\s*=\s*DMARC1\b/i.test(t));
  if (recs.length === 0) return { status: 'none', text: `${name} has TXT records but none starts with v=DMARC1` };
  if (recs.length > 1) return { status: 'multiple', records: recs };
  return { status: 'ok', record: parseDmarc(name, recs[0]!), inherited: false };
}

/** The organizational domain (approximated as the last two labels). */
export function orgDomain(domain: string): string {
  return domain.split('.').slice(-2).join('.');
}

/** The DMARC record that applies to `domain`: its own, else its organizational domain's. */
export async function dmarcLookup(dns: DnsResolver, domain: string): Promise<DmarcLookup> {
  const own = await recordsAt(dns, `_dmarc.${domain}`);
  const org = orgDomain(domain);
  if (own.status !== 'none' || org === domain) return own;
  const parent = await recordsAt(dns, `_dmarc.${org}`);
  return parent.status === 'ok' ? { ...parent, inherited: true } : own;
}

/** What the record asks of receivers, in words. */
export function explainDmarc(r: DmarcRecord, domain: string, inherited: boolean): string[] {
  const t = r.tags;
  const policy = inherited ? (t.get('sp') ?? t.get('p')) : t.get('p');
  const words: Record<string, string> = {
    none: 'monitoring only: receivers deliver mail that fails DMARC as usual (spoofing is not stopped) and send reports',
    quarantine: 'mail that fails DMARC goes to the spam folder',
    reject: 'mail that fails DMARC is refused',
  };
  const out = [
    `${r.name}: "${r.text}"${inherited ? ` (inherited by ${domain})` : ''}`,
    `policy ${policy}: ${words[policy?.toLowerCase() ?? ''] ?? 'unknown'}`,
  ];
  const pct = t.get('pct');
  if (pct !== undefined && pct !== '100') out.push(`pct=${pct}: the policy applies to ${pct}% of failing mail only`);
  const align = (tag: string, what: string) =>
    (t.get(tag) ?? 'r').toLowerCase() === 's'
      ? `${what} alignment strict: its domain must equal ${domain}`
      : `${what} alignment relaxed: its domain may be ${domain} or a subdomain sharing its organizational domain`;
  out.push(align('aspf', 'SPF (the envelope sender, Return-Path)'), align('adkim', "DKIM (the signature's d=)"));
  out.push(t.has('rua') ? `aggregate reports go to ${t.get('rua')}` : 'no rua=: nobody receives the aggregate reports');
  return out;
}
