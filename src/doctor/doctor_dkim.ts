/**
 * doctor_dkim: DKIM for a sending domain. Postfix signs through a milter
 * (smtpd_milters, non_smtpd_milters), usually OpenDKIM; its configuration
 * (Domain/Selector/KeyFile, or KeyTable) says which selector and key sign
 * for which domain. The selector's record `SEL._domainkey.DOMAIN` must be
 * published, valid (v=DKIM1, k=rsa|ed25519, a p= key that decodes, not
 * revoked, RSA of at least 1024 bits, better 2048) and hold the public half
 * of the signing key; the doctor prints the exact record to publish from
 * the key file. Without a known signer it looks for common selectors.
 *
 * Parameters: smtpd_milters, non_smtpd_milters; affix's own signer:
 *   affix_dkim_key_table, affix_dkim_domain, affix_dkim_selector, affix_dkim_key_file
 * Security: reads the signer's configuration and private key files (the
 *   key is used only to derive its public half)
 * Standards: RFC 6376 section 3.6.1, RFC 8463 (ed25519)
 * See: opendkim.conf(5)
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { tagValues } from './doctor_tag_list.ts';

/** Selectors tried when no signer configuration names one. */
export const COMMON_SELECTORS = [
  'default',
  'mail',
  'dkim',
  'selector1',
  'selector2',
  's1',
  's2',
  'google',
  'k1',
  'key1',
];

export interface DkimSigner {
  readonly domain: string;
  readonly selector: string;
  readonly keyFile: string | null;
  /** Where it was configured: `/etc/opendkim.conf`, `--dkim-selector`. */
  readonly source: string;
}

function confValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.+?)\s*$/.exec(line.replace(/#.*$/, ''));
    if (m !== null) out.set(m[1]!.toLowerCase(), m[2]!);
  }
  return out;
}

/** The signers of an OpenDKIM-style KeyTable (`sel._domainkey.dom dom:sel:/path/key`). */
export async function keyTableSigners(keyTable: string): Promise<DkimSigner[]> {
  const path = keyTable.replace(/^(?:file|refile):/, '');
  const out: DkimSigner[] = [];
  try {
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      const m = /^\s*(\S+)\s+([^:\s]+):([^:\s]+):(\S+)/.exec(line.replace(/#.*$/, ''));
      if (m !== null) out.push({ domain: m[2]!.toLowerCase(), selector: m[3]!, keyFile: m[4]!, source: path });
    }
  } catch {
    // an unreadable key table: no signers known from it
  }
  return out;
}

/** The signers an OpenDKIM configuration declares (Domain/Selector/KeyFile, or a KeyTable file). */
export async function opendkimSigners(confPath: string): Promise<DkimSigner[]> {
  let text: string;
  try {
    text = await readFile(confPath, 'utf8');
  } catch {
    return [];
  }
  const v = confValues(text);
  const keyTable = v.get('keytable');
  const out: DkimSigner[] = keyTable === undefined ? [] : await keyTableSigners(keyTable);
  const selector = v.get('selector');
  const domains = v.get('domain');
  if (selector !== undefined && domains !== undefined && !domains.includes(':')) {
    for (const d of domains.split(/[,\s]+/).filter((x) => x !== '')) {
      out.push({ domain: d.toLowerCase(), selector, keyFile: v.get('keyfile') ?? null, source: confPath });
    }
  }
  return out;
}

export interface DkimRecord {
  readonly name: string;
  readonly text: string;
  readonly tags: ReadonlyMap<string, string>;
  readonly errors: readonly string[];
  readonly key: KeyObject | null;
  /** RSA modulus bits, or null for ed25519/unknown. */
  readonly bits: number | null;
  readonly testing: boolean;
}

/** Parses a DKIM key record (tag=value; ...). */
export function parseDkimRecord(name: string, text: string): DkimRecord {
  const tags = new Map<string, string>();
  const errors: string[] = [];
  for (const { index, tag, value } of tagValues(text, errors)) {
    if (tag === 'v' && index !== 0) errors.push('v= must come first');
    tags.set(tag, value.replace(/\s+/g, ''));
  }
  if (tags.has('v') && tags.get('v') !== 'DKIM1') errors.push(`v=${tags.get('v')} (must be DKIM1)`);
  const k = (tags.get('k') ?? 'rsa').toLowerCase();
  if (k !== 'rsa' && k !== 'ed25519') errors.push(`k=${k}: unknown key type`);
  const p = tags.get('p');
  let key: KeyObject | null = null;
  let bits: number | null = null;
  if (p === undefined) errors.push('no p= (public key) tag');
  else if (p === '') errors.push('p= is empty: the key is revoked');
  else {
    try {
      const der = Buffer.from(p, 'base64');
      key =
        k === 'ed25519'
          ? createPublicKey({
              key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), der]),
              format: 'der',
              type: 'spki',
            })
          : createPublicKey({ key: der, format: 'der', type: 'spki' });
      bits = key.asymmetricKeyDetails?.modulusLength ?? null;
    } catch {
      errors.push('p= does not decode to a public key (a copy-paste error: quotes, line breaks?)');
    }
  }
  return { name, text, tags, errors, key, bits, testing: /(^|:)y(:|$)/.test(tags.get('t') ?? '') };
}

/** The selector's record, or why there is none. */
export async function dkimRecord(
  dns: DnsResolver,
  selector: string,
  domain: string,
): Promise<DkimRecord | { readonly missing: string; readonly temp: boolean }> {
  const name = `${selector}._domainkey.${domain}`;
  const txt = await dns.txt(name);
  if (txt.status !== 'ok') return { missing: txt.text, temp: txt.status === 'retry' };
  const rec = txt.records.map((r) => r.text).find((t) => /(^|;)\s*(v=DKIM1|p=|k=)/i.test(t));
  if (rec === undefined) return { missing: `${name} has TXT records but no DKIM key`, temp: false };
  return parseDkimRecord(name, rec);
}

/** The public half of a private key file, as a DKIM p= value, or an error text. */
export async function publicKeyOf(
  keyFile: string,
): Promise<{ p: string; key: KeyObject; type: 'rsa' | 'ed25519' } | { error: string }> {
  try {
    const priv = createPrivateKey(await readFile(keyFile));
    const pub = createPublicKey(priv);
    const type = pub.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'rsa';
    const der = pub.export({ type: 'spki', format: 'der' });
    const p = (type === 'ed25519' ? der.subarray(der.length - 32) : der).toString('base64');
    return { p, key: pub, type };
  } catch (err) {
    return { error: `${keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}

/** True when both keys are the same public key. */
export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/** `sel._domainkey.example.org. IN TXT "v=DKIM1; k=rsa; p=MIIB..."`, split into 255-byte strings. */
export function dkimRecordText(selector: string, domain: string, type: string, p: string): string {
  const value = `v=DKIM1; k=${type}; p=${p}`;
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += 255) chunks.push(`"${value.slice(i, i + 255)}"`);
  return `${selector}._domainkey.${domain}. IN TXT ${chunks.join(' ')}`;
}
