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
 * after a few comparisons; the rest take the full parse. `addLine` counts
 * the line of a LineView where it lies in its chunk (what `affix logs
 * summary` does), `add` a parsed entry: both count alike.
 *
 * See: /usr/sbin/pflogsumm, logscan_summary_state.ts (queue IDs used twice)
 */
import {
  type AddressTraffic,
  AS_DOUBLE,
  Counter,
  detach,
  domainStats,
  ReasonTable,
  type RecipientDomainStats,
  type Traffic,
  trafficRow,
} from './logscan_counter.ts';
import type { LogEntry, LogEvent, LogFrame } from './logscan_event.ts';
import type { LineView } from './logscan_line_view.ts';
import {
  clientValue,
  foldAddress,
  gimmeDomain,
  pflogsummCommand,
  pflogsummFramed,
  pflogsummStamped,
  recipientDomain,
  senderDomain,
} from './logscan_pflogsumm.ts';
import { checkKey, checkWhere, contentReason, deliveryReason, diagnosticReason } from './logscan_reasons.ts';
import {
  bareAction,
  hasCleanupPart,
  isRemoved,
  LineFields,
  OpeningWord,
  smtpdAction,
} from './logscan_summary_lines.ts';
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

/** The summary's counts, all zero; the byte sums doubles from the start (AS_DOUBLE). */
function newCounts() {
  const counts = {
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
    bytesReceived: AS_DOUBLE,
    bytesDelivered: AS_DOUBLE,
    noSize: 0,
    otherServiceLines: 0,
  };
  counts.bytesReceived = 0;
  counts.bytesDelivered = 0;
  return counts;
}

/** What the summary needs of a tag, worked out once per tag. */
interface TagCommand {
  /** pflogsumm's command, null for a line it skips. */
  readonly name: string | null;
  /** `rtest/smtpd`: an smtpd service pflogsumm does not count (noted apart). */
  readonly otherSmtpd: boolean;
}

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
  readonly #commands = new Map<string, TagCommand>();
  readonly #fields = new LineFields();
  readonly #word = new OpeningWord();
  readonly counts = newCounts();
  /** Senders, each with its domain's row when the address has a domain (else the client's counts). */
  readonly senders = new Map<string, AddressTraffic<Traffic | null>>();
  readonly sendingDomains = new Map<string, Traffic>();
  readonly recipients = new Map<string, AddressTraffic<RecipientDomainStats>>();
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

  /** pflogsumm's command for a tag, and whether it is another smtpd service (tags are interned: the lookup hashes nothing new). */
  #command(frame: LogFrame): TagCommand {
    let cmd = this.#commands.get(frame.tag);
    if (cmd === undefined) {
      if (this.#commands.size > 1000) this.#commands.clear();
      const name = pflogsummCommand(frame, this.#syslogName);
      // the literal when it is one the summary tests for: comparing it is then comparing pointers
      const known = COMMANDS.find((c) => c === name) ?? name;
      cmd = { name: known, otherSmtpd: known?.endsWith('/smtpd') === true };
      this.#commands.set(frame.tag, cmd);
    }
    return cmd;
  }

  /** Counts one parsed line. */
  add(entry: LogEntry): void {
    const frame = entry.frame;
    const text = frame.text;
    this.#count(entry, text, 0, text.length, pflogsummFramed(frame));
  }

  /** Counts the line a LineView is on (logscan_scan.ts forEachLogLine), read where it lies. */
  addLine(view: LineView): void {
    this.#count(view, view.chunk, view.textStart, view.end, pflogsummStamped(view.stampFormat, view.chunk, view.start));
  }

  /**
   * Counts the line of `entry`, whose text `text` has from `start` to `end`.
   * The common lines are read there; the rare ones take the entry's text
   * and event.
   */
  #count(entry: LogEntry, text: string, start: number, end: number, framed: boolean): void {
    const frame = entry.frame;
    const c = this.counts;
    c.lines++;
    const t = frame.time;
    if (!Number.isNaN(t)) {
      if (!(t >= this.firstTime)) this.firstTime = t;
      this.lastTime = t;
    }
    if (!framed) return;
    const command = this.#command(frame);
    const cmd = command.name;
    if (cmd === null) return;
    c.counted++;
    if (cmd === 'cleanup' && hasCleanupPart(text, start, end)) {
      const m = CLEANUP_ACTION.exec(frame.line);
      if (m !== null) {
        const event = entry.event;
        const reason = event.kind === 'content_check' ? contentReason(event) : `${m[2]}: ${m[3]}`;
        const where = event.kind === 'content_check' ? event.client : '';
        const type = m[1]!.replace('milter-', '');
        this.#action(type, `cleanup ${reason}`, where);
        // a message cleanup rejects never reaches the queue: nothing more will be logged for its ID
        if (type === 'reject' && event.queueId !== null) this.#messages.removed(event.queueId, 0, event.queueId.length);
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
    const bare = bareAction(text, start, end);
    if (bare !== null) {
      this.#action(bare, checkKey(entry.event, frame.text), checkWhere(entry.event));
      return;
    }
    if (cmd === 'master') return;
    // from here on the severity is info: clientField's condition is the pid
    const pid = frame.pid;
    const word = this.#word;
    word.read(text, start);
    if (cmd === 'smtpd' || cmd === 'postscreen') {
      if (pid === null || !word.colon(text)) return;
      const client = clientValue(text, word.end, end);
      if (client !== null) {
        c.received++;
        this.#messages.received(text, start, word.end, gimmeDomain(client));
        return;
      }
      const action = smtpdAction(text, word);
      if (action !== null) this.#action(action, checkKey(entry.event, frame.text), checkWhere(entry.event));
      return;
    }
    if (
      command.otherSmtpd &&
      word.colon(text) &&
      ((pid !== null && clientValue(text, word.end, end) !== null) || smtpdAction(text, word) !== null)
    ) {
      c.otherServiceLines++;
      this.otherServices.add(frame.tag);
    }
    // what is left counts only lines with a queue ID (NOQUEUE lines are smtpd's, counted above)
    const colon = word.queueIdEnd(text);
    if (colon < 0 || this.#inPlace(text, start, end, colon, cmd)) return;
    this.#parsed(entry, cmd);
  }

  /** A line with a queue ID that is not read in place: counted from its text and event. */
  #parsed(entry: LogEntry, cmd: string): void {
    const text = entry.frame.text;
    if (text.includes('from=<') && text.includes(', size=')) {
      const event = entry.event;
      if (event.kind === 'queue_active') {
        this.#queued(event.queueId, 0, event.queueId.length, event.from, event.size);
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
        this.counts.received++;
        this.#messages.received(event.queueId, 0, event.queueId.length, 'pickup');
      }
    } else if (text.endsWith('removed') || text.includes(': removed (')) {
      const event = entry.event;
      if (event.kind === 'removed') this.#messages.removed(event.queueId, 0, event.queueId.length);
    }
  }

  /**
   * qmgr's from=/removed lines and delivered recipients, read in place
   * (logscan_summary_lines.ts); false when the line needs the full parse,
   * which then counts it as before.
   */
  #inPlace(text: string, start: number, end: number, colon: number, cmd: string): boolean {
    const f = this.#fields;
    // what the text after the ID starts with: `from=`, `to=`, `removed`, else only `uid=` and `sender=` count
    switch (text.charCodeAt(colon + 2)) {
      case 102 /* f */:
        if (!f.active(text, colon, end)) return false;
        this.#queued(text, start, colon, text.slice(f.addrStart, f.addrEnd), f.size);
        return true;
      case 116 /* t */:
        if (!f.delivery(text, colon, end)) return false;
        if (f.statusIs(text, 'sent')) {
          if (f.forwarded(text, end)) this.counts.forwarded++;
          else this.#sent(text, start, colon, foldAddress(text.slice(f.addrStart, f.addrEnd)), f.delay(text));
          return true;
        }
        // deferred and bounced need the reason: the full parse
        return !f.statusIs(text, 'deferred') && !f.statusIs(text, 'bounced');
      case 114 /* r */:
        // pickup's lines end at its own branch
        if (cmd === 'pickup' || !isRemoved(text, colon, end)) return false;
        this.#messages.removed(text, start, colon);
        return true;
      case 117 /* u */:
      case 115 /* s */:
        return false;
      default:
        return true; // message-id= and the like count for nothing
    }
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

  /** qmgr's from= line of the message whose ID `text` has from `start` to `end`. */
  #queued(text: string, start: number, end: number, from: string, size: number): void {
    const origin = this.#messages.queued(text, start, end, size);
    if (origin === undefined || origin === null) return;
    const addr = from === '' ? 'from=<>' : foldAddress(from);
    let sender = this.senders.get(addr);
    if (sender === undefined) {
      const own = senderDomain(addr);
      // bytes a small integer, kept in the row (one address rarely passes 2^31): a double would be a box to reach
      sender = { messages: 0, bytes: 0, domain: own === null ? null : trafficRow(this.sendingDomains, own) };
      this.senders.set(detach(addr), sender);
    }
    // an address without a domain counts for the client it came from, or for itself when picked up
    const domain = sender.domain ?? trafficRow(this.sendingDomains, origin === 'pickup' ? addr : origin);
    domain.messages++;
    domain.bytes += size;
    sender.messages++;
    sender.bytes += size;
    this.counts.bytesReceived += size;
  }

  #delivery(qid: string, cmd: string, e: Delivery): void {
    const c = this.counts;
    const domain = recipientDomain(foldAddress(e.to));
    const delay = Number.isNaN(e.delay) ? 0 : e.delay;
    if (e.status === 'sent') {
      if (e.text.includes('forwarded as ')) c.forwarded++;
      else this.#sent(qid, 0, qid.length, foldAddress(e.to), delay);
    } else if (e.status === 'deferred') {
      c.deferrals++;
      if (this.#messages.deferredFirst(qid, 0, qid.length)) c.deferred++;
      const d = domainStats(this.recipientDomains, domain);
      d.defers++;
      if (delay > d.maxDelay) d.maxDelay = delay;
      this.deferralReasons.add(`${cmd}: ${deliveryReason(e)}`, domain);
    } else if (e.status === 'bounced') {
      c.bounced++;
      this.bounceReasons.add(`${cmd}: ${deliveryReason(e)}`, domain);
    }
  }

  /** A recipient delivered (`addr` folded) of the message whose ID `text` has from `start` to `end`. */
  #sent(text: string, start: number, end: number, addr: string, delay: number): void {
    const c = this.counts;
    let recipient = this.recipients.get(addr);
    if (recipient === undefined) {
      recipient = { messages: 0, bytes: 0, domain: domainStats(this.recipientDomains, recipientDomain(addr)) };
      this.recipients.set(detach(addr), recipient);
    }
    const d = recipient.domain;
    const size = this.#messages.size(text, start, end);
    d.sent++;
    d.bytes += size;
    d.delaySum += delay;
    if (delay > d.maxDelay) d.maxDelay = delay;
    recipient.messages++;
    recipient.bytes += size;
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
