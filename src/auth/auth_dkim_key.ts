/**
 * auth_dkim_key: DKIM private keys — read from a file or given inline as
 * OpenDKIM's KeyTable allows (base64 without the PEM lines), typed by
 * algorithm (RSA for rsa-sha256, Ed25519 for ed25519-sha256) — and new
 * keys with the TXT record that publishes their public half, as
 * opendkim-genkey writes them.
 *
 * Diagnostics: AuthKeyError naming the file and what is wrong with it
 * Security: private keys are read, never logged; new ones are written by
 *   the caller with mode 0600
 * Standards: RFC 6376 section 3.6.1 (key record), RFC 8463 (Ed25519), RFC 8301 (key sizes)
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimKey {
  readonly algorithm: DkimAlgorithm;
  readonly key: KeyObject;
  /** RSA modulus length; 256 for Ed25519. */
  readonly bits: number;
}

export class AuthKeyError extends Error {}

/** A key from PEM or DER text (PKCS#1 or PKCS#8); `where` names it in errors. */
export function parseDkimKey(data: string | Buffer, where: string): DkimKey {
  let key: KeyObject;
  try {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    if (text.includes('-----BEGIN')) key = createPrivateKey(text);
    else {
      // OpenDKIM allows the key itself in the KeyTable: base64 of PKCS#1 (RSA) or PKCS#8.
      const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
      try {
        key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      } catch {
        key = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
      }
    }
  } catch (err) {
    throw new AuthKeyError(`${where}: cannot read private key: ${(err as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 1024) throw new AuthKeyError(`${where}: RSA key of ${bits} bits is too short (RFC 8301: at least 1024)`);
    return { algorithm: 'rsa-sha256', key, bits };
  }
  if (key.asymmetricKeyType === 'ed25519') return { algorithm: 'ed25519-sha256', key, bits: 256 };
  throw new AuthKeyError(`${where}: unsupported key type ${key.asymmetricKeyType}: need RSA or Ed25519`);
}

/** Reads a key file; throws AuthKeyError. */
export function readDkimKey(path: string): DkimKey {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new AuthKeyError(`open ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseDkimKey(data, path);
}

/** The `p=` value: base64 of the public key (SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519). */
export function publicKeyData(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  // RFC 8463 section 4.2: the raw Ed25519 key, not its SPKI wrapping (the last 32 bytes).
  return (pub.asymmetricKeyType === 'ed25519' ? der.subarray(der.length - 32) : der).toString('base64');
}

/** A new key: RSA of `bits` (2048 by default) or Ed25519, PEM in PKCS#8 as opendkim-genkey writes it. */
export function generateDkimKey(type: 'rsa' | 'ed25519', bits = 2048): { privatePem: string; key: DkimKey } {
  const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: bits }) : generateKeyPairSync('ed25519');
  const privatePem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { privatePem, key: parseDkimKey(privatePem, 'generated key') };
}

/** The key record's text, as opendkim-genkey words it: `v=DKIM1; h=sha256; k=rsa; p=...`. */
export function dkimRecordText(key: DkimKey, options: { readonly testing?: boolean } = {}): string {
  const k = key.algorithm === 'rsa-sha256' ? 'h=sha256; k=rsa' : 'k=ed25519';
  const flags = options.testing ? '; t=y' : '';
  return `v=DKIM1; ${k}${flags}; p=${publicKeyData(key.key)}`;
}

/**
 * The zone file stub opendkim-genkey writes to SELECTOR.txt: the record in
 * quoted strings (the tags, then `p=` data in pieces of 250 characters).
 */
export function dkimZoneLine(selector: string, domain: string, record: string): string {
  const p = record.indexOf('p=');
  const chunks = [record.slice(0, p)];
  const data = record.slice(p);
  for (let i = 0; i < data.length; i += 250) chunks.push(data.slice(i, i + 250));
  const body = chunks.map((c) => `"${c}"`).join('\n\t  ');
  return `${selector}._domainkey\tIN\tTXT\t( ${body} )  ; ----- DKIM key ${selector} for ${domain}\n`;
}
