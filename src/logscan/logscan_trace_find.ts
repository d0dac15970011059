/**
 * logscan_trace_find: the first pass of a trace: which queue IDs belong to
 * the story of a queue ID, a Message-ID or an address. A message matches
 * when the term is its queue ID, its message-id, its sender or one of its
 * (original) recipients. The story then follows the links Postfix logs:
 * a bounce's `ID: sender non-delivery notification: NEWID`, a requeue's
 * `NEWID: uid=... orig_id=ID`, and a relay on this host's own log (`status=sent
 * (250 2.0.0 Ok: queued as NEWID)`), in both directions.
 *
 * See: logscan_trace.ts (the two passes), postfix/src/bounce/bounce_notify_service.c
 */
import type { LogEntry, LogEvent } from './logscan_event.ts';
import { parseLogQueueId } from './logscan_queue_id.ts';

export interface TraceLink {
  readonly from: string;
  readonly to: string;
  /** What `to` is to `from`: `sender non-delivery notification`, `requeued as`, `relayed to <x> as`. */
  readonly relation: string;
  /** What `from` is to `to`: `sender non-delivery notification for`, `requeued from` ... */
  readonly reverse: string;
}

/** The term without the angle brackets people copy along, lower-cased. */
export function traceTerm(term: string): string {
  const t = term.trim();
  return (t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t).toLowerCase();
}

function same(value: string | null, term: string): boolean {
  return value !== null && value.length === term.length && value.toLowerCase() === term;
}

/** True when the event is about the message (or address) `term` names. */
export function eventMentions(e: LogEvent, term: string): boolean {
  if (e.queueId !== null && e.queueId.toLowerCase() === term) return true;
  switch (e.kind) {
    case 'message_id':
      return same(traceTerm(e.messageId), term);
    case 'queue_active':
    case 'expired':
    case 'pickup':
      return same(e.from, term);
    case 'delivery':
      return same(e.to, term) || same(e.origTo, term);
    case 'smtpd_check':
    case 'content_check':
      return same(e.envelope.from, term) || same(e.envelope.to, term);
    default:
      return false;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class TraceFinder {
  readonly term: string;
  readonly #prefilter: RegExp;
  readonly #max: number;
  /** Wanted queue IDs, in the order found. */
  readonly wanted = new Set<string>();
  readonly links: TraceLink[] = [];
  truncated = false;

  constructor(term: string, maxMessages = 10_000) {
    this.term = traceTerm(term);
    this.#prefilter = new RegExp(escapeRegExp(this.term), 'i');
    this.#max = maxMessages;
  }

  #want(id: string): void {
    if (this.wanted.has(id)) return;
    if (this.wanted.size >= this.#max) {
      this.truncated = true;
      return;
    }
    this.wanted.add(id);
  }

  #link(from: string, to: string, relation: string, reverse: string): void {
    const a = this.wanted.has(from);
    const b = this.wanted.has(to);
    if (!a && !b) return;
    if (!a) this.#want(from);
    if (!b) this.#want(to);
    if (!this.links.some((l) => l.from === from && l.to === to)) this.links.push({ from, to, relation, reverse });
  }

  see(entry: LogEntry): void {
    const text = entry.frame.text;
    const mentions = this.#prefilter.test(text);
    const linking = text.includes(' notification: ') || text.includes('orig_id=') || text.includes('queued as ');
    if (!mentions && !linking) return;
    const e = entry.event;
    if (mentions && e.queueId !== null && eventMentions(e, this.term)) this.#want(e.queueId);
    if (!linking || e.queueId === null) return;
    if (e.kind === 'notification' && e.newQueueId !== null) {
      const what = `${e.notify} ${e.type} notification`;
      this.#link(e.queueId, e.newQueueId, what, `${what} for`);
    } else if (e.kind === 'pickup' && e.origQueueId !== null) {
      this.#link(e.origQueueId, e.queueId, 'requeued as', 'requeued from');
    } else if (e.kind === 'delivery' && e.nextQueueId !== null) {
      const next = parseLogQueueId(e.nextQueueId);
      if (next !== null) this.#link(e.queueId, next, `relayed to <${e.to}> as`, `copy relayed through this host of`);
    }
  }
}
