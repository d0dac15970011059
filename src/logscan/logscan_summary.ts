/**
 * logscan_summary: pflogsumm's totals from a stream of parsed lines:
 * messages received (smtpd client= and pickup lines), delivered
 * (status=sent, except local's "forwarded as"), forwarded, deferred
 * (messages) and deferrals (lines), bounced, rejected, reject warnings,
 * held, discarded (smtpd, postscreen and cleanup actions), bytes received
 * and delivered, distinct senders, sending domains, recipients and
 * recipient domains; with the per-domain tables and the top reasons.
 * Each line counts for what pflogsumm 1.1.5 counts it for (see
 * logscan_pflogsumm.ts), so the totals agree with it on the same log.
 * Most lines are counted from their text without their LogEvent: qmgr's and
 * the delivery agents' common lines are read in place
 * (logscan_summary_lines.ts), and a line that can count for nothing stops
 * after a few comparisons; the rest take the full parse.
 *
 * See: /usr/sbin/pflogsumm, logscan_summary_state.ts (queue IDs used twice)
 */
import { bumpTraffic, Counter, domainStats, ReasonTable, type RecipientDomainStats } from './logscan_counter.ts';
import type { LogEntry, LogEvent, LogFrame } from './logscan_event.ts';
import {
  clientField,
  foldAddress,
  gimmeDomain,
  pflogsummCommand,
  pflogsummFramed,
  recipientDomain,
  senderDomain,
} from './logscan_pflogsumm.ts';
import { checkKey, checkWhere, contentReason, deliveryReason, diagnosticReason } from './logscan_reasons.ts';
import { bareAction, hasCleanupPart, isRemoved, LineFields, queueIdEnd, smtpdAction } from './logscan_summary_lines.ts';
import { type SummaryReport, summaryReport } from './logscan_summary_report.ts';
import { type DuplicatePolicy, SummaryMessages } from './logscan_summary_state.ts';

/** cleanup's header/body/milter actions, as pflogsumm matches them on the whole line. */
const CLEANUP_ACTION =
  /\/cleanup\[\d+\]: .*?\b((?:milter-)?reject|warning|hold|discard): (header|body|END-OF-MESSAGE) (.*)$/;
/** The commands add() tests for. */
const COMMANDS = ['smtpd', 'postscreen', 'cleanup', 'master', 'pickup'] as const;

const PFLOGSUMM_DELIVERY = /^to (?:orig_to )?relay (?:conn_use )?delay (?:delays )?(?:dsn )?status$/;

type Delivery = Extract<LogEvent, { kind: 'delivery' }>;

export type { RecipientDomainStats } from './logscan_counter.ts';

export interface SummaryOptions {
  /** What to do with a queue ID seen again after `removed` (default `forget`). */
  readonly duplicates?: DuplicatePolicy;
  /** Another syslog_name whose lines count like postfix/... ones (pflogsumm --syslog-name). */
  readonly syslogName?: string;
}

/** The counts behind a summary; `add` each line in log order, then `report`. */
export class MailSummary {
  readonly #messages: SummaryMessages;
  readonly #syslogName: string;
  readonly #commands = new Map<string, string | null>();
  readonly #fields = new LineFields();
  readonly counts = {
    lines: 0,
    counted: 0,
    received: 0,
    delivered: 0,
    forwarded: 0,
    deferred: 0,
    deferrals: 0,
    bounced: 0,
    rejected: 0,
    rejectWarnings: 0,
    held: 0,
    discarded: 0,
    bytesReceived: 0,
    bytesDelivered: 0,
    noSize: 0,
    otherServiceLines: 0,
  };
  readonly senders = new Map<string, { messages: number; bytes: number }>();
  readonly sendingDomains = new Map<string, { messages: number; bytes: number }>();
  readonly recipients = new Map<string, { messages: number; bytes: number }>();
  readonly recipientDomains = new Map<string, RecipientDomainStats>();
  readonly deferralReasons = new ReasonTable();
  readonly bounceReasons = new ReasonTable();
  readonly rejectReasons = new ReasonTable();
  readonly warningReasons = new Counter(2000);
  readonly fatalReasons = new Counter(500);
  readonly otherServices = new Counter(50);
  firstTime = Number.NaN;
  lastTime = Number.NaN;

  constructor(options: SummaryOptions = {}) {
    this.#messages = new SummaryMessages(options.duplicates ?? 'forget');
    this.#syslogName = options.syslogName ?? 'postfix';
  }

  /** pflogsumm's command for a tag (tags are interned by the parser, so the lookup hashes nothing new). */
  #command(frame: LogFrame): string | null {
    let cmd = this.#commands.get(frame.tag);
    if (cmd === undefined) {
      if (this.#commands.size > 1000) this.#commands.clear();
      cmd = pflogsummCommand(frame, this.#syslogName);
      // the literal when it is one the summary tests for: comparing it is then comparing pointers
      cmd = COMMANDS.find((name) => name === cmd) ?? cmd;
      this.#commands.set(frame.tag, cmd);
    }
    return cmd;
  }

  add(entry: LogEntry): void {
    const frame = entry.frame;
    const c = this.counts;
    c.lines++;
    const t = frame.time;
    if (!Number.isNaN(t)) {
      if (!(t >= this.firstTime)) this.firstTime = t;
      this.lastTime = t;
    }
    if (!pflogsummFramed(frame)) return;
    const cmd = this.#command(frame);
    if (cmd === null) return;
    c.counted++;
    const text = frame.text;
    if (cmd === 'cleanup' && hasCleanupPart(text)) {
      const m = CLEANUP_ACTION.exec(frame.line);
      if (m !== null) {
        const event = entry.event;
        const reason = event.kind === 'content_check' ? contentReason(event) : `${m[2]}: ${m[3]}`;
        const where = event.kind === 'content_check' ? event.client : '';
        const type = m[1]!.replace('milter-', '');
        this.#action(type, `cleanup ${reason}`, where);
        // a message cleanup rejects never reaches the queue: nothing more will be logged for its ID
        if (type === 'reject' && event.queueId !== null) this.#messages.removed(event.queueId);
        return;
      }
    }
    switch (frame.severity) {
      case 'warning':
        this.warningReasons.add(diagnosticReason(frame));
        return;
      case 'fatal':
      case 'panic':
        this.fatalReasons.add(`${frame.severity}: ${diagnosticReason(frame)}`);
        return;
      case 'error':
        return; // pflogsumm's "queue ID" is then `error`: a line it counts for nothing
    }
    const bare = bareAction(text);
    if (bare !== null) {
      this.#action(bare, checkKey(entry.event, text), checkWhere(entry.event));
      return;
    }
    if (cmd === 'master') return;
    if (cmd === 'smtpd' || cmd === 'postscreen') {
      const client = clientField(frame);
      if (client !== null) {
        c.received++;
        this.#messages.received(text.slice(0, text.indexOf(':')), gimmeDomain(client));
        return;
      }
      const action = frame.pid === null ? null : smtpdAction(text);
      if (action !== null) this.#action(action, checkKey(entry.event, text), checkWhere(entry.event));
      return;
    }
    if (cmd.endsWith('/smtpd') && (clientField(frame) !== null || smtpdAction(text) !== null)) {
      c.otherServiceLines++;
      this.otherServices.add(frame.tag);
    }
    // what is left counts only lines with a queue ID (NOQUEUE lines are smtpd's, counted above)
    const colon = queueIdEnd(text);
    if (colon < 0 || this.#inPlace(text, colon, cmd)) return;
    if (text.includes('from=<') && text.includes(', size=')) {
      const event = entry.event;
      if (event.kind === 'queue_active') {
        this.#queued(event.queueId, event.from, event.size);
        return;
      }
    }
    if (text.includes('to=<')) {
      const event = entry.event;
      if (event.kind === 'delivery' && PFLOGSUMM_DELIVERY.test(event.fieldOrder) && !event.to.includes('>')) {
        this.#delivery(event.queueId, cmd, event);
      }
    } else if (cmd === 'pickup') {
      const event = entry.event;
      if (event.kind === 'pickup') {
        c.received++;
        this.#messages.received(event.queueId, 'pickup');
      }
    } else if (text.endsWith('removed') || text.includes(': removed (')) {
      const event = entry.event;
      if (event.kind === 'removed') this.#messages.removed(event.queueId);
    }
  }

  /**
   * qmgr's from=/removed lines and delivered recipients, read in place
   * (logscan_summary_lines.ts); false when the line needs the full parse,
   * which then counts it as before.
   */
  #inPlace(text: string, colon: number, cmd: string): boolean {
    const f = this.#fields;
    if (f.active(text, colon)) {
      this.#queued(text.slice(0, colon), text.slice(f.addrStart, f.addrEnd), f.size);
      return true;
    }
    if (f.delivery(text, colon)) {
      if (f.statusIs(text, 'sent')) {
        if (f.statusEnd < text.length && text.includes('forwarded as ', f.statusEnd + 1)) this.counts.forwarded++;
        else this.#sent(text.slice(0, colon), foldAddress(text.slice(f.addrStart, f.addrEnd)), f.delay(text));
        return true;
      }
      // deferred and bounced need the reason: the full parse
      return !f.statusIs(text, 'deferred') && !f.statusIs(text, 'bounced');
    }
    // pickup's lines end at its own branch
    if (cmd !== 'pickup' && isRemoved(text, colon)) {
      this.#messages.removed(text.slice(0, colon));
      return true;
    }
    // only `from=`, `to=`, `uid=`, `sender=` and `removed` texts can be what the rest counts (message-id= is not)
    const c = text.charCodeAt(colon + 2);
    return c !== 102 && c !== 116 && c !== 117 && c !== 115 && c !== 114;
  }

  #action(type: string, reason: string, where: string): void {
    const c = this.counts;
    switch (type) {
      case 'reject':
        c.rejected++;
        this.rejectReasons.add(reason, where);
        break;
      case 'reject_warning':
      case 'warning':
        c.rejectWarnings++;
        break;
      case 'hold':
        c.held++;
        break;
      case 'discard':
        c.discarded++;
        break;
    }
  }

  #queued(qid: string, from: string, size: number): void {
    const q = this.#messages.queued(qid, size);
    if (q === undefined || q.origin === null) return;
    const addr = from === '' ? 'from=<>' : foldAddress(from);
    const domain = senderDomain(addr) ?? (q.origin === 'pickup' ? addr : q.origin);
    bumpTraffic(this.sendingDomains, domain, size);
    bumpTraffic(this.senders, addr, size);
    this.counts.bytesReceived += size;
  }

  #delivery(qid: string, cmd: string, e: Delivery): void {
    const c = this.counts;
    const domain = recipientDomain(foldAddress(e.to));
    const delay = Number.isNaN(e.delay) ? 0 : e.delay;
    if (e.status === 'sent') {
      if (e.text.includes('forwarded as ')) c.forwarded++;
      else this.#sent(qid, foldAddress(e.to), delay);
    } else if (e.status === 'deferred') {
      c.deferrals++;
      if (this.#messages.deferredFirst(qid)) c.deferred++;
      const d = domainStats(this.recipientDomains, domain);
      d.defers++;
      if (delay > d.maxDelay) d.maxDelay = delay;
      this.deferralReasons.add(`${cmd}: ${deliveryReason(e)}`, domain);
    } else if (e.status === 'bounced') {
      c.bounced++;
      this.bounceReasons.add(`${cmd}: ${deliveryReason(e)}`, domain);
    }
  }

  /** A recipient delivered (`addr` folded): counted for its domain and the message's size. */
  #sent(qid: string, addr: string, delay: number): void {
    const c = this.counts;
    const d = domainStats(this.recipientDomains, recipientDomain(addr));
    const size = this.#messages.size(qid);
    d.sent++;
    d.bytes += size;
    d.delaySum += delay;
    if (delay > d.maxDelay) d.maxDelay = delay;
    bumpTraffic(this.recipients, addr, size);
    c.delivered++;
    c.bytesDelivered += size;
    if (size === 0) c.noSize++;
  }

  /** Queue IDs remembered now: bounded under the default policy, growing under `pflogsumm`. */
  get rememberedIds(): number {
    return this.#messages.remembered;
  }

  /** The totals and tables, each table cut to `top` rows (all when top <= 0). */
  report(top = 10): SummaryReport {
    return summaryReport(this, top);
  }
}
