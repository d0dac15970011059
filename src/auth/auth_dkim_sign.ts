/**
 * auth_dkim_sign: makes a DKIM-Signature header field for a message as the
 * queue holds it (LF line ends). affix signs itself rather than through
 * mailauth's dkimSign because that cannot oversign: its h= names only the
 * fields present, so a second From: could be added after signing without
 * breaking the signature. Here every present instance of a listed field is
 * signed, and each oversigned name is listed once more (RFC 6376 section
 * 8.15). Body hashes equal mailauth's, and mailauth's verifier, dkimverify
 * and OpenDKIM accept the signatures (test/auth).
 *
 * Standards: RFC 6376 sections 3.5, 3.7, 5.4 and 8.15; RFC 8463 (ed25519-sha256)
 */
import { createHash, sign as cryptoSign } from 'node:crypto';
import { bodyHash, type Canon, canonHeader, type HeaderField, splitHeaders } from './auth_dkim_canon.ts';
import type { DkimKey } from './auth_dkim_key.ts';

export interface DkimSignRequest {
  /** d= */
  readonly domain: string;
  /** s= */
  readonly selector: string;
  readonly key: DkimKey;
  /** `header/body`, e.g. `relaxed/relaxed`. */
  readonly canonicalization: `${Canon}/${Canon}`;
  /** Field names to sign when present, in h= order. */
  readonly headers: readonly string[];
  /** Field names signed once more than present (From at least). */
  readonly oversign: readonly string[];
  /** t=, seconds since the epoch; null leaves t= out. */
  readonly time: number | null;
  /** i=, the AUID, or null. */
  readonly identity?: string | null;
}

/** Why a message was not signed (ENOFROM, as mailauth calls it). */
export class DkimSignError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DkimSignError';
    this.code = code;
  }
}

/** The h= list: each listed name once per present instance, plus one for an oversigned name. */
export function signedNames(fields: readonly HeaderField[], headers: readonly string[], oversign: readonly string[]) {
  const count = new Map<string, number>();
  for (const f of fields) count.set(f.name.toLowerCase(), (count.get(f.name.toLowerCase()) ?? 0) + 1);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const name of headers) {
    const lower = name.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    for (let i = count.get(lower) ?? 0; i > 0; i--) names.push(name);
  }
  // Oversigned names come last, one more time each: no further instance can be added unnoticed.
  const over = new Set<string>();
  for (const name of oversign) if (!over.has(name.toLowerCase())) over.add(name.toLowerCase()) && names.push(name);
  return names;
}

/** The fields h= selects, bottom-up per name; a name with no instance left selects nothing (section 5.4.2). */
function selectFields(fields: readonly HeaderField[], names: readonly string[]): HeaderField[] {
  const used = new Set<number>();
  const out: HeaderField[] = [];
  for (const name of names) {
    const lower = name.toLowerCase();
    for (let i = fields.length - 1; i >= 0; i--) {
      if (!used.has(i) && fields[i]!.name.toLowerCase() === lower) {
        used.add(i);
        out.push(fields[i]!);
        break;
      }
    }
  }
  return out;
}

/** Folds `tag=value` parts into lines of about 78 characters, continuation lines starting with a tab. */
function fold(prefix: string, parts: readonly string[]): string {
  let out = prefix;
  let lineLength = prefix.length;
  for (const part of parts) {
    if (lineLength + 1 + part.length > 78 && lineLength > 0) {
      out += '\n\t';
      lineLength = 8;
    } else {
      out += ' ';
      lineLength += 1;
    }
    out += part;
    lineLength += part.length;
  }
  return out;
}

/** Splits a long value (b=, bh=, h=) so that no line gets too long; whitespace in them is ignored by verifiers. */
function foldValue(tag: string, value: string, sep: string): string[] {
  const parts: string[] = [];
  let rest = `${tag}=${value}`;
  while (rest.length > 70) {
    let cut = 70;
    if (sep !== '') {
      const at = rest.lastIndexOf(sep, 70);
      if (at > tag.length + 1) cut = at + 1;
    }
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  parts.push(rest);
  return parts;
}

/**
 * The DKIM-Signature field for `message` (without a final LF, continuation
 * lines joined with LF), to be put in front of it. Throws DkimSignError
 * (ENOFROM) for a message without From:.
 */
export function dkimSignature(message: Buffer, req: DkimSignRequest): string {
  const split = splitHeaders(message);
  if (!split.fields.some((f) => f.name.toLowerCase() === 'from')) {
    throw new DkimSignError('ENOFROM', 'Can not sign a message that has no From header');
  }
  const [headerCanon, bodyCanon] = req.canonicalization.split('/') as [Canon, Canon];
  const names = signedNames(split.fields, req.headers, req.oversign);
  const bh = bodyHash(message, split.bodyStart, bodyCanon);
  const tags = [
    'v=1;',
    `a=${req.key.algorithm};`,
    `c=${req.canonicalization};`,
    `d=${req.domain};`,
    ...(req.identity ? [`i=${req.identity};`] : []),
    `s=${req.selector};`,
    ...(req.time === null ? [] : [`t=${req.time};`]),
    ...foldValue('h', `${names.join(':')};`, ':'),
    ...foldValue('bh', `${bh};`, ''),
  ];
  const unsigned = fold('DKIM-Signature:', [...tags, 'b=']);
  const data = selectFields(split.fields, names).map((f) => canonHeader(f, headerCanon));
  // The signature field itself, b= empty, without its CRLF (section 3.7).
  data.push(canonHeader({ name: 'DKIM-Signature', text: unsigned }, headerCanon).slice(0, -2));
  const input = Buffer.from(data.join(''), 'utf8');
  const b =
    req.key.algorithm === 'rsa-sha256'
      ? cryptoSign('sha256', input, req.key.key)
      : cryptoSign(null, createHash('sha256').update(input).digest(), req.key.key);
  return `${unsigned}${foldSignature(unsigned, b.toString('base64'))}`;
}

/** The b= value, its first piece filling the line `b=` is on, the rest on lines of their own. */
function foldSignature(unsigned: string, value: string): string {
  const lastLine = unsigned.length - unsigned.lastIndexOf('\n') - 1;
  const first = Math.max(0, 78 - lastLine);
  let out = value.slice(0, first);
  for (let i = first; i < value.length; i += 72) out += `\n\t${value.slice(i, i + 72)}`;
  return out;
}
