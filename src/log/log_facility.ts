/**
 * log_facility: the syslog facilities syslog_facility may name, and the
 * priority number (facility * 8 + severity) that starts a syslog datagram.
 *
 * Parameters: syslog_facility
 * Standards: RFC 3164 section 4.1.1
 * See: postfix/src/util/msg_syslog.c (facility_list[]), postfix/src/global/mail_params.c
 */
import { LOG_LEVELS, type LogLevel } from './log_levels.ts';

/** Facility name -> code, as Linux <syslog.h> defines them (no "security" there). */
export const SYSLOG_FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const satisfies Record<string, number>;

export type SyslogFacility = keyof typeof SYSLOG_FACILITIES;

/** The facility a syslog_facility value names, or null when Postfix would call it unrecognized. */
export function parseSyslogFacility(name: string): SyslogFacility | null {
  return Object.hasOwn(SYSLOG_FACILITIES, name) ? (name as SyslogFacility) : null;
}

/** The PRI number of an RFC 3164 datagram: `<22>` is mail.info. */
export function syslogPriority(facility: SyslogFacility, level: LogLevel): number {
  return SYSLOG_FACILITIES[facility] * 8 + LOG_LEVELS[level].severity;
}
