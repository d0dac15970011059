/**
 * param_classes: the parameters Postfix 3.7 treats specially when it lists,
 * expands or checks main.cf: raw ones (never `$name`-expanded where they are
 * used), read-only ones (set by each process itself, an assignment is
 * ignored with a warning) and legacy names (accepted for backwards
 * compatibility, known but not listed unless set).
 *
 * See: postfix/src/postconf/postconf_builtin.c, postfix/src/smtpd/smtpd.c,
 * postfix/src/local/local.c, postfix/src/postscreen/postscreen.c (raw_table)
 */

/** CONFIG_RAW_TABLE entries: the value is used as written; `postconf -x` leaves it alone. */
export const RAW_PARAMETERS: ReadonlySet<string> = new Set([
  'command_execution_directory',
  'default_rbl_reply',
  'forward_path',
  'luser_relay',
  'mailbox_command',
  'postscreen_expansion_filter',
  'postscreen_reject_footer',
  'smtpd_expansion_filter',
  'smtpd_reject_footer',
]);

/** Parameters each process sets for itself: `read-only parameter assignment` when set. */
export const READONLY_PARAMETERS: ReadonlySet<string> = new Set(['process_id', 'process_name', 'service_name']);

/** Renamed parameters still read for backwards compatibility (default empty). */
export const LEGACY_PARAMETERS: ReadonlySet<string> = new Set([
  'authorized_verp_clients',
  'fallback_relay',
  'lmtp_per_record_deadline',
  'postscreen_blacklist_action',
  'postscreen_dnsbl_ttl',
  'postscreen_dnsbl_whitelist_threshold',
  'postscreen_whitelist_interfaces',
  'smtp_per_record_deadline',
  'smtpd_client_connection_limit_exceptions',
  'smtpd_per_record_deadline',
  'tlsproxy_client_level',
  'tlsproxy_client_policy',
  'virtual_maps',
]);
