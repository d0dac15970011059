/**
 * logs_tail: `affix logs tail [-c DIR] [-n N] [file]`: follows the mail log
 * like `tail -F` (its last N lines, then each new line; survives rotation
 * and truncation) and prints each line after a word saying what it means:
 * delivered, deferred, bounced, rejected, warning, error, received ...
 * On a terminal the word is coloured (util.styleText); piped, it is plain.
 * NO_COLOR turns colour off, FORCE_COLOR (not empty or 0) on. Ends on SIGINT or SIGTERM.
 *
 * Parameters: maillog_file
 * See: logscan_follow.ts, logscan_classify.ts
 */
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { styleText } from 'node:util';
import { classifyEntry, type LineClass } from '../logscan/logscan_classify.ts';
import { followLines } from '../logscan/logscan_follow.ts';
import { LogParser } from '../logscan/logscan_parse.ts';
import type { CliIo, CliMessages } from './cli_io.ts';
import type { LogsCommand } from './logs_options.ts';
import { configuredLog } from './logs_sources.ts';

type Style = Parameters<typeof styleText>[0];

const CLASS_STYLE: Readonly<Record<LineClass, Style>> = {
  delivered: 'green',
  deferred: 'yellow',
  bounced: 'red',
  expired: 'red',
  rejected: 'magenta',
  held: 'cyan',
  discarded: 'magenta',
  warning: 'yellow',
  error: ['red', 'bold'],
  received: 'blue',
  queued: 'dim',
  removed: 'dim',
  notice: 'cyan',
  connection: 'dim',
  tls: 'dim',
  other: 'dim',
};

const LABEL_WIDTH = 10;

/** Colour when stdout is a terminal, unless NO_COLOR; always with FORCE_COLOR (not 0). */
export function wantColour(io: CliIo): boolean {
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  if ((io.env['NO_COLOR'] ?? '') !== '') return false;
  return (io.stdout as { isTTY?: boolean }).isTTY === true;
}

/** One output line: the class word, padded, then the log line as written. */
export function tailLine(cls: LineClass, line: string, colour: boolean): string {
  const label = cls.padEnd(LABEL_WIDTH);
  if (!colour) return `${label} ${line}\n`;
  return `${styleText(CLASS_STYLE[cls], label, { validateStream: false })} ${line}\n`;
}

export async function logsTail(cmd: LogsCommand, io: CliIo, msg: CliMessages): Promise<number> {
  const operand = cmd.operands[0];
  const path = operand === undefined ? await configuredLog(cmd.optionC, io, msg) : resolve(io.cwd, operand);
  try {
    await access(path);
  } catch {
    msg.warn(`${path}: No such file or directory; waiting for it to appear`);
  }
  const colour = wantColour(io);
  const parser = new LogParser(cmd.year === undefined ? {} : { year: cmd.year });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for await (const lines of followLines(path, { signal: stop.signal, initialLines: cmd.lines })) {
      let out = '';
      for (const line of lines) if (line !== '') out += tailLine(classifyEntry(parser.parse(line)), line, colour);
      io.stdout.write(out);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}
