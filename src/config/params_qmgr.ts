/**
 * params_qmgr: the parameters of the queue manager (src/qmgr) and of the
 * queue's layout on disk (src/queue): scan and retry timing, expiry, the
 * active queue limits, and the per-destination concurrency, recipient and
 * rate defaults that `<transport>_...` parameters override per master.cf
 * transport. Defaults are Postfix 3.7's, as `postconf -d` prints them.
 *
 * Parameters: the keys below; per transport also
 *   <transport>_destination_concurrency_limit, _destination_recipient_limit,
 *   _initial_destination_concurrency, _destination_concurrency_positive_feedback,
 *   _destination_concurrency_negative_feedback,
 *   _destination_concurrency_failed_cohort_limit, _destination_rate_delay,
 *   _transport_rate_delay (declared per service by service_params.ts)
 * See: postfix/src/global/mail_params.h, postfix/src/qmgr/qmgr.c (the CONFIG_*_TABLEs)
 */
import { bool, int, list, str, time } from './param_types.ts';

export const PARAMS_QMGR = {
  queue_service_name: str('qmgr'),
  hash_queue_names: list('deferred, defer'),
  hash_queue_depth: int('1', 1),
  enable_long_queue_ids: bool('no'),

  queue_run_delay: time('300s', 's', 1),
  minimal_backoff_time: time('300s', 's', 1),
  maximal_backoff_time: time('4000s', 's', 1),
  maximal_queue_lifetime: time('5d', 'd', 0, 8640000),
  bounce_queue_lifetime: time('5d', 'd', 0, 8640000),
  transport_retry_time: time('60s', 's', 1),
  qmgr_clog_warn_time: time('300s', 's'),
  confirm_delay_cleared: bool('no'),

  qmgr_message_active_limit: int('20000', 1),
  qmgr_message_recipient_limit: int('20000', 1),
  qmgr_message_recipient_minimum: int('10', 1),
  initial_destination_concurrency: int('5', 1),
  default_destination_concurrency_limit: int('20'),
  default_destination_recipient_limit: int('50'),
  default_destination_concurrency_failed_cohort_limit: int('1'),
  default_destination_concurrency_positive_feedback: str('1', 1),
  default_destination_concurrency_negative_feedback: str('1', 1),
  default_destination_rate_delay: time('0s', 's'),
  default_transport_rate_delay: time('0s', 's'),
  destination_concurrency_feedback_debug: bool('no'),
  local_destination_concurrency_limit: int('2'),
  local_destination_recipient_limit: int('1'),
  defer_transports: list(''),
  default_filter_nexthop: str(''),
  fast_flush_domains: list('$relay_domains'),
} as const;
