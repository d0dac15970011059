/**
 * postfix: `affix postfix [-c DIR] [-Dv] command`, Postfix's control
 * command: check, start, start-fg, stop, abort, reload, status, flush,
 * logrotate. It prints and logs as postfix-script does
 * (`postfix/postfix-script: the Postfix mail system is running: PID: 123`).
 *
 * Parameters: queue_directory, data_directory, process_id_directory
 * Diagnostics: exit 0 on success, 1 on failure, as postfix-script
 * See: postfix/src/postfix/postfix.c, postfix/conf/postfix-script
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Config, readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { logFromConfig } from '../config/config_log.ts';
import type { Log } from '../log/log.ts';
import { FatalError } from '../log/log_errors.ts';
import { type CliIo, cliMessages } from './cli_io.ts';
import { getopt, lastArg } from './getopt.ts';
import { startMaster } from './master.ts';
import { controlRequest, controlSocketPath } from './master_control.ts';
import { pidFiles, processAlive, runningPid } from './master_pidfile.ts';
import { PROGRAMS } from './master_programs.ts';
import { postfixCheck } from './postfix_check.ts';

const USAGE = 'postfix [-c config_dir] [-Dv] command';
const NOT_RUNNING = 'the Postfix mail system is not running';
/** Set in the environment of the daemon that `postfix start` leaves running. */
const DAEMON_ENV = 'AFFIX_MASTER_DETACHED';

interface Run {
  readonly io: CliIo;
  readonly optionC: string | undefined;
  readonly config: Config;
  /** postfix-script's voice: logged, and echoed as `postfix/postfix-script: text`. */
  readonly script: Log;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const msg = cliMessages(io, 'postfix');
  const parsed = getopt(argv, 'c:Dv', false);
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    return msg.usage(USAGE);
  }
  const [command, ...rest] = parsed.result.operands;
  if (command === undefined) return msg.fatal(`usage: ${USAGE}`);
  const optionC = lastArg(parsed.result, 'c');
  let config: Config;
  try {
    const read = await readConfigFull({ optionC, env: io.env, cwd: io.cwd, processName: 'postfix' });
    config = read.config;
    for (const w of read.warnings) msg.warn(w);
  } catch (err) {
    if (err instanceof ConfigError) return msg.fatal(err.message);
    throw err;
  }
  let script: Log;
  try {
    script = logFromConfig(config, 'postfix-script', { stderr: io.stderr, stderrTag: 'tag' });
  } catch (err) {
    if (err instanceof FatalError || err instanceof ConfigError) return 1;
    throw err;
  }
  const run: Run = { io, optionC, config, script };
  try {
    return await dispatch(run, command, rest);
  } catch (err) {
    if (err instanceof FatalError) return 1;
    throw err;
  } finally {
    await script.close();
  }
}

async function dispatch(run: Run, command: string, rest: readonly string[]): Promise<number> {
  if (rest.length > 0 && command !== 'start-fg') run.script.fatal(`usage postfix ${command} (no arguments)`);
  switch (command) {
    case 'check':
      return check(run, true) ? 0 : 1;
    case 'start':
    case 'start-fg':
      return start(run, command);
    case 'stop':
      return stop(run);
    case 'abort':
      return signalMaster(run, 'aborting the Postfix mail system', 'SIGQUIT');
    case 'reload':
      return signalMaster(run, 'refreshing the Postfix mail system', 'SIGHUP');
    case 'status':
      return status(run);
    case 'flush':
      return flush(run);
    case 'logrotate':
      return logrotate(run);
    case 'set-permissions':
    case 'upgrade-configuration':
      return 0;
    default:
      return run.script.fatal(`unknown command: '${command}'. Usage: ${USAGE}`);
  }
}

function masterPid(config: Config): number | null {
  const p = config.params;
  return runningPid(pidFiles(p.queue_directory, p.process_id_directory, p.data_directory));
}

/**
 * check-fatal and check-warn: false when the mail system must not start.
 * `postfix check` also lists what affix ignores; `start` leaves that to one master log line.
 */
function check(run: Run, listIgnored = false): boolean {
  const findings = postfixCheck(run.config, PROGRAMS);
  for (const w of findings.warnings) run.script.warn(w);
  if (listIgnored) for (const w of findings.notImplemented) run.script.warn(w);
  for (const f of findings.fatal) run.script.error(f);
  return findings.fatal.length === 0;
}

function status(run: Run): number {
  const pid = masterPid(run.config);
  if (pid === null) {
    run.script.info(NOT_RUNNING);
    return 1;
  }
  run.script.info(`the Postfix mail system is running: PID: ${pid}`);
  return 0;
}

async function start(run: Run, command: 'start' | 'start-fg'): Promise<number> {
  if (masterPid(run.config) !== null) run.script.fatal('the Postfix mail system is already running');
  if (!check(run)) run.script.fatal('Postfix integrity check failed!');
  run.script.info('starting the Postfix mail system');
  if (command === 'start') return startDetached(run);
  let handle: Awaited<ReturnType<typeof startMaster>>;
  try {
    handle = await startMaster({ optionC: run.optionC, env: run.io.env, stderr: run.io.stderr });
  } catch (err) {
    notifyParent({ ready: false });
    if (err instanceof FatalError) return 1;
    throw err;
  }
  notifyParent({ ready: true, pid: handle.pid });
  await handle.stopped;
  return 0;
}

/** Tells `postfix start` (our parent, over IPC) whether the daemon came up. */
function notifyParent(message: { ready: boolean; pid?: number }): void {
  if (process.env[DAEMON_ENV] !== '1' || process.send === undefined) return;
  process.send(message, () => process.disconnect());
}

/** `postfix start`: runs start-fg in a detached process and waits for it to come up. */
async function startDetached(run: Run): Promise<number> {
  const entry = process.argv[1] ?? 'affix';
  const args = [...process.execArgv, entry, 'postfix', ...(run.optionC ? ['-c', run.optionC] : []), 'start-fg'];
  const child = spawn(process.execPath, args, {
    cwd: run.io.cwd,
    env: { ...run.io.env, [DAEMON_ENV]: '1' },
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const outcome = await new Promise<boolean>((ok) => {
    child.once('message', (m: { ready?: boolean }) => ok(m.ready === true));
    child.once('exit', () => ok(false));
    child.once('error', () => ok(false));
  });
  child.unref();
  child.channel?.unref();
  if (!outcome) run.script.fatal('mail system startup failed');
  return 0;
}

async function stop(run: Run): Promise<number> {
  const pid = masterPid(run.config);
  if (pid === null) run.script.fatal(NOT_RUNNING);
  run.script.info('stopping the Postfix mail system');
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 5; i++) {
    await sleep(i === 0 ? 200 : 1000);
    if (!processAlive(pid)) return 0;
    run.script.info('waiting for the Postfix mail system to terminate');
  }
  await sleep(1000);
  if (!processAlive(pid)) return 0;
  run.script.warn('stopping the Postfix mail system with force');
  process.kill(pid, 'SIGKILL');
  return 0;
}

function signalMaster(run: Run, text: string, signal: NodeJS.Signals): number {
  const pid = masterPid(run.config);
  if (pid === null) run.script.fatal(NOT_RUNNING);
  run.script.info(text);
  process.kill(pid, signal);
  return 0;
}

async function flush(run: Run): Promise<number> {
  const msg = cliMessages(run.io, 'postqueue');
  if (masterPid(run.config) === null) return msg.fatal('Cannot flush mail queue - mail system is down', 69);
  const answer = await controlRequest(controlSocketPath(run.config.params.queue_directory), { command: 'flush' }).catch(
    () => ({ ok: false }),
  );
  if (answer['ok'] !== true) return msg.fatal('Cannot flush mail queue - mail system is down', 69);
  return 0;
}

async function logrotate(run: Run): Promise<number> {
  const p = run.config.params;
  for (const name of ['maillog_file', 'maillog_file_compressor', 'maillog_file_rotate_suffix'] as const) {
    if (p[name] === '') run.script.fatal(`empty '${name}' parameter value - logfile rotation failed`);
  }
  if (p.maillog_file.startsWith('/dev/')) run.script.fatal(`not rotating '${p.maillog_file}'`);
  if (masterPid(run.config) !== null) {
    const answer = await controlRequest(controlSocketPath(p.queue_directory), { command: 'logrotate' });
    if (answer['ok'] !== true) {
      run.script.fatal(`logfile '${p.maillog_file}' rotation failed: ${String(answer['error'] ?? 'no answer')}`);
    }
    return 0;
  }
  await run.script.rotate();
  return 0;
}
