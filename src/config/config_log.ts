/**
 * config_log: builds a service's or command's Log from its configuration,
 * so every program logs as `$syslog_name/program[pid]` to the sink that
 * maillog_file and syslog_facility choose.
 *
 * Parameters: syslog_name, syslog_facility, maillog_file, maillog_file_prefixes,
 *   maillog_file_rotate_suffix, maillog_file_compressor, maillog_file_permissions,
 *   myhostname, smtputf8_enable
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createLog, type Log, type LogEcho, type LogOptions } from '../log/log.ts';
import type { Config } from './config.ts';

export interface ConfigLogOptions {
  /** Echo each record on a command's stderr. */
  readonly stderr?: LogEcho;
  readonly stderrTag?: LogOptions['stderrTag'];
  /** A sink shared with other Logs (the daemon's), or a MemorySink in tests. */
  readonly sink?: LogOptions['sink'];
}

/** The logging parameters of `config` as LogOptions for `program`. */
export function logOptionsFromConfig(config: Config, program: string): LogOptions {
  return {
    program,
    syslog_name: config.params.syslog_name,
    syslog_facility: config.params.syslog_facility,
    maillog_file: config.params.maillog_file,
    maillog_file_prefixes: config.value('maillog_file_prefixes'),
    maillog_file_rotate_suffix: config.params.maillog_file_rotate_suffix,
    maillog_file_compressor: config.params.maillog_file_compressor,
    maillog_file_permissions: config.params.maillog_file_permissions,
    myhostname: config.params.myhostname,
    smtputf8_enable: config.params.smtputf8_enable,
  };
}

/**
 * Creates the directory of maillog_file when it is missing: a fresh instance
 * (npm start on a new clone) has no log directory yet. The file itself is
 * created safely by the sink.
 */
export function ensureLogDirectory(config: Config): void {
  const file = config.params.maillog_file;
  if (file !== '' && !file.startsWith('/dev/')) mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
}

/** The Log of `program` (`smtpd`, `postfix-script` ...) under `config`. Throws FatalError or ConfigError. */
export function logFromConfig(config: Config, program: string, options: ConfigLogOptions = {}): Log {
  if (options.sink === undefined) ensureLogDirectory(config);
  return createLog({ ...logOptionsFromConfig(config, program), ...options });
}
