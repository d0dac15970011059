/**
 * log_levels: the five severities of a log record, each with the prefix it
 * puts before the text and the syslog severity it is sent with. Warn means
 * carry on, fatal means the environment or configuration is wrong, panic
 * means a bug.
 *
 * Standards: RFC 3164 section 4.1.1 (severity numbers)
 * See: postfix/src/util/msg.c, postfix/src/util/msg_syslog.c (log_level[])
 */

export const LOG_LEVELS = {
  info: { prefix: '', severity: 6 }, // LOG_INFO
  warning: { prefix: 'warning: ', severity: 4 }, // LOG_WARNING
  error: { prefix: 'error: ', severity: 3 }, // LOG_ERR
  fatal: { prefix: 'fatal: ', severity: 2 }, // LOG_CRIT
  panic: { prefix: 'panic: ', severity: 2 }, // LOG_CRIT
} as const satisfies Record<string, { readonly prefix: string; readonly severity: number }>;

export type LogLevel = keyof typeof LOG_LEVELS;
