/**
 * smtp_tls_level: the TLS security levels and what each demands — the
 * vocabulary smtp_tls_policy decides with and the session and handshake
 * code act on.
 *
 * See: postfix/src/tls/tls.h (TLS_LEV_*, TLS_REQUIRED, TLS_MUST_MATCH), postfix/src/tls/tls_level.c
 */

/** The levels affix implements, weakest first (TLS_LEV_*). */
export const TLS_LEVEL_RANK = { none: 0, may: 1, encrypt: 2, fingerprint: 3, verify: 7, secure: 8 } as const;
export type TlsLevel = keyof typeof TLS_LEVEL_RANK;

export interface TlsPolicy {
  readonly level: TlsLevel;
  /** Names (verify, secure) or fingerprints (fingerprint) the certificate must match. */
  readonly match: readonly string[];
  /** TLS_LEV_INVALID: the policy could not be determined; delivery defers after the greeting. */
  readonly invalid?: boolean;
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
