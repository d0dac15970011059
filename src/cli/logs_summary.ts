/**
 * logs_summary: `affix logs summary [-c DIR] [-r] [--json] [file... | -]`:
 * pflogsumm's totals (they agree with Debian's pflogsumm on the same log),
 * per-domain tables and the top reasons, from one streaming pass in
 * constant memory (a 500 MB log is fine). `--pflogsumm-ids` remembers every
 * queue ID as pflogsumm does, for logs where short queue IDs are reused.
 *
 * Parameters: maillog_file
 * See: logscan_summary.ts, /usr/sbin/pflogsumm
 */
import { setFlagsFromString } from 'node:v8';
import { forEachLogLine } from '../logscan/logscan_scan.ts';
import { MailSummary } from '../logscan/logscan_summary.ts';
import type { CliIo, CliMessages } from './cli_io.ts';
import type { LogsCommand } from './logs_options.ts';
import { logSources } from './logs_sources.ts';
import { summaryText } from './logs_summary_text.ts';

/**
 * Keeps V8's young generation at its first size (1 MiB semi-spaces). A
 * summary makes short-lived strings for every line, and V8 would grow the
 * nursery to 16 MiB semi-spaces over a large log: 30 MiB more peak memory,
 * and slower, as a nursery that no longer fits the CPU's cache costs a miss
 * per allocation. Only how this process sizes its heap changes.
 */
function keepNurserySmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

export async function logsSummary(cmd: LogsCommand, io: CliIo, msg: CliMessages): Promise<number> {
  keepNurserySmall();
  const sources = await logSources(cmd.operands, cmd.optionC, cmd.rotated, io, msg);
  const summary = new MailSummary({
    duplicates: cmd.pflogsummIds ? 'pflogsumm' : 'forget',
    ...(cmd.syslogName === undefined ? {} : { syslogName: cmd.syslogName }),
  });
  const names: string[] = [];
  try {
    await forEachLogLine(sources, (line) => summary.addLine(line), {
      ...(cmd.year === undefined ? {} : { year: cmd.year }),
      onSource: (s) => names.push(s.kind === 'file' ? s.path : s.name),
    });
  } catch (err) {
    return msg.fatal(`read ${names.at(-1) ?? 'log'}: ${(err as Error).message}`);
  }
  const report = summary.report(cmd.top);
  if (cmd.json) io.stdout.write(`${JSON.stringify({ files: names, ...report }, null, 2)}\n`);
  else io.stdout.write(summaryText(names, report, cmd.top));
  return 0;
}
