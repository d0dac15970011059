/**
 * log: the Log each service writes through, like Postfix's msg(3) with
 * maillog_client: info, warn, error, fatal and panic records tagged
 * `$syslog_name/program[pid]`, sent to maillog_file (as postlogd writes it),
 * /dev/stdout, or syslog, and optionally echoed on a command's stderr.
 * A Log for another program shares the same sink (log.forProgram('qmgr')).
 *
 * Parameters: syslog_name, syslog_facility, maillog_file, maillog_file_prefixes,
 *   maillog_file_rotate_suffix, maillog_file_compressor, maillog_file_permissions,
 *   myhostname, smtputf8_enable
 * Diagnostics: createLog throws FatalError for a maillog_file outside maillog_file_prefixes,
 *   an unknown syslog_facility, or a logfile it cannot open; fatal() and panic() log,
 *   then throw FatalError / PanicError for the caller to exit on
 * Security: every text goes through printable() (no CR, LF or control character
 *   reaches a log line) and is cut to 2000 bytes
 * See: postfix/src/util/msg.c, postfix/src/util/msg_output.c,
 *      postfix/src/global/maillog_client.c, postfix/src/global/mail_task.c
 */
import { FatalError, PanicError } from './log_errors.ts';
import { parseSyslogFacility } from './log_facility.ts';
import { FileSink } from './log_file_sink.ts';
import { logTag, recordHead, stderrLine } from './log_format.ts';
import { LOG_LEVELS, type LogLevel } from './log_levels.ts';
import { printable, truncateRecord } from './log_printable.ts';
import { parseLogfilePermissions } from './log_safe_open.ts';
import type { LogSink, RotateResult } from './log_sink.ts';
import { StdoutSink } from './log_stdout_sink.ts';
import { SyslogSink } from './log_syslog_sink.ts';

/** Defaults of the parameters a Log reads, as `postconf -d` shows them (syslog_name evaluated). */
export const LOG_DEFAULTS = {
  syslog_name: 'postfix',
  syslog_facility: 'mail',
  maillog_file: '',
  maillog_file_prefixes: '/var, /dev/stdout',
  maillog_file_rotate_suffix: '%Y%m%d-%H%M%S',
  maillog_file_compressor: 'gzip',
  maillog_file_permissions: '0600',
  smtputf8_enable: true,
} as const;

/** Where a command echoes its messages (process.stderr, or a CliIo's stderr). */
export interface LogEcho {
  write(text: string): unknown;
}

/** Parameter values (from main.cf and -o overrides) and process facts a Log needs. */
export interface LogOptions {
  /** The program name after $syslog_name/: `smtpd`, `qmgr`, `postsuper`. */
  readonly program: string;
  readonly syslog_name?: string;
  readonly syslog_facility?: string;
  /** Empty: syslog. `/dev/stdout`: standard output. Else a file, as postlogd writes it. */
  readonly maillog_file?: string;
  readonly maillog_file_prefixes?: string;
  readonly maillog_file_rotate_suffix?: string;
  readonly maillog_file_compressor?: string;
  readonly maillog_file_permissions?: string;
  /** Its first label is the host field of maillog_file lines; `amnesiac` when empty, as Postfix. */
  readonly myhostname?: string;
  readonly smtputf8_enable?: boolean;
  /** Default process.pid. */
  readonly pid?: number;
  /** Echo each record as `program: text` (commands run from a terminal). */
  readonly stderr?: LogEcho;
  /** Echo with the program name (`postsuper: …`, default) or the whole tag (`postfix/postfix-script: …`, as postlog). */
  readonly stderrTag?: 'program' | 'tag';
  /** Daemons: a maillog_file sink writes informational lines once per event-loop turn. */
  readonly batch?: boolean;
  /** Use this sink instead of the one the parameters select (a MemorySink in tests). */
  readonly sink?: LogSink;
  /** Milliseconds since the epoch; tests fix it. */
  readonly clock?: () => number;
  /** Test hook: the unix datagram socket syslog records go to instead of /dev/log. */
  readonly testing__syslog_path?: string;
  /** Test hook: the UDP port on 127.0.0.1 used instead of 514 when /dev/log is unavailable. */
  readonly testing__syslog_port?: number;
}

/** What Logs derived with forProgram() share. */
interface LogShared {
  readonly sink: LogSink;
  readonly syslog_name: string;
  readonly smtputf8_enable: boolean;
  readonly stderr: LogEcho | null;
  readonly stderrTag: 'program' | 'tag';
}

export class Log {
  /** `smtpd` */
  readonly program: string;
  /** `postfix/smtpd` */
  readonly tag: string;
  readonly pid: number;
  readonly #shared: LogShared;
  readonly #head: string;
  readonly #echoName: string;

  /** Use createLog(); this is for forProgram(). */
  constructor(shared: LogShared, program: string, pid: number) {
    this.#shared = shared;
    this.program = printable(program, shared.smtputf8_enable);
    this.tag = logTag(shared.syslog_name, this.program);
    this.pid = pid;
    this.#head = recordHead(this.tag, pid);
    this.#echoName = shared.stderrTag === 'tag' ? this.tag : this.program;
  }

  info(text: string): void {
    this.#emit('info', text);
  }

  warn(text: string): void {
    this.#emit('warning', text);
  }

  error(text: string): void {
    this.#emit('error', text);
  }

  /** Logs `fatal: text`, then throws FatalError: the environment or configuration is wrong. */
  fatal(text: string): never {
    this.#emit('fatal', text);
    throw new FatalError(text);
  }

  /** Logs `panic: text`, then throws PanicError: a bug, a broken invariant. */
  panic(text: string): never {
    this.#emit('panic', text);
    throw new PanicError(text);
  }

  /**
   * A Log tagged `$syslog_name/program` that writes to the same sink, with
   * this Log's pid unless another is given (a service run as its own process).
   */
  forProgram(program: string, pid = this.pid): Log {
    return new Log(this.#shared, program, pid);
  }

  /**
   * `postfix logrotate`: renames maillog_file with maillog_file_rotate_suffix,
   * goes on in a new file, and compresses the old one. When that fails, logs
   * the fatal error and rejects with FatalError.
   */
  async rotate(): Promise<RotateResult> {
    try {
      return await this.#shared.sink.rotate();
    } catch (err) {
      return this.fatal(err instanceof Error ? err.message : String(err));
    }
  }

  /** Reopens maillog_file (after an outside tool renamed it). */
  reopen(): void {
    this.#shared.sink.reopen();
  }

  /** Flushes and closes the sink, for every Log that shares it. */
  close(): Promise<void> {
    return this.#shared.sink.close();
  }

  #emit(level: LogLevel, text: string): void {
    const shared = this.#shared;
    const clean = printable(text, shared.smtputf8_enable);
    const prefix = LOG_LEVELS[level].prefix;
    if (shared.stderr !== null) shared.stderr.write(stderrLine(this.#echoName, prefix, clean));
    const body = truncateRecord(clean);
    shared.sink.write({ level, tag: this.tag, pid: this.pid, text: body, line: this.#head + prefix + body });
  }
}

/** maillog_client_init()'s check: maillog_file must start with one of maillog_file_prefixes. */
function checkPrefixes(maillog_file: string, prefixes: string): void {
  const ok = prefixes
    .split(/[\s,]+/)
    .filter((p) => p !== '')
    .some((p) => maillog_file.startsWith(p));
  if (!ok) {
    throw new FatalError(`maillog_file value '${maillog_file}' does not match any prefix in maillog_file_prefixes`);
  }
}

/**
 * The sink the logging parameters select, for a daemon that shares one sink
 * among the Logs of all its services (so one rotation serves them all).
 */
export function createLogSink(o: LogOptions): LogSink {
  return selectSink(o, o.myhostname || 'amnesiac');
}

function selectSink(o: LogOptions, myhostname: string): LogSink {
  const maillog_file = o.maillog_file ?? LOG_DEFAULTS.maillog_file;
  if (maillog_file === '') {
    const name = o.syslog_facility ?? LOG_DEFAULTS.syslog_facility;
    const facility = parseSyslogFacility(name);
    if (facility === null) throw new FatalError(`parameter syslog_facility: unrecognized value: ${name}`);
    return new SyslogSink({
      syslog_facility: facility,
      clock: o.clock,
      path: o.testing__syslog_path,
      port: o.testing__syslog_port,
    });
  }
  checkPrefixes(maillog_file, o.maillog_file_prefixes ?? LOG_DEFAULTS.maillog_file_prefixes);
  if (maillog_file === '/dev/stdout') return new StdoutSink({ myhostname, clock: o.clock });
  return new FileSink({
    maillog_file,
    myhostname,
    mode: parseLogfilePermissions(o.maillog_file_permissions ?? LOG_DEFAULTS.maillog_file_permissions) ?? 0o600,
    maillog_file_rotate_suffix: o.maillog_file_rotate_suffix ?? LOG_DEFAULTS.maillog_file_rotate_suffix,
    maillog_file_compressor: o.maillog_file_compressor ?? LOG_DEFAULTS.maillog_file_compressor,
    clock: o.clock,
    batch: o.batch ?? false,
  });
}

/**
 * Builds the Log of one program from parameter values. Throws FatalError
 * (echoed on `stderr` when given) when the logging parameters are unusable.
 */
export function createLog(options: LogOptions): Log {
  const myhostname = options.myhostname || 'amnesiac';
  let sink: LogSink;
  try {
    sink = options.sink ?? selectSink(options, myhostname);
  } catch (err) {
    if (err instanceof FatalError && options.stderr !== undefined) {
      options.stderr.write(stderrLine(options.program, LOG_LEVELS.fatal.prefix, printable(err.text)));
    }
    throw err;
  }
  const log = new Log(
    {
      sink,
      syslog_name: printable(options.syslog_name ?? LOG_DEFAULTS.syslog_name),
      smtputf8_enable: options.smtputf8_enable ?? LOG_DEFAULTS.smtputf8_enable,
      stderr: options.stderr ?? null,
      stderrTag: options.stderrTag ?? 'program',
    },
    options.program,
    options.pid ?? process.pid,
  );
  const perms = options.maillog_file_permissions;
  if (options.sink === undefined && perms !== undefined && parseLogfilePermissions(perms) === null) {
    log.warn(`ignoring bad permissions: maillog_file_permissions = ${perms}`);
  }
  return log;
}
