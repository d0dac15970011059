/**
 * master: the daemon frame — one Node process that hosts the services
 * master.cf enables. It reads the configuration, claims the pid files,
 * binds inet listeners, starts each implemented service with its own `-o`
 * overrides, answers the control socket, and reacts to signals: HUP
 * reloads (new sessions get the new configuration, open ones keep theirs),
 * TERM/INT stop gracefully, QUIT stops at once.
 *
 * Parameters: queue_directory, data_directory, process_id_directory,
 *   inet_interfaces, inet_protocols, mail_version, config_directory
 * Diagnostics: `daemon started -- version V, configuration DIR`, `reload --
 *   ...`, `terminating on signal 15`; fatal for a bad configuration, a taken
 *   port or a master that already runs
 * See: postfix/src/master/master.c, master_ent.c, master_sig.c
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import { logFromConfig } from '../config/config_log.ts';
import { type MasterService, serviceKey } from '../config/master_cf.ts';
import type { ControlHandler, RunningService, ServiceProgram, StopMode } from '../config/master_service.ts';
import type { Log, LogEcho } from '../log/log.ts';
import { loadConfig, programName, serviceContext } from './master_context.ts';
import { ControlServer, controlSocketPath } from './master_control.ts';
import { bindListener, holdConnections, ListenError, listenAddresses } from './master_listen.ts';
import { claimPidFiles, pidFiles, releasePidFiles } from './master_pidfile.ts';
import { createPrograms, ServiceHub } from './master_programs.ts';
import { SharedSinks } from './master_sinks.ts';
import { SmtpdWorkers, type WorkerSettings } from './master_workers.ts';

export interface MasterOptions {
  readonly optionC?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where fatal start-up errors are echoed (the terminal of `postfix start-fg`). */
  readonly stderr?: LogEcho;
  /** Install signal handlers (false in tests that run the frame in process). */
  readonly signals?: boolean;
  /** The programs to run; default: all affix implements. */
  readonly programs?: readonly ServiceProgram[];
  /** The hub `programs` share, where smtpd workers announce queued mail (default: a new one). */
  readonly hub?: ServiceHub;
}

interface Started {
  readonly key: string;
  readonly service: MasterService;
  readonly running: RunningService;
  readonly listeners: readonly Server[];
}

/** A master daemon that is up; `stopped` resolves when it has ended. */
export interface MasterHandle {
  readonly pid: number;
  readonly config: Config;
  readonly stopped: Promise<void>;
  reload(): Promise<void>;
  stop(mode: StopMode, signal?: number): Promise<void>;
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGTERM: 15 };

/** The directories a master needs before anything else runs. */
function makeDirectories(config: Config): void {
  const queue = resolve(config.params.queue_directory);
  for (const dir of [queue, `${queue}/${config.params.process_id_directory}`, `${queue}/public`, `${queue}/private`]) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  }
  mkdirSync(resolve(config.params.data_directory), { recursive: true, mode: 0o700 });
}

/** Starts a master daemon; throws FatalError (already logged) when it cannot. */
export async function startMaster(options: MasterOptions = {}): Promise<MasterHandle> {
  const env = options.env ?? process.env;
  // [issue 4] a fresh set of programs (and the ServiceHub they share) per daemon
  const hub = options.hub ?? new ServiceHub();
  const programs = new Map((options.programs ?? createPrograms(hub)).map((p) => [p.name, p]));
  let config = await loadConfig(options, env);
  const echo = options.stderr ? { stderr: options.stderr, stderrTag: 'tag' as const } : {};
  const sinks = new SharedSinks();
  let log = logFromConfig(config, 'master', { ...echo, sink: sinks.sinkFor(config) });
  const files = pidFiles(
    config.params.queue_directory,
    config.params.process_id_directory,
    config.params.data_directory,
  );
  try {
    makeDirectories(config);
  } catch (err) {
    log.fatal(`cannot create queue directories: ${(err as Error).message}`);
  }
  const other = claimPidFiles(files);
  if (other !== null) log.fatal(`the Postfix mail system is already running: PID: ${other}`);

  const control = new ControlServer(controlSocketPath(config.params.queue_directory));
  const started = new Map<string, Started>();
  let stopping: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((ok) => {
    resolveStopped = ok;
  });

  const workers = new SmtpdWorkers(
    () => log,
    (id) => hub.notifyQmgr(id),
    hub.anvilCounters,
  );
  const workerSettings = (): WorkerSettings => ({
    processes: config.params.affix_smtpd_processes,
    optionC: options.optionC,
    env,
    daemonDirectory: config.params.daemon_directory,
    listeners: smtpdListeners(started),
  });

  const cleanupAndThrow = async (err: unknown): Promise<never> => {
    await Promise.all([workers.stop('immediate'), stopAll(started, 'immediate')]);
    await control.close().catch(() => undefined);
    releasePidFiles(files);
    try {
      if (err instanceof ListenError) log.fatal(err.message);
      throw err;
    } finally {
      await sinks.close();
    }
  };

  try {
    await control.listen();
    await startServices(config, log, programs, started, control, sinks);
    await workers.start(workerSettings());
  } catch (err) {
    return cleanupAndThrow(err);
  }
  log.info(`daemon started -- version ${config.params.mail_version}, configuration ${config.configDir}`);

  const handle: MasterHandle = {
    pid: process.pid,
    get config() {
      return config;
    },
    stopped,
    async reload() {
      let next: Config;
      try {
        next = await loadConfig(options, env);
        log = logFromConfig(next, 'master', { ...echo, sink: sinks.sinkFor(next) });
      } catch (err) {
        // Postfix's master would die here; keeping the running configuration loses nothing.
        log.error(`reload failed, keeping the running configuration: ${(err as Error).message}`);
        return;
      }
      config = next;
      log.info(`reload -- version ${config.params.mail_version}, configuration ${config.configDir}`);
      await reloadServices(config, log, programs, started, control, sinks);
      await workers.reload(workerSettings());
    },
    stop(mode, signal) {
      stopping ??= (async () => {
        log.info(`terminating on signal ${signal ?? SIGNAL_NUMBERS['SIGTERM']}`);
        await Promise.all([workers.stop(mode), stopAll(started, mode)]);
        await control.close().catch(() => undefined);
        releasePidFiles(files);
        await sinks.close();
        resolveStopped();
      })();
      return stopping;
    },
  };

  control.register('status', async () => ({ ok: true, pid: process.pid }));
  control.register('reload', async () => {
    await handle.reload();
    return { ok: true };
  });
  control.register('logrotate', async () => {
    const renamed = await sinks.rotate();
    workers.reopenLogs();
    return { ok: true, renamed };
  });
  control.register('stop', async (req) => {
    setImmediate(() => void handle.stop(req['mode'] === 'immediate' ? 'immediate' : 'graceful'));
    return { ok: true };
  });
  if (options.signals !== false) installSignals(handle);
  return handle;
}

function installSignals(handle: MasterHandle): void {
  const onStop = (mode: StopMode) => (signal: NodeJS.Signals) => void handle.stop(mode, SIGNAL_NUMBERS[signal]);
  const graceful = onStop('graceful');
  const immediate = onStop('immediate');
  const reload = () => void handle.reload();
  process.on('SIGTERM', graceful);
  process.on('SIGINT', graceful);
  process.on('SIGQUIT', immediate);
  process.on('SIGHUP', reload);
  void handle.stopped.then(() => {
    process.off('SIGTERM', graceful);
    process.off('SIGINT', graceful);
    process.off('SIGQUIT', immediate);
    process.off('SIGHUP', reload);
  });
}

function register(control: ControlServer): (command: string, handler: ControlHandler) => void {
  return (command, handler) => control.register(command, handler);
}

async function bindService(config: Config, service: MasterService): Promise<Server[]> {
  if (service.type !== 'inet') return [];
  const own = config.forService(service);
  const addresses = listenAddresses(service.name, own.params.inet_interfaces, own.params.inet_protocols);
  const servers: Server[] = [];
  try {
    for (const address of addresses) servers.push(await bindListener(address));
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return servers;
}

async function startServices(
  config: Config,
  log: Log,
  programs: ReadonlyMap<string, ServiceProgram>,
  started: Map<string, Started>,
  control: ControlServer,
  sinks: SharedSinks,
): Promise<void> {
  const ignored: string[] = [];
  for (const service of config.masterCf?.services ?? []) {
    const key = serviceKey(service);
    if (started.has(key)) continue;
    const program = programs.get(programName(service));
    if (program === undefined) {
      ignored.push(`${key} (${service.command}, line ${service.line})`);
      continue;
    }
    const listeners = await bindService(config, service);
    const release = holdConnections(listeners);
    try {
      const running = await program.start(serviceContext(config, service, listeners, register(control), sinks));
      started.set(key, { key, service, running, listeners });
    } finally {
      release();
    }
  }
  if (ignored.length > 0) {
    log.warn(`${config.masterCf?.path}: services not implemented by affix, not started: ${ignored.join(', ')}`);
  }
}

/** After a reload: stop services that are gone or changed, reload the others, start the new. */
async function reloadServices(
  config: Config,
  log: Log,
  programs: ReadonlyMap<string, ServiceProgram>,
  started: Map<string, Started>,
  control: ControlServer,
  sinks: SharedSinks,
): Promise<void> {
  const wanted = new Map((config.masterCf?.services ?? []).map((s) => [serviceKey(s), s]));
  for (const [key, s] of started) {
    const next = wanted.get(key);
    if (next === undefined || next.command !== s.service.command) {
      await s.running.stop('graceful');
      for (const l of s.listeners) l.close();
      started.delete(key);
      continue;
    }
    await s.running.reload(serviceContext(config, next, s.listeners, register(control), sinks));
    started.set(key, { ...s, service: next });
  }
  try {
    await startServices(config, log, programs, started, control, sinks);
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    log.error(err.message);
  }
}

/** The listening sockets of the smtpd services, which smtpd workers share. */
function smtpdListeners(started: ReadonlyMap<string, Started>): Map<string, readonly Server[]> {
  const listeners = new Map<string, readonly Server[]>();
  for (const s of started.values())
    if (programName(s.service) === 'smtpd' && s.listeners.length > 0) listeners.set(s.key, s.listeners);
  return listeners;
}

async function stopAll(started: Map<string, Started>, mode: StopMode): Promise<void> {
  await Promise.all(
    [...started.values()].map(async (s) => {
      for (const l of s.listeners) l.close();
      await s.running.stop(mode);
    }),
  );
  started.clear();
}
