/**
 * service_params: the per-transport parameters Postfix derives from
 * master.cf. Every service that runs a delivery agent (smtp, lmtp, local,
 * virtual, error, pipe) gets `<service>_destination_concurrency_limit` and
 * its kin, defaulting to the matching `$default_...` parameter; pipe and
 * spawn services also get `<service>_time_limit`.
 *
 * See: postfix/src/postconf/postconf_service.c
 */
import type { MasterService } from './master_cf.ts';

/** Suffix -> the parameter whose value it defaults to. */
const DELIVERY_PARAMS: ReadonlyArray<readonly [suffix: string, defaultParam: string]> = [
  ['_recipient_limit', 'default_recipient_limit'],
  ['_extra_recipient_limit', 'default_extra_recipient_limit'],
  ['_recipient_refill_limit', 'default_recipient_refill_limit'],
  ['_recipient_refill_delay', 'default_recipient_refill_delay'],
  ['_delivery_slot_cost', 'default_delivery_slot_cost'],
  ['_delivery_slot_loan', 'default_delivery_slot_loan'],
  ['_delivery_slot_discount', 'default_delivery_slot_discount'],
  ['_minimum_delivery_slots', 'default_minimum_delivery_slots'],
  ['_initial_destination_concurrency', 'initial_destination_concurrency'],
  ['_destination_concurrency_limit', 'default_destination_concurrency_limit'],
  ['_destination_recipient_limit', 'default_destination_recipient_limit'],
  ['_destination_concurrency_positive_feedback', 'default_destination_concurrency_positive_feedback'],
  ['_destination_concurrency_negative_feedback', 'default_destination_concurrency_negative_feedback'],
  ['_destination_concurrency_failed_cohort_limit', 'default_destination_concurrency_failed_cohort_limit'],
  ['_destination_rate_delay', 'default_destination_rate_delay'],
  ['_transport_rate_delay', 'default_transport_rate_delay'],
];
const TIME_LIMIT: readonly [string, string] = ['_time_limit', 'command_time_limit'];

/** Which parameters each delivery program's services get. */
const PARAMS_OF_PROGRAM: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  local: DELIVERY_PARAMS,
  error: DELIVERY_PARAMS,
  virtual: DELIVERY_PARAMS,
  smtp: DELIVERY_PARAMS,
  lmtp: DELIVERY_PARAMS,
  pipe: [TIME_LIMIT, ...DELIVERY_PARAMS],
  spawn: [TIME_LIMIT],
};

/** The per-service parameters of `masterCf`, name -> default (`$default_...`). */
export function serviceParameters(
  masterCf: { readonly services: ReadonlyArray<Pick<MasterService, 'name' | 'command'>> } | null,
): ReadonlyMap<string, string> {
  const params = new Map<string, string>();
  for (const service of masterCf?.services ?? []) {
    const program = service.command.split('/').pop() ?? service.command;
    for (const [suffix, defaultParam] of PARAMS_OF_PROGRAM[program] ?? []) {
      params.set(`${service.name}${suffix}`, `$${defaultParam}`);
    }
  }
  return params;
}
