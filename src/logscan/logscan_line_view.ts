/**
 * logscan_line_view: a LogEntry over a line where it lies, inside a chunk
 * of lines (logscan_read.ts readLineTexts), for a reader that visits every
 * line of a large log and keeps none (`affix logs summary`). One view
 * serves every line: `enter` gives it a chunk, `move` frames each line
 * (from its bytes when it repeats the lines before,
 * logscan_frame_shortcut.ts) and cuts no string; the text, the whole line,
 * stamp, host and event are made when asked, and a reader that can look at
 * the text in place (`chunk` from `textStart` to `end`) need not ask. A
 * visitor that keeps something of a line keeps strings or events, never
 * the view (keptEntry() copies it).
 *
 * See: logscan_parse.ts (Line: the same entry, one object per line)
 */
import type { LogEntry, LogEvent, LogFrame } from './logscan_event.ts';
import { FrameScanner } from './logscan_frame.ts';
import { FrameShortcut } from './logscan_frame_shortcut.ts';
import { parseEvent } from './logscan_parse.ts';

export class LineView extends FrameScanner implements LogFrame, LogEntry {
  /** The chunk of lines the view is in (the frame's offsets are into it). */
  chunk = '';
  #text: string | undefined;
  #line: string | undefined;
  #event: LogEvent | undefined;
  #bytes: DataView | null = null;
  readonly #shortcut = new FrameShortcut();

  /** Enters a chunk of lines: its text, and its bytes when each character is one (frames are then read from them). */
  enter(chunk: string, bytes: DataView | null): void {
    this.chunk = chunk;
    this.#bytes = bytes;
  }

  /** Moves the view to the line the chunk has from `start` to `end` (the newline, or the chunk's end). */
  move(start: number, end: number): void {
    const bytes = this.#bytes;
    const chunk = this.chunk;
    if (bytes === null) {
      this.scan(chunk, start, end);
    } else if (!this.#shortcut.scan(chunk, bytes, start, end, this)) {
      this.scan(chunk, start, end);
      this.#shortcut.learn(bytes, this);
    }
    if (this.#text !== undefined) this.#text = undefined;
    if (this.#line !== undefined) this.#line = undefined;
    if (this.#event !== undefined) this.#event = undefined;
  }

  get text(): string {
    this.#text ??= this.chunk.slice(this.textStart, this.end);
    return this.#text;
  }

  get line(): string {
    this.#line ??= this.chunk.slice(this.start, this.end);
    return this.#line;
  }

  get stamp(): string {
    return this.chunk.slice(this.start, this.stampEnd);
  }

  get host(): string {
    return this.hostEnd <= this.stampEnd ? '' : this.chunk.slice(this.stampEnd + 1, this.hostEnd);
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
