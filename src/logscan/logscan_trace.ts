/**
 * logscan_trace: one message's life from all log lines, for `affix logs
 * trace` and the doctor's test send. Reads the files twice: the first pass
 * (logscan_trace_find.ts) finds the queue IDs of the story, the second
 * collects their lines, and with them the smtpd session around each
 * `client=` line (connect, TLS, the rejects of other recipients,
 * disconnect), which carry no queue ID. Also returns the refusals before
 * queueing (`NOQUEUE: reject: ...`) that name the term. Memory holds only
 * the story's lines and the open smtpd sessions.
 *
 * Diagnostics: rejects with the files' read errors
 */
import { detach } from './logscan_counter.ts';
import type { LogEntry } from './logscan_event.ts';
import { LogParser } from './logscan_parse.ts';
import { splitQueuePrefix } from './logscan_queue_id.ts';
import { readLineBatches } from './logscan_read.ts';
import { eventMentions, TraceFinder, type TraceLink } from './logscan_trace_find.ts';

export interface TracedMessage {
  readonly queueId: string;
  /** The message's lines in log order, its smtpd session's lines included. */
  readonly entries: readonly LogEntry[];
}

export interface TraceResult {
  /** The term as matched (angle brackets dropped, lower case). */
  readonly term: string;
  /** Messages in the order they first appear. */
  readonly messages: readonly TracedMessage[];
  readonly links: readonly TraceLink[];
  /** Refusals before queueing (NOQUEUE) whose sender or recipient is the term. */
  readonly rejects: readonly LogEntry[];
  /** More messages matched than maxMessages; the rest are left out. */
  readonly truncated: boolean;
}

export interface TraceOptions {
  readonly year?: number;
  /** At most this many messages (default 10000: an address can have many). */
  readonly maxMessages?: number;
}

const SESSION_LINES = 40;
/** smtpd sessions and SMTP client processes followed at once (more than run at once on any host). */
const MAX_PROCESSES = 500;

interface Session {
  readonly lines: LogEntry[];
  attached: string | null;
}

/** The smtpd process a line comes from (`postfix/submission/smtpd[12976]`), or null for other programs. */
function sessionKey(entry: LogEntry): string | null {
  const f = entry.frame;
  return f.program === 'smtpd' && f.pid !== null ? `${f.tag}[${f.pid}]` : null;
}

/** The SMTP/LMTP client process a line comes from: its `connect to` and TLS lines precede the delivery line. */
function clientKey(entry: LogEntry): string | null {
  const f = entry.frame;
  return (f.program === 'smtp' || f.program === 'lmtp') && f.pid !== null ? `${f.tag}[${f.pid}]` : null;
}

/** The queue ID a line's text starts with (after any severity prefix), `NOQUEUE`, or ''. */
function leadingId(text: string): string {
  const prefix = splitQueuePrefix(text);
  return prefix === undefined ? '' : (prefix.queueId ?? 'NOQUEUE');
}

class TraceCollector {
  readonly #wanted: ReadonlySet<string>;
  readonly #term: string;
  readonly #prefilter: RegExp;
  readonly #messages = new Map<string, LogEntry[]>();
  /** Line number of each message's first kept line: the order of the result. */
  readonly #first = new Map<string, number>();
  #lineNo = 0;
  readonly #sessions = new Map<string, Session>();
  /** Per SMTP client process, its lines without a queue ID since its last delivery line. */
  readonly #attempts = new Map<string, LogEntry[]>();
  readonly rejects: LogEntry[] = [];

  constructor(wanted: ReadonlySet<string>, term: string) {
    this.#wanted = wanted;
    this.#term = term;
    this.#prefilter = new RegExp(term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  }

  #append(id: string, entry: LogEntry): void {
    let list = this.#messages.get(id);
    if (list === undefined) {
      list = [];
      this.#messages.set(id, list);
      this.#first.set(id, this.#lineNo);
    }
    list.push(entry);
  }

  /** `keep` re-parses the line from its own copy, so a kept entry holds no read buffer. */
  see(entry: LogEntry, keep: () => LogEntry): void {
    this.#lineNo++;
    const text = entry.frame.text;
    const id = leadingId(text);
    const client = clientKey(entry);
    if (client !== null) {
      this.#attempt(client, id, keep);
      return;
    }
    const key = sessionKey(entry);
    if (key !== null && text.startsWith('connect from ')) {
      if (this.#sessions.size >= MAX_PROCESSES) this.#sessions.delete(this.#sessions.keys().next().value!);
      this.#sessions.set(key, { lines: [keep()], attached: null });
      return;
    }
    const session = key === null ? undefined : this.#sessions.get(key);
    if (id !== '' && this.#wanted.has(id)) {
      const kept = keep();
      if (session !== undefined && session.attached !== id) {
        for (const l of session.lines) this.#append(id, l);
        session.lines.length = 0;
        session.attached = id;
      }
      this.#append(id, kept);
      return;
    }
    if (id === 'NOQUEUE' && this.#prefilter.test(text) && eventMentions(entry.event, this.#term)) {
      this.rejects.push(keep());
    }
    if (session === undefined || (id !== '' && id !== 'NOQUEUE')) return;
    if (text.startsWith('disconnect from ')) this.#sessions.delete(key!);
    if (session.attached !== null) {
      this.#append(session.attached, keep());
    } else if (session.lines.length < SESSION_LINES) {
      session.lines.push(keep());
    }
  }

  /** An SMTP client line: kept until the delivery line it leads to, then given to that message if wanted. */
  #attempt(client: string, id: string, keep: () => LogEntry): void {
    if (id === '' || id === 'NOQUEUE') {
      let lines = this.#attempts.get(client);
      if (lines === undefined) {
        // processes that ended without a delivery line leave theirs: keep the newest few hundred
        if (this.#attempts.size >= MAX_PROCESSES) this.#attempts.delete(this.#attempts.keys().next().value!);
        lines = [];
        this.#attempts.set(client, lines);
      }
      if (lines.length < SESSION_LINES) lines.push(keep());
      return;
    }
    const before = this.#attempts.get(client);
    this.#attempts.delete(client);
    if (!this.#wanted.has(id)) return;
    for (const l of before ?? []) this.#append(id, l);
    this.#append(id, keep());
  }

  messages(order: Iterable<string>): TracedMessage[] {
    const out: TracedMessage[] = [];
    for (const id of order) {
      const entries = this.#messages.get(id);
      if (entries !== undefined) out.push({ queueId: id, entries });
    }
    out.sort((a, b) => this.#first.get(a.queueId)! - this.#first.get(b.queueId)!);
    return out;
  }
}

async function readAll(files: readonly string[], options: TraceOptions, see: (p: LogParser, line: string) => void) {
  const parser = new LogParser(options.year === undefined ? {} : { year: options.year });
  for (const path of files) {
    for await (const lines of readLineBatches({ kind: 'file', path })) {
      for (const line of lines) if (line !== '') see(parser, line);
    }
  }
}

/** The story of `term` (queue ID, Message-ID or address) in `files`, read in that order. */
export async function traceMessages(
  files: readonly string[],
  term: string,
  options: TraceOptions = {},
): Promise<TraceResult> {
  const finder = new TraceFinder(term, options.maxMessages);
  await readAll(files, options, (p, line) => finder.see(p.parse(line)));
  const collector = new TraceCollector(finder.wanted, finder.term);
  await readAll(files, options, (p, line) => {
    collector.see(p.parse(line), () => p.parse(detach(line)));
  });
  const messages = collector.messages(finder.wanted);
  const present = new Set(messages.map((m) => m.queueId));
  return {
    term: finder.term,
    messages,
    links: finder.links.filter((l) => present.has(l.from) && present.has(l.to)),
    rejects: collector.rejects,
    truncated: finder.truncated,
  };
}
