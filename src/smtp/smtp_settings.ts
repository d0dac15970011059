/**
 * smtp_settings: the client's parameters for the protocol it speaks. The
 * one client runs as smtp or as lmtp; like Postfix's VAR_LMTP_SMTP() it
 * reads `smtp_*` in the first case and `lmtp_*` in the second. The result
 * keeps the `smtp_*` names, so code reads `settings.smtp_rcpt_timeout`
 * whichever protocol is in use.
 *
 * Parameters: smtp_* and lmtp_* (params_smtp.ts), smtp_helo_name / lmtp_lhlo_name,
 *   smtp_helo_timeout / lmtp_lhlo_timeout, smtp_discard_ehlo_keywords /
 *   lmtp_discard_lhlo_keywords, smtp_dns_support_level / lmtp_dns_support_level
 * See: postfix/src/smtp/smtp.c (VAR_LMTP_SMTP), lmtp_params.c
 */
import type { Params } from '../config/params.ts';

export type SmtpMode = 'smtp' | 'lmtp';

/** Parameters whose names differ only in the `smtp_`/`lmtp_` prefix. */
const SHARED = [
  'address_preference',
  'address_verify_target',
  'bind_address',
  'bind_address6',
  'connect_timeout',
  'connection_cache_on_demand',
  'connection_cache_destinations',
  'connection_cache_time_limit',
  'connection_reuse_count_limit',
  'connection_reuse_time_limit',
  'data_done_timeout',
  'data_init_timeout',
  'data_xfer_timeout',
  'defer_if_no_mx_address_found',
  'fallback_relay',
  'line_length_limit',
  'mail_timeout',
  'mx_address_limit',
  'mx_session_limit',
  'quit_timeout',
  'randomize_addresses',
  'rcpt_timeout',
  'rset_timeout',
  'skip_5xx_greeting',
  'skip_quit_response',
  'starttls_timeout',
  'tcp_port',
  'sasl_auth_enable',
  'sasl_auth_soft_bounce',
  'sasl_mechanism_filter',
  'sasl_password_maps',
  'sasl_security_options',
  'sasl_tls_security_options',
  'sasl_tls_verified_security_options',
  'tls_CAfile',
  'tls_CApath',
  'tls_cert_file',
  'tls_key_file',
  'tls_enforce_peername',
  'tls_fingerprint_cert_match',
  'tls_fingerprint_digest',
  'tls_force_insecure_host_tlsa_lookup',
  'tls_loglevel',
  'tls_note_starttls_offer',
  'tls_policy_maps',
  'tls_secure_cert_match',
  'tls_security_level',
  'tls_servername',
  'tls_verify_cert_match',
  'use_tls',
  'enforce_tls',
] as const;

type Shared = (typeof SHARED)[number];

export type SmtpSettings = { readonly [K in Shared as `smtp_${K}`]: Params[`smtp_${K}`] } & {
  readonly mode: SmtpMode;
  /** smtp_helo_name or lmtp_lhlo_name. */
  readonly smtp_helo_name: string;
  readonly smtp_helo_timeout: number;
  readonly smtp_discard_ehlo_keywords: readonly string[];
  readonly smtp_dns_support_level: Params['smtp_dns_support_level'];
  /** smtp only (false for lmtp, which always says LHLO). */
  readonly smtp_always_send_ehlo: boolean;
  readonly smtp_never_send_ehlo: boolean;
  /** lmtp only: report success as "delivered" rather than "relayed". */
  readonly lmtp_assume_final: boolean;
};

/** The settings of `mode`, read from typed parameters. */
export function smtpSettings(params: Params, mode: SmtpMode): SmtpSettings {
  const out: Record<string, unknown> = { mode };
  for (const key of SHARED) out[`smtp_${key}`] = params[`${mode}_${key}`];
  if (mode === 'smtp') {
    out['smtp_helo_name'] = params.smtp_helo_name;
    out['smtp_helo_timeout'] = params.smtp_helo_timeout;
    out['smtp_discard_ehlo_keywords'] = params.smtp_discard_ehlo_keywords;
    out['smtp_dns_support_level'] = params.smtp_dns_support_level;
    out['smtp_always_send_ehlo'] = params.smtp_always_send_ehlo;
    out['smtp_never_send_ehlo'] = params.smtp_never_send_ehlo;
    out['lmtp_assume_final'] = false;
  } else {
    out['smtp_helo_name'] = params.lmtp_lhlo_name;
    out['smtp_helo_timeout'] = params.lmtp_lhlo_timeout;
    out['smtp_discard_ehlo_keywords'] = params.lmtp_discard_lhlo_keywords;
    out['smtp_dns_support_level'] = params.lmtp_dns_support_level;
    out['smtp_always_send_ehlo'] = true;
    out['smtp_never_send_ehlo'] = false;
    out['lmtp_assume_final'] = params.lmtp_assume_final;
  }
  return Object.freeze(out) as SmtpSettings;
}
