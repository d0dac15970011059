/**
 * logs_summary_text: the summary as an admin reads it: pflogsumm's Grand
 * Totals with its labels (so the two can be compared line by line, but
 * with exact numbers instead of pflogsumm's k/m), the recipient and sender
 * domain tables, the busiest senders and recipients, the top deferral,
 * bounce and reject reasons with where they happened, warnings, fatal
 * errors, and notes on what was not counted and why.
 */
import type { CountRow, ReasonRow } from '../logscan/logscan_counter.ts';
import type { SummaryReport, TrafficRow } from '../logscan/logscan_summary_report.ts';

function num(n: number, width = 8): string {
  return String(n).padStart(width);
}

function bytes(n: number): string {
  if (n < 1024) return '';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `  (${v.toFixed(1)} ${units[u]})`;
}

function seconds(s: number): string {
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} m`;
  return `${s.toFixed(1)} s`;
}

function title(text: string): string {
  return `\n${text}\n${'-'.repeat(text.length)}\n`;
}

function where(rows: readonly CountRow[]): string {
  return rows.map((w) => (w.key === '' ? `${w.count}` : `${w.key} (${w.count})`)).join(', ');
}

function reasons(heading: string, rows: readonly ReasonRow[], total: boolean): string {
  if (rows.length === 0) return `${title(heading)}  none\n`;
  const lines = rows.map((r) => {
    const w = where(r.where);
    return `${num(r.count)}  ${r.reason}${w === '' || !total ? '' : `\n${' '.repeat(12)}${w}`}`;
  });
  return `${title(heading)}${lines.join('\n')}\n`;
}

function counts(heading: string, rows: readonly CountRow[]): string {
  if (rows.length === 0) return `${title(heading)}  none\n`;
  return `${title(heading)}${rows.map((r) => `${num(r.count)}  ${r.key}`).join('\n')}\n`;
}

function traffic(heading: string, rows: readonly TrafficRow[], what: string): string {
  if (rows.length === 0) return `${title(heading)}  none\n`;
  const head = `${'messages'.padStart(8)}  ${'bytes'.padStart(10)}  ${what}\n`;
  return `${title(heading)}${head}${rows.map((r) => `${num(r.messages)}  ${num(r.bytes, 10)}  ${r.key}`).join('\n')}\n`;
}

function top(label: string, n: number): string {
  return n > 0 ? `${label} (top ${n})` : label;
}

/** The whole text report for `files`. */
export function summaryText(files: readonly string[], r: SummaryReport, topN: number): string {
  const t = r.totals;
  let out = `Mail log summary of ${files.join(', ')}\n`;
  out += `  ${r.lines.read} lines, ${r.lines.postfix} from Postfix`;
  out += r.first_time === null ? '\n' : `, ${r.first_time} to ${r.last_time}\n`;
  out += title('Grand Totals');
  out += 'messages\n\n';
  out += `${num(t.received)}  received\n`;
  out += `${num(t.delivered)}  delivered\n`;
  out += `${num(t.forwarded)}  forwarded\n`;
  out += `${num(t.deferred)}  deferred${t.deferrals > 0 ? `  (${t.deferrals} deferrals)` : ''}\n`;
  out += `${num(t.bounced)}  bounced\n`;
  out += `${num(t.rejected)}  rejected (${t.reject_percent}%)\n`;
  out += `${num(t.reject_warnings)}  reject warnings\n`;
  out += `${num(t.held)}  held\n`;
  out += `${num(t.discarded)}  discarded (${t.discard_percent}%)\n\n`;
  out += `${num(t.bytes_received)}  bytes received${bytes(t.bytes_received)}\n`;
  out += `${num(t.bytes_delivered)}  bytes delivered${bytes(t.bytes_delivered)}\n`;
  out += `${num(t.senders)}  senders\n`;
  out += `${num(t.sending_domains)}  sending hosts/domains\n`;
  out += `${num(t.recipients)}  recipients\n`;
  out += `${num(t.recipient_domains)}  recipient hosts/domains\n`;

  out += title(top('Delivery by recipient domain', topN));
  if (r.recipient_domains.length === 0) out += '  none\n';
  else {
    out += `${'sent'.padStart(8)}  ${'bytes'.padStart(10)}  defers  avg delay  max delay  domain\n`;
    for (const d of r.recipient_domains) {
      out += `${num(d.sent)}  ${num(d.bytes, 10)}  ${num(d.defers, 6)}  ${seconds(d.avg_delay).padStart(9)}  ${seconds(d.max_delay).padStart(9)}  ${d.domain}\n`;
    }
  }
  out += traffic(top('Received by sender domain or client', topN), r.sending_domains, 'domain');
  out += traffic(top('Senders by message count', topN), r.senders, 'sender');
  out += traffic(top('Recipients by message count', topN), r.recipients, 'recipient');
  out += reasons(top('Deferral reasons', topN), r.deferral_reasons, true);
  out += reasons(top('Bounce reasons', topN), r.bounce_reasons, true);
  out += reasons(top('Reject reasons', topN), r.reject_reasons, true);
  out += counts(top('Warnings', topN), r.warnings);
  out += counts('Fatal errors and panics', r.fatal_errors);

  const notes: string[] = [];
  if (r.uncounted_services.length > 0) {
    const n = r.uncounted_services.reduce((a, s) => a + s.count, 0);
    const list = r.uncounted_services.map((s) => `${s.key} ${s.count}`).join(', ');
    notes.push(
      `${n} client= and reject lines come from smtpd services named otherwise than smtpd, submission or smtps (${list}). pflogsumm does not count them, so neither do these totals: often they are a content filter's re-injection, which would count a message twice.`,
    );
  }
  if (r.deliveries_without_size > 0) {
    notes.push(
      `${r.deliveries_without_size} deliveries are of messages whose size is not in this log (queued before it starts): counted with 0 bytes delivered.`,
    );
  }
  if (notes.length > 0) out += `${title('Notes')}${notes.map((n) => `  - ${n}`).join('\n')}\n`;
  return out;
}
