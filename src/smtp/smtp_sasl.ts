/**
 * smtp_sasl: SASL client authentication to a server that offers AUTH, when
 * smtp_sasl_password_maps has credentials for the server (looked up by
 * its host name, then by the nexthop as written). Mechanisms PLAIN, LOGIN
 * and CRAM-MD5, chosen from the server's list after
 * smtp_sasl_mechanism_filter and the security options of the connection
 * (plaintext, TLS, or verified TLS).
 *
 * Parameters: smtp_sasl_auth_enable, smtp_sasl_password_maps, smtp_sasl_security_options,
 *   smtp_sasl_tls_security_options, smtp_sasl_tls_verified_security_options,
 *   smtp_sasl_mechanism_filter, smtp_sasl_auth_soft_bounce (lmtp_* for lmtp)
 * Security: the password goes only to a server the table names, and never
 *   into a log line; failures are reported with the server's reply only
 * Standards: RFC 4954, RFC 4616 (PLAIN), RFC 2195 (CRAM-MD5)
 * See: postfix/src/smtp/smtp_sasl_glue.c, smtp_sasl_proto.c, postfix/src/xsasl/xsasl_cyrus_client.c
 */
import { createHmac } from 'node:crypto';
import { DictLookupError } from '../maps/dict.ts';
import type { SmtpContext } from './smtp_context.ts';

export interface SaslCredentials {
  readonly username: string;
  readonly password: string;
}

/** The mechanisms affix can use, with what the security options say about them. */
const MECHANISMS = {
  'CRAM-MD5': { plaintext: false, dictionary: true, anonymous: false },
  PLAIN: { plaintext: true, dictionary: true, anonymous: false },
  LOGIN: { plaintext: true, dictionary: true, anonymous: false },
} as const;
type Mechanism = keyof typeof MECHANISMS;

/** Mechanisms in the order the client prefers them (strongest first, as Cyrus does). */
const PREFERENCE: readonly Mechanism[] = ['CRAM-MD5', 'PLAIN', 'LOGIN'];

/** smtp_sasl_passwd_lookup(): credentials for this server, or null; throws DictLookupError. */
export async function saslCredentials(ctx: SmtpContext, host: string, dest: string): Promise<SaslCredentials | null> {
  const maps = ctx.saslPasswordMaps;
  if (maps === null) return null;
  const value = (await maps.find(host.toLowerCase())) ?? (await maps.find(dest.toLowerCase()));
  if (value === null) return null;
  const colon = value.indexOf(':');
  return colon < 0
    ? { username: value, password: '' }
    : { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** The server's AUTH list after smtp_sasl_mechanism_filter. */
export function filterMechanisms(ctx: SmtpContext, offered: readonly string[]): string[] {
  const filter = ctx.settings.smtp_sasl_mechanism_filter.map((m) => m.toUpperCase());
  return filter.length === 0 ? [...offered] : offered.filter((m) => filter.includes(m));
}

/** The mechanism to use under `options` (noplaintext, noanonymous, nodictionary ...), or null. */
export function chooseMechanism(offered: readonly string[], options: readonly string[]): Mechanism | null {
  const opts = options.map((o) => o.toLowerCase());
  for (const m of PREFERENCE) {
    if (!offered.includes(m)) continue;
    const props = MECHANISMS[m];
    if (opts.includes('noplaintext') && props.plaintext) continue;
    if (opts.includes('nodictionary') && props.dictionary) continue;
    if (opts.includes('noanonymous') && props.anonymous) continue;
    return m;
  }
  return null;
}

/** One step of a mechanism: the response to a (base64-decoded) challenge. */
export type SaslStep = (challenge: string) => string;

/** The initial response (null: wait for a challenge) and the step function of `mechanism`. */
export function saslClient(mechanism: Mechanism, c: SaslCredentials): { initial: string | null; step: SaslStep } {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  switch (mechanism) {
    case 'PLAIN':
      return { initial: b64(`\0${c.username}\0${c.password}`), step: () => '' };
    case 'LOGIN':
      return {
        initial: null,
        step: (challenge) => (/^user/i.test(challenge) ? b64(c.username) : b64(c.password)),
      };
    case 'CRAM-MD5':
      return {
        initial: null,
        step: (challenge) => b64(`${c.username} ${createHmac('md5', c.password).update(challenge).digest('hex')}`),
      };
  }
}

/** True when a lookup error (not a missing entry) stopped the password search. */
export function isLookupError(err: unknown): err is DictLookupError {
  return err instanceof DictLookupError;
}
