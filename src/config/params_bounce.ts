/**
 * params_bounce: the parameters of the bounce service (src/bounce): how
 * much of the original a notification returns, the template file, which
 * problems also go to the postmaster and to which address, the master.cf
 * names of the bounce, defer and trace services, and threaded bounces.
 * Defaults are Postfix 3.7's, as `postconf -d` prints them.
 *
 * Parameters: the keys below
 * See: postfix/src/global/mail_params.h, postfix/src/bounce/bounce.c (the CONFIG_*_TABLEs)
 */
import { bool, int, list, str } from './param_types.ts';

export const PARAMS_BOUNCE = {
  bounce_size_limit: int('50000', 1),
  bounce_template_file: str(''),
  notify_classes: list('resource, software'),
  bounce_notice_recipient: str('postmaster'),
  '2bounce_notice_recipient': str('postmaster'),
  delay_notice_recipient: str('postmaster'),
  bounce_service_name: str('bounce'),
  defer_service_name: str('defer'),
  trace_service_name: str('trace'),
  enable_threaded_bounces: bool('no'),
} as const;
