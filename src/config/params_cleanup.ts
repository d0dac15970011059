/**
 * params_cleanup: the parameters of cleanup (src/cleanup): header
 * processing, address rewriting and mapping, header and body checks, and
 * the limits on what one message may contain. Defaults are Postfix 3.7's,
 * as `postconf -d` prints them.
 *
 * Parameters: the keys below (message_size_limit, remote_header_rewrite_domain
 *   and empty_address_recipient are declared in params_global.ts and
 *   params_rewrite.ts)
 * See: postfix/src/global/mail_params.h, postfix/src/cleanup/cleanup_init.c
 */
import { bool, choice, int, list, long, str, time } from './param_types.ts';

export const PARAMS_CLEANUP = {
  cleanup_service_name: str('cleanup'),
  queue_minfree: long('0'),
  always_add_missing_headers: bool('no'),
  local_header_rewrite_clients: list('permit_inet_interfaces'),
  undisclosed_recipients_header: str(''),
  header_from_format: choice('standard', ['standard', 'obsolete']),
  enable_original_recipient: bool('yes'),
  double_bounce_sender: str('double-bounce'),
  info_log_address_format: choice('external', ['external', 'internal']),
  cleanup_replace_stray_cr_lf: bool('yes'),

  canonical_maps: list(''),
  sender_canonical_maps: list(''),
  recipient_canonical_maps: list(''),
  canonical_classes: list('envelope_sender, envelope_recipient, header_sender, header_recipient'),
  sender_canonical_classes: list('envelope_sender, header_sender'),
  recipient_canonical_classes: list('envelope_recipient, header_recipient'),
  masquerade_domains: list(''),
  masquerade_exceptions: list(''),
  masquerade_classes: list('envelope_sender, header_sender, header_recipient'),
  propagate_unmatched_extensions: list('canonical, virtual'),
  virtual_alias_maps: list('$virtual_maps'),
  virtual_alias_expansion_limit: int('1000', 1),
  virtual_alias_recursion_limit: int('1000', 1),
  virtual_alias_address_length_limit: int('1000', 1),
  duplicate_filter_limit: int('1000'),

  header_checks: list(''),
  mime_header_checks: list('$header_checks'),
  nested_header_checks: list('$header_checks'),
  body_checks: list(''),
  body_checks_size_limit: int('51200'),
  header_size_limit: int('102400', 1),
  hopcount_limit: int('50', 1),
  receive_override_options: list(''),

  delay_warning_time: time('0h', 'h'),
} as const;
