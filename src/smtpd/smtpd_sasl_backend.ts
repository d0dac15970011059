/**
 * smtpd_sasl_backend: what smtpd asks a SASL back end — which mechanisms it
 * has, and whether a user name and password are good. The AUTH exchange
 * (PLAIN, LOGIN) is smtpd's own (smtpd_auth_cmd.ts); the back end only
 * decides. Two back ends: affix's built-in password table
 * (smtpd_sasl_builtin.ts) and Dovecot's auth service (smtpd_sasl_dovecot.ts).
 *
 * See: postfix/src/xsasl/xsasl.h
 */

export type SaslVerdict =
  | { readonly status: 'ok'; readonly username: string }
  /** Bad credentials; the reason the client and the log get (never says whether the user exists). */
  | { readonly status: 'fail'; readonly reason: string }
  /** The back end cannot decide now (454 4.7.0). */
  | { readonly status: 'temp'; readonly reason: string };

export interface SaslRequest {
  readonly mechanism: 'PLAIN' | 'LOGIN';
  readonly authzid: string;
  readonly username: string;
  readonly password: string;
  readonly clientAddress: string;
  readonly serverAddress: string;
  readonly secured: boolean;
}

export interface SaslBackend {
  /** The mechanisms it supports, as the EHLO AUTH line lists them. */
  mechanisms(): Promise<readonly string[]>;
  authenticate(request: SaslRequest): Promise<SaslVerdict>;
  close(): void;
}
