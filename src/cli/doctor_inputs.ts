/**
 * doctor_inputs: what `affix doctor` examines, gathered from its command
 * line: the configuration (-c, MAIL_CONFIG, /etc/postfix), the log (--log,
 * else maillog_file, else /var/log/mail.log when it exists; `-` for
 * standard input), the queue (--queue FILE, else the host's), the DNS
 * resolver (--resolver, else affix_dns_servers, else the system's; none
 * with --offline), the DNSBL zones, and for send-test how to submit: the
 * sendmail given with --sendmail, else Postfix's (sendmail_path, with -C)
 * when the queue is Postfix's, else affix's own.
 *
 * Parameters: maillog_file, sendmail_path, queue_directory, affix_dns_servers
 * Diagnostics: `affix doctor: fatal: ...` for an unreadable configuration or a
 *   --log/--queue file that cannot be opened
 * Security: runs the sendmail named (no shell) only for send-test
 */
import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import type { Config } from '../config/config.ts';
import { openError, readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { DnsResolver } from '../dns/dns_resolver.ts';
import { paramValue } from '../doctor/doctor_config.ts';
import type { DoctorInputs, QueueInput, SubmitResult, Submitter } from '../doctor/doctor_context.ts';
import { DEFAULT_DNSBL_ZONES } from '../doctor/doctor_dnsbl_zones.ts';
import { queueKind } from '../doctor/doctor_queue.ts';
import type { LogSource } from '../logscan/logscan_read.ts';
import type { CliIo, CliMessages } from './cli_io.ts';
import type { DoctorCommand } from './doctor_options.ts';
import { configuredLog, logSources } from './logs_sources.ts';

/** The DNS timeout per try, ms: a doctor waits less than a daemon. */
const DNS_TIMEOUT = 2000;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `program args` with `message` on standard input. */
export function spawnSubmitter(program: string, leading: readonly string[], shown: string): Submitter {
  return (args, message) =>
    new Promise<SubmitResult>((done) => {
      const child = spawn(program, [...leading, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err) => done({ status: 127, stdout, stderr: `${stderr}${err.message}`, program: shown }));
      child.on('close', (code) => done({ status: code ?? 1, stdout, stderr, program: shown }));
      child.stdin.on('error', () => {});
      child.stdin.end(message);
    });
}

/** Postfix's sendmail with -C, or affix's own (bin/affix.js sendmail), or the one named. */
async function submitter(cmd: DoctorCommand, config: Config): Promise<Submitter> {
  if (cmd.sendmail !== null) return spawnSubmitter(cmd.sendmail, ['-C', config.configDir], cmd.sendmail);
  const kind = await queueKind(paramValue(config, 'queue_directory'));
  // Postfix's spool has private/ (its service sockets) even when no message is queued
  if (
    kind === 'postfix' ||
    (kind === 'empty' && (await exists(`${paramValue(config, 'queue_directory')}/private/pickup`)))
  ) {
    const path = paramValue(config, 'sendmail_path') || '/usr/sbin/sendmail';
    return spawnSubmitter(path, ['-C', config.configDir], path);
  }
  const entry = resolve(import.meta.dirname, '..', '..', 'bin', 'affix.js');
  return spawnSubmitter(process.execPath, [entry, 'sendmail', '-C', config.configDir], 'affix sendmail');
}

async function logInput(
  cmd: DoctorCommand,
  io: CliIo,
  msg: CliMessages,
): Promise<{ sources: LogSource[]; file: string | null }> {
  if (cmd.log !== null) {
    const sources = await logSources([cmd.log], cmd.optionC, cmd.rotated, io, msg);
    return { sources, file: cmd.log === '-' ? null : resolve(io.cwd, cmd.log) };
  }
  const file = await configuredLog(cmd.optionC, io, msg);
  if (!(await exists(file))) return { sources: [], file: null };
  return { sources: await logSources([file], cmd.optionC, cmd.rotated, io, msg), file };
}

async function queueInput(cmd: DoctorCommand, io: CliIo, msg: CliMessages): Promise<QueueInput> {
  if (cmd.queue === null) return { kind: 'auto' };
  if (cmd.queue === '-') return { kind: 'json', source: '(standard input)', text: await text(io.stdin) };
  const path = resolve(io.cwd, cmd.queue);
  try {
    return { kind: 'json', source: path, text: await readFile(path, 'utf8') };
  } catch (err) {
    return msg.fatal(openError(path, err as NodeJS.ErrnoException));
  }
}

function resolver(cmd: DoctorCommand, config: Config, msg: CliMessages): DnsResolver | null {
  if (cmd.offline) return null;
  try {
    const servers = cmd.resolvers.length > 0 ? cmd.resolvers : config.params.affix_dns_servers;
    return new DnsResolver({ servers, timeout: DNS_TIMEOUT, tries: 2 });
  } catch (err) {
    if (err instanceof ConfigError) return msg.fatal(err.message);
    throw err;
  }
}

/** Everything the doctor examines, from the command line. */
export async function doctorInputs(cmd: DoctorCommand, io: CliIo, msg: CliMessages): Promise<DoctorInputs> {
  let config: Config;
  let warnings: readonly string[];
  try {
    const r = await readConfigFull({ optionC: cmd.optionC, env: io.env, cwd: io.cwd, processName: 'doctor' });
    config = r.config;
    warnings = r.warnings;
  } catch (err) {
    if (err instanceof ConfigError) return msg.fatal(err.message);
    throw err;
  }
  const log = await logInput(cmd, io, msg);
  return {
    config,
    configWarnings: warnings.filter((w) => !/^open .*master\.cf/.test(w)),
    logSources: log.sources,
    logFile: log.file,
    ...(cmd.year === undefined ? {} : { logYear: cmd.year }),
    queue: await queueInput(cmd, io, msg),
    dns: resolver(cmd, config, msg),
    publicIps: cmd.publicIps,
    domains: cmd.domains,
    dnsblZones: cmd.dnsbl ?? DEFAULT_DNSBL_ZONES,
    probe: cmd.offline ? null : cmd.probe,
    probePeers: cmd.probePeers && !cmd.offline,
    probeDomain: cmd.probeDomain,
    dkimSelectors: cmd.dkimSelectors,
    opendkimConf: cmd.opendkimConf === null ? null : resolve(io.cwd, cmd.opendkimConf),
    sendTest:
      cmd.address === null
        ? null
        : { address: cmd.address, from: cmd.from, submit: await submitter(cmd, config), wait: cmd.wait },
    now: Date.now(),
  };
}
