/**
 * logscan_scan: the public way to read mail logs: parsed entries from one
 * or more sources read in order (rotated generations oldest first, then the
 * live file; or stdin), through one LogParser so the year of traditional
 * time stamps carries across files. `forEachLogLine` calls a function
 * with one LineView moved from line to line (fastest: what `affix logs
 * summary` uses on 500 MB logs); `forEachLogEntry` calls it with an entry
 * per line and keeps none alive; `scanLogBatches` yields arrays of up to
 * 1024 entries; `scanLog` yields entry by entry.
 *
 *   for await (const { frame, event } of scanLog([{ kind: 'file', path }])) {
 *     if (event.kind === 'delivery' && event.status === 'deferred') ...
 *   }
 *
 * An entry's strings are views of the chunk its line was read in: keep an
 * entry beyond the loop through keptEntry() (logscan_parse.ts).
 *
 * Diagnostics: rejects with the first source's read error (ENOENT ...)
 */
import { stat } from 'node:fs/promises';
import type { LogEntry } from './logscan_event.ts';
import { LineView } from './logscan_line_view.ts';
import { LogParser } from './logscan_parse.ts';
import { type LogSource, readLineBatches, readLineTexts } from './logscan_read.ts';
import { StampClock } from './logscan_time.ts';

export interface ScanOptions {
  /** Year of the first traditional time stamp (default: from the newest file's modification time, else now). */
  readonly year?: number;
  /** Called when a source starts, before its first batch. */
  readonly onSource?: (source: LogSource) => void;
}

/** The newest modification time among the file sources, or undefined (stdin). */
async function reference(sources: readonly LogSource[]): Promise<Date | undefined> {
  let newest: number | undefined;
  for (const s of sources) {
    if (s.kind !== 'file') continue;
    try {
      const m = (await stat(s.path)).mtimeMs;
      if (newest === undefined || m > newest) newest = m;
    } catch {
      // reported when the file is read
    }
  }
  return newest === undefined ? undefined : new Date(newest);
}

/** The clock for the traditional stamps of `sources`: the year given, or from the newest file's modification time. */
async function clockFor(sources: readonly LogSource[], options: ScanOptions): Promise<StampClock> {
  if (options.year !== undefined) return new StampClock(options.year);
  return new StampClock(undefined, await reference(sources));
}

async function parserFor(sources: readonly LogSource[], options: ScanOptions): Promise<LogParser> {
  return new LogParser({ clock: await clockFor(sources, options) });
}

/** Calls `visit` with each parsed line of `sources`, in order; the entry is not kept. */
export async function forEachLogEntry(
  sources: readonly LogSource[],
  visit: (entry: LogEntry) => void,
  options: ScanOptions = {},
): Promise<void> {
  const parser = await parserFor(sources, options);
  for (const source of sources) {
    options.onSource?.(source);
    for await (const lines of readLineBatches(source)) {
      for (const line of lines) if (line !== '') visit(parser.parse(line));
    }
  }
}

/**
 * Calls `visit` with each line of `sources`, in order, as one LineView
 * moved from line to line (logscan_line_view.ts): the fastest way through
 * a large log, as no line is cut from its chunk nor gets an object of its
 * own. The view is valid only during the call: keep strings or events of
 * it, or keptEntry() it.
 */
export async function forEachLogLine(
  sources: readonly LogSource[],
  visit: (view: LineView) => void,
  options: ScanOptions = {},
): Promise<void> {
  const view = new LineView(await clockFor(sources, options));
  for (const source of sources) {
    options.onSource?.(source);
    for await (const { text, bytes } of readLineTexts(source)) {
      view.enter(text, bytes === null ? null : new DataView(bytes.buffer, bytes.byteOffset, bytes.length));
      const length = text.length;
      for (let start = 0; start <= length; ) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = length;
        if (end > start) {
          view.move(start, end);
          visit(view);
        }
        start = end + 1;
      }
    }
  }
}

const BATCH = 1024;

/** Parsed lines of `sources`, in order, in arrays of up to 1024. */
export async function* scanLogBatches(
  sources: readonly LogSource[],
  options: ScanOptions = {},
): AsyncGenerator<LogEntry[]> {
  const parser = await parserFor(sources, options);
  for (const source of sources) {
    options.onSource?.(source);
    for await (const lines of readLineBatches(source)) {
      let batch: LogEntry[] = [];
      for (const line of lines) {
        if (line === '') continue;
        batch.push(parser.parse(line));
        if (batch.length === BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    }
  }
}

/** Parsed lines of `sources`, one at a time. */
export async function* scanLog(sources: readonly LogSource[], options: ScanOptions = {}): AsyncGenerator<LogEntry> {
  for await (const batch of scanLogBatches(sources, options)) yield* batch;
}
