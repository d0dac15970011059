/**
 * params_smtpd: the parameters of the SMTP server (src/smtpd): its protocol
 * limits, restriction lists and their reply codes, TLS, SASL, the client
 * rate limits and the policy client. Defaults are Postfix 3.7's as
 * `postconf -d` prints them, except smtpd_forbid_bare_newline, whose default
 * is Postfix 3.9's `normalize` (affix must not accept a smuggled message by
 * default).
 *
 * affix-only: affix_sasl_password_maps, the table of the built-in SASL back
 * end (user -> hashed secret, see src/smtpd/smtpd_sasl_builtin.ts), and
 * affix_smtpd_processes, how many processes run the smtpd services and
 * their cleanup (the master is one; src/cli/master_workers.ts). The anvil
 * counters (smtpd_client_*_limit) stay daemon-wide: workers ask the master.
 *
 * Parameters: the keys below
 * See: postfix/src/global/mail_params.h, postfix/src/smtpd/smtpd.c (the CONFIG_*_TABLEs)
 */
import { bool, choice, int, list, long, str, time } from './param_types.ts';

const STRESS_TIMEOUT = '${stress?{10}:{300}}s';

export const PARAMS_SMTPD = {
  // Protocol
  smtpd_banner: str('$myhostname ESMTP $mail_name'),
  smtpd_timeout: time(STRESS_TIMEOUT, 's', 1),
  smtpd_starttls_timeout: time(STRESS_TIMEOUT, 's', 1),
  smtpd_per_request_deadline: bool('${smtpd_per_record_deadline?{$smtpd_per_record_deadline}:{${stress?{yes}:{no}}}}'),
  smtpd_min_data_rate: int('500', 1),
  smtpd_error_sleep_time: time('1s', 's'),
  smtpd_soft_error_limit: int('10'),
  smtpd_hard_error_limit: int('${stress?{1}:{20}}', 1),
  smtpd_junk_command_limit: int('${stress?{1}:{100}}', 1),
  smtpd_history_flush_threshold: int('100'),
  smtpd_recipient_limit: int('1000'),
  smtpd_recipient_overshoot_limit: int('1000'),
  smtpd_helo_required: bool('no'),
  disable_vrfy_command: bool('no'),
  strict_rfc821_envelopes: bool('no'),
  strict_smtputf8: bool('no'),
  smtpd_noop_commands: list(''),
  smtpd_forbidden_commands: list('CONNECT GET POST regexp:{{/^[^A-Z]/ Bogus}}'),
  smtpd_discard_ehlo_keywords: list(''),
  smtpd_discard_ehlo_keyword_address_maps: list(''),
  smtpd_forbid_bare_newline: choice('normalize', ['normalize', 'yes', 'note', 'reject', 'no']),
  smtpd_forbid_bare_newline_exclusions: list('$mynetworks'),
  smtpd_forbid_bare_newline_reject_code: int('550', 500, 599),
  smtpd_forbid_unauth_pipelining: bool('no'),
  smtpd_client_port_logging: bool('no'),
  smtpd_peername_lookup: bool('yes'),
  smtpd_delay_open_until_valid_rcpt: bool('yes'),
  smtpd_reject_footer: str(''),
  smtpd_log_access_permit_actions: list(''),
  smtpd_null_access_lookup_key: str('<>'),
  broken_sasl_auth_clients: bool('no'),

  // Restrictions
  smtpd_delay_reject: bool('yes'),
  smtpd_client_restrictions: list(''),
  smtpd_helo_restrictions: list(''),
  smtpd_sender_restrictions: list(''),
  smtpd_relay_restrictions: list(
    '${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination}}',
  ),
  smtpd_recipient_restrictions: list(''),
  smtpd_data_restrictions: list(''),
  smtpd_end_of_data_restrictions: list(''),
  smtpd_etrn_restrictions: list(''),
  smtpd_restriction_classes: list(''),
  smtpd_relay_before_recipient_restrictions: bool('${{$compatibility_level} <level {3.6} ? {no} : {yes}}'),
  smtpd_reject_unlisted_recipient: bool('yes'),
  smtpd_reject_unlisted_sender: bool('no'),
  smtpd_sender_login_maps: list(''),
  allow_untrusted_routing: bool('no'),
  permit_mx_backup_networks: list(''),
  access_map_reject_code: int('554'),
  access_map_defer_code: int('450'),
  reject_code: int('554'),
  defer_code: int('450'),
  relay_domains_reject_code: int('554'),
  unknown_client_reject_code: int('450'),
  unknown_hostname_reject_code: int('450'),
  unknown_address_reject_code: int('450'),
  unknown_local_recipient_reject_code: int('550'),
  unknown_relay_recipient_reject_code: int('550'),
  unknown_virtual_alias_reject_code: int('550'),
  unknown_virtual_mailbox_reject_code: int('550'),
  non_fqdn_reject_code: int('504'),
  invalid_hostname_reject_code: int('501'),
  maps_rbl_reject_code: int('554'),
  plaintext_reject_code: int('450'),
  multi_recipient_bounce_reject_code: int('550'),
  reject_tempfail_action: choice('defer_if_permit', ['defer_if_permit', 'defer', 'reject', 'defer_if_reject']),
  unknown_address_tempfail_action: str('$reject_tempfail_action'),
  unknown_helo_hostname_tempfail_action: str('$reject_tempfail_action'),
  default_rbl_reply: str(
    '$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}',
  ),
  rbl_reply_maps: list(''),

  // Policy delegation
  smtpd_policy_service_default_action: str('451 4.3.5 Server configuration problem'),
  smtpd_policy_service_max_idle: time('300s', 's', 1),
  smtpd_policy_service_max_ttl: time('1000s', 's', 1),
  smtpd_policy_service_timeout: time('100s', 's', 1),
  smtpd_policy_service_try_limit: int('2', 1),
  smtpd_policy_service_retry_delay: time('1s', 's', 1),
  smtpd_policy_service_request_limit: int('0'),
  smtpd_policy_service_policy_context: str(''),

  // Client rate and concurrency limits (anvil)
  smtpd_client_connection_count_limit: int('50'),
  smtpd_client_connection_rate_limit: int('0'),
  smtpd_client_message_rate_limit: int('0'),
  smtpd_client_recipient_rate_limit: int('0'),
  smtpd_client_new_tls_session_rate_limit: int('0'),
  smtpd_client_auth_rate_limit: int('0'),
  smtpd_client_event_limit_exceptions: list('${smtpd_client_connection_limit_exceptions:$mynetworks}'),
  anvil_rate_time_unit: time('60s', 's', 1),

  // TLS
  smtpd_use_tls: bool('no'),
  smtpd_enforce_tls: bool('no'),
  smtpd_tls_security_level: choice('', ['', 'none', 'may', 'encrypt']),
  smtpd_tls_wrappermode: bool('no'),
  smtpd_tls_auth_only: bool('no'),
  smtpd_tls_cert_file: str(''),
  smtpd_tls_key_file: str('$smtpd_tls_cert_file'),
  smtpd_tls_eccert_file: str(''),
  smtpd_tls_eckey_file: str('$smtpd_tls_eccert_file'),
  smtpd_tls_chain_files: list(''),
  smtpd_tls_CAfile: str(''),
  smtpd_tls_loglevel: str('0'),
  smtpd_tls_received_header: bool('no'),
  smtpd_tls_ask_ccert: bool('no'),
  smtpd_tls_req_ccert: bool('no'),
  smtpd_tls_protocols: list('>=TLSv1'),
  smtpd_tls_mandatory_protocols: list('>=TLSv1'),
  smtpd_tls_ciphers: choice('medium', ['export', 'low', 'medium', 'high', 'null']),
  smtpd_tls_mandatory_ciphers: choice('medium', ['export', 'low', 'medium', 'high', 'null']),
  smtpd_tls_exclude_ciphers: list(''),
  smtpd_tls_mandatory_exclude_ciphers: list(''),

  // SASL
  smtpd_sasl_auth_enable: bool('no'),
  smtpd_sasl_type: str('cyrus'),
  smtpd_sasl_path: str('smtpd'),
  smtpd_sasl_service: str('smtp'),
  smtpd_sasl_local_domain: str(''),
  smtpd_sasl_security_options: list('noanonymous'),
  smtpd_sasl_tls_security_options: list('$smtpd_sasl_security_options'),
  smtpd_sasl_authenticated_header: bool('no'),
  smtpd_sasl_exceptions_networks: list(''),
  smtpd_sasl_response_limit: int('12288', 1),
  affix_sasl_password_maps: list(''),
  affix_smtpd_processes: int('1', 1, 64),
} as const;
