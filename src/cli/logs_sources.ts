/**
 * logs_sources: which log `affix logs` reads: the files named on the
 * command line (`-` is standard input, e.g. `journalctl -u postfix`), else
 * maillog_file from the configuration (`-c DIR`, MAIL_CONFIG, /etc/postfix),
 * else /var/log/mail.log (syslog's file on Debian). With -r, each file's
 * rotated generations come first, oldest first. A trace reads its input
 * twice, so standard input is first copied to a temporary file.
 *
 * Parameters: maillog_file
 * Diagnostics: `affix logs: fatal: open FILE: No such file or directory`,
 *   configuration errors when -c or MAIL_CONFIG names a directory
 * Security: reads only; the copy of standard input is private (0600) and removed
 */
import { createWriteStream } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openError, readConfigFull } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { rotatedGenerations } from '../logscan/logscan_files.ts';
import type { LogSource } from '../logscan/logscan_read.ts';
import type { CliIo, CliMessages } from './cli_io.ts';

export const DEFAULT_MAIL_LOG = '/var/log/mail.log';

/** The log file the configuration names, or /var/log/mail.log. */
export async function configuredLog(optionC: string | undefined, io: CliIo, msg: CliMessages): Promise<string> {
  const explicit = optionC !== undefined || (io.env['MAIL_CONFIG'] ?? '') !== '';
  let file = '';
  try {
    const { config } = await readConfigFull({ optionC, env: io.env, cwd: io.cwd });
    file = config.params.maillog_file;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (explicit) return msg.fatal(err.message);
  }
  if (file === '') return DEFAULT_MAIL_LOG;
  if (file.startsWith('/dev/')) {
    return msg.fatal(`maillog_file = ${file} is a stream, not a file: name the log file, or - for standard input`);
  }
  return file;
}

async function mustExist(path: string, msg: CliMessages): Promise<void> {
  try {
    await access(path);
  } catch (err) {
    msg.fatal(openError(path, err as NodeJS.ErrnoException));
  }
}

/** The sources to read, in order. */
export async function logSources(
  operands: readonly string[],
  optionC: string | undefined,
  rotated: boolean,
  io: CliIo,
  msg: CliMessages,
): Promise<LogSource[]> {
  const names = operands.length > 0 ? operands : [await configuredLog(optionC, io, msg)];
  if (names.filter((n) => n === '-').length > 1) return msg.fatal('standard input (-) can be read only once');
  const sources: LogSource[] = [];
  for (const name of names) {
    if (name === '-') {
      sources.push({ kind: 'stream', name: '(standard input)', stream: io.stdin });
      continue;
    }
    const path = resolve(io.cwd, name);
    if (rotated) for (const g of await rotatedGenerations(path)) sources.push({ kind: 'file', path: g });
    await mustExist(path, msg);
    sources.push({ kind: 'file', path });
  }
  return sources;
}

export interface FileSources {
  readonly files: string[];
  /** Removes the copy of standard input, if one was made. */
  readonly cleanup: () => Promise<void>;
}

/** The sources as files: standard input is copied to a private temporary file. */
export async function asFiles(sources: readonly LogSource[]): Promise<FileSources> {
  let dir: string | null = null;
  const files: string[] = [];
  for (const s of sources) {
    if (s.kind === 'file') {
      files.push(s.path);
      continue;
    }
    dir = await mkdtemp(join(tmpdir(), 'affix-logs-'));
    const copy = join(dir, 'stdin');
    await pipeline(s.stream, createWriteStream(copy, { mode: 0o600 }));
    files.push(copy);
  }
  const made = dir;
  return { files, cleanup: async () => (made === null ? undefined : rm(made, { recursive: true, force: true })) };
}
