/**
 * logs: `affix logs summary|trace|tail`: reads the mail log (affix's or
 * Postfix's: syslog, maillog_file, RFC 3339 time stamps, rotated and
 * gzipped files, `journalctl -u postfix` on standard input) and says what
 * happened: pflogsumm's totals, one message's whole story, or each new
 * line classified. This file only wires the parts.
 *
 * Parameters: maillog_file (via -c or MAIL_CONFIG)
 * Diagnostics: usage with exit status 64 for bad arguments; `affix logs:
 *   fatal: open FILE: ...` with status 1 for an unreadable log
 * Security: reads logs only; writes nothing but a private copy of standard
 *   input for a trace
 * See: ../shared/reference/postfix-compat.md section 4, /usr/sbin/pflogsumm
 */
import { type CliIo, type CliMain, cliMessages } from './cli_io.ts';
import { PROGRAM, parseLogsCommand } from './logs_options.ts';
import { logsSummary } from './logs_summary.ts';
import { logsTail } from './logs_tail.ts';
import { logsTrace } from './logs_trace.ts';

export const main: CliMain = async (argv: readonly string[], io: CliIo): Promise<number> => {
  const cmd = parseLogsCommand(argv, io);
  const msg = cliMessages(io, PROGRAM);
  switch (cmd.sub) {
    case 'summary':
      return logsSummary(cmd, io, msg);
    case 'trace':
      return logsTrace(cmd, io, msg);
    case 'tail':
      return logsTail(cmd, io, msg);
  }
};
