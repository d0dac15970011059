/**
 * logscan_parse: one mail log line to a LogEntry. The frame comes first;
 * then the text is read by what it starts with (a queue ID or NOQUEUE, then
 * `to=<`, `client=`, `from=<` ...; without one, `connect from`, TLS, ...),
 * which keeps the common lines to a few string comparisons. Lines with a
 * severity prefix are diagnostics, kept whole for the doctor; anything not
 * recognised is `other`, with its text in the frame. The event is made
 * when first asked for, so a reader that needs only some lines pays for those.
 *
 * See: ../shared/reference/postfix-compat.md section 4
 */
import { parseContentCheck, parseMessageId } from './logscan_cleanup.ts';
import { parseConnectFailure, parseDaemon, parsePostscreen, parseTls } from './logscan_daemon.ts';
import { parseDelivery } from './logscan_delivery.ts';
import type { LogEntry, LogEvent, LogFrame, Severity, StampFormat } from './logscan_event.ts';
import { FrameScanner } from './logscan_frame.ts';
import {
  parseMessageStatus,
  parseNotification,
  parsePickup,
  parsePostsuper,
  parseQmgrFrom,
  parseRemoved,
} from './logscan_queue.ts';
import { type LogQueueId, splitQueuePrefix } from './logscan_queue_id.ts';
import { parseClient, parseConnect, parseDisconnect, parseLostConnection, parseSmtpdCheck } from './logscan_smtpd.ts';
import { StampClock } from './logscan_time.ts';

function other(queueId: LogQueueId | null): LogEvent {
  return { kind: 'other', queueId };
}

/** The event of a line whose text starts with `ID: ` (queueId set) or `NOQUEUE: ` (null). */
function queueEvent(frame: LogFrame, queueId: LogQueueId | null, rest: string): LogEvent {
  if (queueId === null) {
    return parseSmtpdCheck(null, rest) ?? parseLostConnection(null, rest) ?? other(null);
  }
  let event: LogEvent | null = null;
  switch (rest.charCodeAt(0)) {
    case 116: // t
      event = rest.startsWith('to=<') ? parseDelivery(queueId, rest) : parseLostConnection(queueId, rest);
      break;
    case 99: // c
      if (rest.startsWith('client=')) event = parseClient(queueId, rest);
      break;
    case 102: // f
      event = rest.startsWith('from=<') ? parseQmgrFrom(queueId, rest) : null;
      break;
    case 109: // m
      event = parseMessageId(queueId, rest);
      break;
    case 114: // r
      event = parseRemoved(queueId, rest) ?? parseMessageId(queueId, rest);
      break;
    case 117: // u
      event = parsePickup(queueId, rest);
      break;
    case 115: // s
      event = parseMessageStatus(queueId, rest) ?? parseNotification(queueId, rest) ?? parsePickup(queueId, rest);
      break;
    case 112: // p
      event = parseNotification(queueId, rest);
      break;
    case 108: // l
      event = parseLostConnection(queueId, rest);
      break;
  }
  if (event === null && frame.program === 'postsuper') event = parsePostsuper(queueId, rest);
  if (event === null) {
    event = frame.program === 'cleanup' ? parseContentCheck(queueId, rest) : parseSmtpdCheck(queueId, rest);
  }
  return event ?? other(queueId);
}

/** The event of a line without a queue ID. */
function plainEvent(frame: LogFrame): LogEvent {
  const text = frame.text;
  const program = frame.program;
  const event =
    parseConnect(text) ??
    parseDisconnect(text) ??
    parseTls(text) ??
    parseLostConnection(null, text) ??
    parseConnectFailure(text) ??
    (program === 'postscreen' ? parsePostscreen(text) : null) ??
    (program === 'postsuper' ? parsePostsuper(null, text) : null) ??
    parseDaemon(program, text);
  return event ?? other(null);
}

/** The event a framed line reports. */
export function parseEvent(frame: LogFrame): LogEvent {
  if (frame.tag === '') return other(null);
  const prefix = splitQueuePrefix(frame.text);
  if (frame.severity !== 'info') return { kind: 'diagnostic', queueId: prefix?.queueId ?? null };
  if (prefix !== undefined) return queueEvent(frame, prefix.queueId, prefix.rest);
  return plainEvent(frame);
}

/**
 * A parsed line: its frame and its entry at once (one object per line; a
 * 500 MB log has millions). The stamp, host and Date are cut from the line
 * when asked, and the event is read from the text on first use: a summary
 * skips most of them.
 */
class Line implements LogFrame, LogEntry {
  readonly line: string;
  readonly stampFormat: StampFormat;
  readonly time: number;
  readonly tag: string;
  readonly program: string;
  readonly pid: number | null;
  readonly severity: Severity;
  readonly text: string;
  readonly #stampEnd: number;
  readonly #hostEnd: number;
  #event: LogEvent | undefined;

  constructor(line: string, s: FrameScanner) {
    this.line = line;
    this.stampFormat = s.stampFormat;
    this.time = s.time;
    this.tag = s.tag;
    this.program = s.program;
    this.pid = s.pid;
    this.severity = s.severity;
    this.text = s.textStart === 0 ? line : line.slice(s.textStart);
    this.#stampEnd = s.stampEnd;
    this.#hostEnd = s.hostEnd;
  }

  get stamp(): string {
    return this.line.slice(0, this.#stampEnd);
  }

  get host(): string {
    return this.#hostEnd <= this.#stampEnd ? '' : this.line.slice(this.#stampEnd + 1, this.#hostEnd);
  }

  get date(): Date {
    return new Date(this.time);
  }

  get syslogName(): string {
    const slash = this.tag.lastIndexOf('/');
    return slash < 0 ? '' : this.tag.slice(0, slash);
  }

  get frame(): LogFrame {
    return this;
  }

  get event(): LogEvent {
    this.#event ??= parseEvent(this);
    return this.#event;
  }
}

export interface LogParserOptions {
  /** Year of the first traditional (`Nov 29 09:05:17`) time stamp; default: this year, or last year for a later month. */
  readonly year?: number;
  /** When the log was last written (its file's modification time), for the year of traditional stamps. */
  readonly reference?: Date;
  /** The clock to use (year and reference then unused): one clock shared with another reader of the same log. */
  readonly clock?: StampClock;
}

/**
 * Parses the lines of one log in order. It keeps only the clock (cached
 * stamp, year across a December-January wrap) and the dozen tags the log
 * uses, so memory stays constant.
 */
export class LogParser {
  readonly #scanner: FrameScanner;

  constructor(options: LogParserOptions = {}) {
    this.#scanner = new FrameScanner(options.clock ?? new StampClock(options.year, options.reference));
  }

  /** The entry for one line, without its newline. */
  parse(line: string): LogEntry {
    this.#scanner.scan(line);
    return new Line(line, this.#scanner);
  }
}

/**
 * A copy of `entry` that holds only its own line. An entry's strings are
 * views of the 64 KiB chunk its line was read in; an entry kept for long
 * (a doctor's evidence) should be kept through this, or it keeps the chunk.
 */
export function keptEntry(entry: LogEntry): LogEntry {
  const f = entry.frame;
  const year = Number.isNaN(f.time) ? undefined : new Date(f.time).getFullYear();
  return new LogParser(year === undefined ? {} : { year }).parse(`${f.line} `.slice(0, -1));
}
