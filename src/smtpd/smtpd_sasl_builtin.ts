/**
 * smtpd_sasl_builtin: affix's own SASL back end, so that AUTH works without
 * an outside daemon: a password table (affix_sasl_password_maps, any lookup
 * table type) maps a login name to a hashed secret,
 * `scrypt:N:r:p:<salt>:<hash>` (salt and hash in base64; no `$`, so it can
 * sit in main.cf inline tables). The check takes the same
 * time whether the user exists or not, and says the same thing.
 *
 * Parameters: affix_sasl_password_maps
 * Security: secrets are never stored or logged in the clear; comparison is
 *   constant-time; an unknown user is hashed against a dummy secret
 * See: RFC 7914 (scrypt)
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { DictLookupError } from '../maps/dict.ts';
import type { Maps } from '../maps/maps.ts';
import type { SaslBackend, SaslRequest, SaslVerdict } from './smtpd_sasl_backend.ts';

const FAILURE = 'authentication failure';

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number, len: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, len, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A hashed secret for the password table. */
export async function saslHashSecret(secret: string, n = 16384, r = 8, p = 1): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, n, r, p, 32);
  return `scrypt:${n}:${r}:${p}:${salt.toString('base64')}:${hash.toString('base64')}`;
}

const HASH = /^scrypt:(\d+):(\d+):(\d+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** True when `secret` matches `stored`. */
export async function saslVerifySecret(secret: string, stored: string): Promise<boolean> {
  const m = HASH.exec(stored);
  if (m === null) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const got = await scryptAsync(
    secret,
    Buffer.from(m[4]!, 'base64'),
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    expected.length,
  );
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export class BuiltinSasl implements SaslBackend {
  readonly #table: Maps | null;
  #dummy: Promise<string> | null = null;

  constructor(table: Maps | null) {
    this.#table = table;
  }

  async mechanisms(): Promise<readonly string[]> {
    return ['PLAIN', 'LOGIN'];
  }

  async authenticate(request: SaslRequest): Promise<SaslVerdict> {
    let stored: string | null = null;
    try {
      stored = this.#table === null ? null : await this.#table.find(request.username);
    } catch (err) {
      if (err instanceof DictLookupError) return { status: 'temp', reason: 'password table lookup failure' };
      throw err;
    }
    if (request.authzid !== '' && request.authzid !== request.username) return { status: 'fail', reason: FAILURE };
    if (stored === null) {
      this.#dummy ??= saslHashSecret(randomBytes(9).toString('base64'));
      await saslVerifySecret(request.password, await this.#dummy);
      return { status: 'fail', reason: FAILURE };
    }
    return (await saslVerifySecret(request.password, stored))
      ? { status: 'ok', username: request.username }
      : { status: 'fail', reason: FAILURE };
  }

  close(): void {}
}
