/**
 * logscan_summary_report: the summary as data, for `affix logs summary`
 * (text and --json) and the doctor: pflogsumm's Grand Totals under the
 * names pflogsumm prints (`bytes received` -> bytes_received), the
 * recipient and sender domain tables sorted as pflogsumm sorts them (count,
 * then bytes), the busiest senders and recipients, and the top reasons.
 *
 * See: /usr/sbin/pflogsumm (Grand Totals, print_recip_domain_summary)
 */
import type { Counter, CountRow, ReasonRow, ReasonTable } from './logscan_counter.ts';

export interface SummaryTotals {
  readonly received: number;
  readonly delivered: number;
  readonly forwarded: number;
  readonly deferred: number;
  readonly deferrals: number;
  readonly bounced: number;
  readonly rejected: number;
  /** int(rejected / (delivered + rejected + discarded) * 100), as pflogsumm. */
  readonly reject_percent: number;
  readonly reject_warnings: number;
  readonly held: number;
  readonly discarded: number;
  readonly discard_percent: number;
  readonly bytes_received: number;
  readonly bytes_delivered: number;
  readonly senders: number;
  readonly sending_domains: number;
  readonly recipients: number;
  readonly recipient_domains: number;
}

export interface RecipientDomainRow {
  readonly domain: string;
  readonly sent: number;
  readonly bytes: number;
  readonly defers: number;
  readonly avg_delay: number;
  readonly max_delay: number;
}

export interface TrafficRow {
  readonly key: string;
  readonly messages: number;
  readonly bytes: number;
}

export interface SummaryReport {
  readonly totals: SummaryTotals;
  /** Lines read; lines pflogsumm reads (a Postfix tag and a stamp it knows). */
  readonly lines: { readonly read: number; readonly postfix: number };
  readonly first_time: string | null;
  readonly last_time: string | null;
  readonly recipient_domains: readonly RecipientDomainRow[];
  readonly sending_domains: readonly TrafficRow[];
  readonly senders: readonly TrafficRow[];
  readonly recipients: readonly TrafficRow[];
  readonly deferral_reasons: readonly ReasonRow[];
  readonly bounce_reasons: readonly ReasonRow[];
  readonly reject_reasons: readonly ReasonRow[];
  readonly warnings: readonly CountRow[];
  readonly fatal_errors: readonly CountRow[];
  /** Deliveries counted with 0 bytes because the log has no size for the message. */
  readonly deliveries_without_size: number;
  /** client= and reject lines of smtpd services pflogsumm does not count (`postfix/rtest/smtpd`). */
  readonly uncounted_services: readonly CountRow[];
}

/** What the report is built from (MailSummary has these). */
export interface SummaryData {
  readonly counts: {
    readonly lines: number;
    readonly counted: number;
    readonly received: number;
    readonly delivered: number;
    readonly forwarded: number;
    readonly deferred: number;
    readonly deferrals: number;
    readonly bounced: number;
    readonly rejected: number;
    readonly rejectWarnings: number;
    readonly held: number;
    readonly discarded: number;
    readonly bytesReceived: number;
    readonly bytesDelivered: number;
    readonly noSize: number;
  };
  readonly senders: ReadonlyMap<string, { messages: number; bytes: number }>;
  readonly sendingDomains: ReadonlyMap<string, { messages: number; bytes: number }>;
  readonly recipients: ReadonlyMap<string, { messages: number; bytes: number }>;
  readonly recipientDomains: ReadonlyMap<
    string,
    { sent: number; bytes: number; defers: number; delaySum: number; maxDelay: number }
  >;
  readonly deferralReasons: ReasonTable;
  readonly bounceReasons: ReasonTable;
  readonly rejectReasons: ReasonTable;
  readonly warningReasons: Counter;
  readonly fatalReasons: Counter;
  readonly otherServices: Counter;
  readonly firstTime: number;
  readonly lastTime: number;
}

function cut<T>(rows: T[], top: number): T[] {
  return top > 0 ? rows.slice(0, top) : rows;
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byTraffic(a: TrafficRow, b: TrafficRow): number {
  return b.messages - a.messages || b.bytes - a.bytes || byKey(a.key, b.key);
}

/**
 * The `top` busiest rows of a table (all when top <= 0), sorted. A table of
 * tens of thousands of addresses is not sorted for ten rows: each entry is
 * compared with the last row kept, and only a better one is placed.
 */
function traffic(map: SummaryData['senders'], top: number): TrafficRow[] {
  if (top <= 0) {
    const rows = [...map].map(([key, v]) => ({ key, messages: v.messages, bytes: v.bytes }));
    return rows.sort(byTraffic);
  }
  const best: TrafficRow[] = [];
  for (const [key, v] of map) {
    const last = best[best.length - 1];
    if (
      best.length === top &&
      last !== undefined &&
      (v.messages < last.messages || (v.messages === last.messages && v.bytes < last.bytes))
    )
      continue;
    const row = { key, messages: v.messages, bytes: v.bytes };
    if (best.length === top && byTraffic(row, last!) >= 0) continue;
    let i = best.length;
    while (i > 0 && byTraffic(row, best[i - 1]!) < 0) i--;
    best.splice(i, 0, row);
    if (best.length > top) best.pop();
  }
  return best;
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.trunc((part / whole) * 100);
}

function iso(ms: number): string | null {
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** The report of `data`, each table cut to `top` rows (all when top <= 0). */
export function summaryReport(data: SummaryData, top: number): SummaryReport {
  const c = data.counts;
  const outcomes = c.delivered + c.rejected + c.discarded;
  let recipientDomainCount = 0;
  const domains: RecipientDomainRow[] = [];
  for (const [domain, d] of data.recipientDomains) {
    if (d.sent > 0) recipientDomainCount++;
    const avg = d.sent > 0 ? d.delaySum / d.sent : 0;
    domains.push({ domain, sent: d.sent, bytes: d.bytes, defers: d.defers, avg_delay: avg, max_delay: d.maxDelay });
  }
  domains.sort((a, b) => b.sent - a.sent || b.bytes - a.bytes || byKey(a.domain, b.domain));
  return {
    totals: {
      received: c.received,
      delivered: c.delivered,
      forwarded: c.forwarded,
      deferred: c.deferred,
      deferrals: c.deferrals,
      bounced: c.bounced,
      rejected: c.rejected,
      reject_percent: percent(c.rejected, outcomes),
      reject_warnings: c.rejectWarnings,
      held: c.held,
      discarded: c.discarded,
      discard_percent: percent(c.discarded, outcomes),
      bytes_received: c.bytesReceived,
      bytes_delivered: c.bytesDelivered,
      senders: data.senders.size,
      sending_domains: data.sendingDomains.size,
      recipients: data.recipients.size,
      recipient_domains: recipientDomainCount,
    },
    lines: { read: c.lines, postfix: c.counted },
    first_time: iso(data.firstTime),
    last_time: iso(data.lastTime),
    recipient_domains: cut(domains, top),
    sending_domains: traffic(data.sendingDomains, top),
    senders: traffic(data.senders, top),
    recipients: traffic(data.recipients, top),
    deferral_reasons: data.deferralReasons.top(top),
    bounce_reasons: data.bounceReasons.top(top),
    reject_reasons: data.rejectReasons.top(top),
    warnings: data.warningReasons.top(top),
    fatal_errors: data.fatalReasons.top(top),
    deliveries_without_size: c.noSize,
    uncounted_services: data.otherServices.top(0),
  };
}
