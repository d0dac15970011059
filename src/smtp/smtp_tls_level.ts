/**
 * smtp_tls_level: the TLS security levels and what each demands — the
 * vocabulary smtp_tls_policy decides with and the session and handshake
 * code act on. `dane` and `dane-only` are what a policy asks for; per
 * server they become `dane` (usable TLSA records), `half-dane` (TLSA
 * records of a host behind an insecure MX), or a weaker level (Postfix's
 * downgrade rules, smtp_tls_dane.ts).
 *
 * See: postfix/src/tls/tls.h (TLS_LEV_*, TLS_REQUIRED, TLS_MUST_MATCH), postfix/src/tls/tls_level.c
 */

import type { MtaStsPolicy } from '../auth/auth_mta_sts.ts';
import type { TlsaRecord } from '../auth/auth_tlsa.ts';

/** The levels affix implements, weakest first (TLS_LEV_*). */
export const TLS_LEVEL_RANK = {
  none: 0,
  may: 1,
  encrypt: 2,
  fingerprint: 3,
  'half-dane': 4,
  dane: 5,
  'dane-only': 6,
  verify: 7,
  secure: 8,
} as const;
export type TlsLevel = keyof typeof TLS_LEVEL_RANK;

/** An MTA-STS policy (affix extension) in force for the session's destination. */
export interface TlsStsState {
  readonly domain: string;
  readonly policy: MtaStsPolicy;
}

export interface TlsPolicy {
  readonly level: TlsLevel;
  /** Names (verify, secure, dane) or fingerprints (fingerprint) the certificate must match. */
  readonly match: readonly string[];
  /** TLS_LEV_INVALID: the policy could not be determined; delivery defers after the greeting. */
  readonly invalid?: boolean;
  /** The level came from smtp_tls_policy_maps (an MTA-STS policy does not override it). */
  readonly fromTable?: boolean;
  /** dane, half-dane: the usable DNSSEC-validated TLSA records of the server. */
  readonly tlsa?: readonly TlsaRecord[];
  /** The MTA-STS policy that decided the level (enforce) or is only reported on (testing). */
  readonly sts?: TlsStsState;
}

export type TlsPolicyResult =
  | { readonly ok: true; readonly policy: TlsPolicy }
  | { readonly ok: false; readonly error: string };

/** TLS_REQUIRED(): the connection fails rather than go on in plaintext. */
export function tlsRequired(level: TlsLevel): boolean {
  return TLS_LEVEL_RANK[level] > TLS_LEVEL_RANK.may;
}

/** TLS_MUST_MATCH(): the certificate must match, not just encrypt. */
export function tlsMustMatch(level: TlsLevel): boolean {
  return TLS_LEVEL_RANK[level] > TLS_LEVEL_RANK.encrypt;
}

/** TLS_DANE_BASED(): the level asks for TLSA records, resolved per server before connecting. */
export function tlsDaneBased(level: TlsLevel): boolean {
  return level === 'dane' || level === 'dane-only' || level === 'half-dane';
}
