/**
 * logs_options: the command line of `affix logs`: the subcommand, short
 * options through getopt (`-c DIR`, `-r`, `-n N`), the long ones getopt
 * cannot read (`--json`, `--top=N`, `--year=N`, `--pflogsumm-ids`,
 * `--syslog-name=NAME`), the operands, and the usage text printed on any
 * mistake (exit status 64, EX_USAGE).
 */
import { EX } from '../global/sysexits.ts';
import { CliExit, type CliIo } from './cli_io.ts';
import { splitLongOptions } from './cli_long_options.ts';
import { getopt, hasFlag, lastArg } from './getopt.ts';

export const PROGRAM = 'affix logs';

export const USAGE = `usage: affix logs summary [-c config_dir] [-r] [--json] [--top=N] [--pflogsumm-ids] [--syslog-name=N] [file... | -]
       affix logs trace [-c config_dir] [-r] [--json] queue_id|message_id|address [file... | -]
       affix logs tail [-c config_dir] [-n lines] [file]
Without a file, the log is maillog_file from main.cf (-c, MAIL_CONFIG, /etc/postfix), else /var/log/mail.log.
  -r               also read the rotated generations (mail.log.1, mail.log.2.gz, mail.log.YYYYMMDD-HHMMSS.gz)
  --json           machine-readable output
  --top=N          rows per table (default 10, 0 = all)
  --pflogsumm-ids  count a reused queue ID as pflogsumm does (remembers every ID)
  --syslog-name=N  also count lines tagged N/... (as pflogsumm --syslog-name)
  --year=N         year of the first time stamp when the log has none (Nov 29 09:05:17)
`;

export type Subcommand = 'summary' | 'trace' | 'tail';

export interface LogsCommand {
  readonly sub: Subcommand;
  readonly optionC: string | undefined;
  readonly rotated: boolean;
  readonly json: boolean;
  readonly top: number;
  readonly pflogsummIds: boolean;
  readonly syslogName: string | undefined;
  readonly year: number | undefined;
  readonly lines: number;
  readonly operands: readonly string[];
}

/** Prints `affix logs: <complaint>` and the usage, and ends with EX_USAGE. */
export function usageError(io: CliIo, complaint: string): never {
  io.stderr.write(`${PROGRAM}: ${complaint}\n${USAGE}`);
  throw new CliExit(EX.USAGE);
}

const SHORT_OPTIONS: Readonly<Record<Subcommand, string>> = { summary: 'c:r', trace: 'c:r', tail: 'c:n:' };
const LONG_OPTIONS: Readonly<Record<Subcommand, readonly string[]>> = {
  summary: ['json', 'top', 'pflogsumm-ids', 'syslog-name', 'year'],
  trace: ['json', 'year'],
  tail: ['year'],
};
const VALUED = new Set(['top', 'syslog-name', 'year']);

function count(io: CliIo, name: string, value: string | undefined, min: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) {
    return usageError(io, `bad ${name} value: ${value ?? '(none)'}`);
  }
  return Number(value);
}

/** Reads argv (after `logs`); prints usage and throws CliExit on any mistake. */
export function parseLogsCommand(argv: readonly string[], io: CliIo): LogsCommand {
  const [word, ...rest] = argv;
  if (word === undefined) return usageError(io, 'missing subcommand');
  if (word === '-h' || word === '--help') {
    io.stdout.write(USAGE);
    throw new CliExit(EX.OK);
  }
  if (word !== 'summary' && word !== 'trace' && word !== 'tail') return usageError(io, `unknown subcommand: ${word}`);
  const sub: Subcommand = word;
  const split = splitLongOptions(rest, (name) => LONG_OPTIONS[sub].includes(name), VALUED);
  if (!split.ok) return usageError(io, split.error);
  const { long, short } = split;
  /** The value of a long option given more than once is the last one. */
  const last = (n: string) => long.get(n)?.at(-1);
  const parsed = getopt(short, SHORT_OPTIONS[sub]);
  if (!parsed.ok) return usageError(io, parsed.error);
  const r = parsed.result;
  const operands = r.operands;
  if (sub === 'trace' && operands.length === 0) return usageError(io, 'trace: missing queue ID, Message-ID or address');
  if (sub === 'tail' && operands.length > 1) return usageError(io, 'tail: follows one file');
  if (sub === 'tail' && operands[0] === '-') return usageError(io, 'tail: cannot follow standard input');
  return {
    sub,
    optionC: lastArg(r, 'c'),
    rotated: hasFlag(r, 'r'),
    json: long.has('json'),
    top: long.has('top') ? count(io, '--top', last('top'), 0) : 10,
    pflogsummIds: long.has('pflogsumm-ids'),
    syslogName: last('syslog-name'),
    year: long.has('year') ? count(io, '--year', last('year'), 1970) : undefined,
    lines: hasFlag(r, 'n') ? count(io, '-n', lastArg(r, 'n'), 0) : 10,
    operands,
  };
}
