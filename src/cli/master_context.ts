/**
 * master_context: what the master and its smtpd worker processes do alike:
 * read and check the configuration (a bad one is fatal with `file, line N:`)
 * and build the context each service of master.cf runs with.
 */
import type { Server } from 'node:net';
import { type Config, readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { logFromConfig } from '../config/config_log.ts';
import type { MasterService } from '../config/master_cf.ts';
import type { ControlHandler, ServiceContext } from '../config/master_service.ts';
import type { LogEcho } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import type { SharedSinks } from './master_sinks.ts';

export interface ConfigSource {
  readonly optionC?: string | undefined;
  /** Where a fatal configuration error is echoed (the terminal of `postfix start-fg`). */
  readonly stderr?: LogEcho;
}

/** main.cf and master.cf as the master reads them; throws FatalError for a bad configuration. */
export async function loadConfig(
  source: ConfigSource,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Config> {
  try {
    const { config } = await readConfigFull({
      optionC: source.optionC,
      env,
      processName: 'master',
      requireMasterCf: true,
    });
    const errors = config.validate();
    if (errors.length > 0) throw errors[0];
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      source.stderr?.write(`postfix/master: fatal: ${err.message}\n`);
      throw new FatalError(err.message);
    }
    throw err;
  }
}

/** The context one service runs with under `config`. */
export function serviceContext(
  config: Config,
  service: MasterService,
  listeners: readonly Server[],
  registerControl: (command: string, handler: ControlHandler) => void,
  sinks: SharedSinks,
): ServiceContext {
  const own = config.forService(service);
  return {
    config: own,
    service,
    log: logFromConfig(own, service.command, { sink: sinks.sinkFor(own) }),
    listeners,
    registerControl,
  };
}

/** The program name of a master.cf entry's command field (`smtpd`, also for `/usr/lib/postfix/sbin/smtpd`). */
export function programName(service: MasterService): string {
  return service.command.split('/').pop() ?? service.command;
}
