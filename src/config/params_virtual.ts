/**
 * params_virtual: the parameters of virtual mailbox delivery (src/virtual).
 * Defaults are Postfix 3.7's (Debian), as `postconf -d` prints them;
 * virtual_mailbox_domains is registered with the address rewriting
 * parameters (params_rewrite.ts).
 *
 * affix's own parameter (not in Postfix, unknown to its `postconf -d`):
 *   virtual_mailbox_quota_maps  per-mailbox quota in bytes, looked up by the
 *                               recipient address like virtual_mailbox_maps;
 *                               a message that would take the mailbox past
 *                               its quota is bounced with 5.2.2, and smtpd
 *                               may refuse it at RCPT time
 *
 * Parameters: the keys below
 * See: postfix/src/global/mail_params.h, postfix/src/virtual/virtual.c
 */
import { int, list, long, str } from './param_types.ts';

export const PARAMS_VIRTUAL = {
  virtual_mailbox_maps: list(''),
  virtual_mailbox_base: str(''),
  virtual_uid_maps: list(''),
  virtual_gid_maps: list(''),
  virtual_minimum_uid: int('100', 1),
  virtual_mailbox_limit: long('51200000', 0),
  virtual_mailbox_lock: list('fcntl, dotlock'),
  virtual_mailbox_quota_maps: list(''),
} as const;
