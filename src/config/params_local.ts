/**
 * params_local: the parameters of local delivery (src/local) and of the
 * mailbox writing it shares with virtual. Defaults are Postfix 3.7's (Debian),
 * as `postconf -d` prints them. forward_path, luser_relay and
 * mailbox_command are raw in Postfix (expanded per recipient with $user,
 * $home, $extension ...): local reads them with config.raw().
 *
 * Parameters: the keys below
 * See: postfix/src/global/mail_params.h, postfix/src/local/local.c
 */
import { bool, int, list, long, str, time } from './param_types.ts';

export const PARAMS_LOCAL = {
  allow_mail_to_commands: list('alias, forward'),
  allow_mail_to_files: list('alias, forward'),
  command_execution_directory: str(''),
  command_expansion_filter: str('1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  command_time_limit: time('1000s', 's', 1),
  deliver_lock_attempts: int('20', 1),
  deliver_lock_delay: time('1s', 's', 1),
  stale_lock_time: time('500s', 's', 1),
  execution_directory_expansion_filter: str(
    '1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  ),
  expand_owner_alias: bool('no'),
  fallback_transport: str(''),
  forward_expansion_filter: str('1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  forward_path: str('$home/.forward${recipient_delimiter}${extension}, $home/.forward'),
  frozen_delivered_to: bool('yes'),
  home_mailbox: str(''),
  local_command_shell: str(''),
  luser_relay: str(''),
  mail_spool_directory: str('/var/mail'),
  mailbox_command: str(''),
  mailbox_command_maps: list(''),
  mailbox_delivery_lock: list('fcntl, dotlock'),
  mailbox_size_limit: long('51200000', 0),
  mailbox_transport: str(''),
  mailbox_transport_maps: list(''),
  owner_request_special: bool('yes'),
  prepend_delivered_header: list('command, file, forward'),
  strict_mailbox_ownership: bool('yes'),
} as const;
