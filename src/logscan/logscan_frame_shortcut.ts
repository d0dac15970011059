/**
 * logscan_frame_shortcut: the frame of a line that repeats the stamp, host
 * and tag of lines before it, read from the line's bytes four at a time.
 * Most lines of a log do (a second holds many lines, a log has one host and
 * a dozen tags), and comparing words costs a tenth of comparing characters
 * of a string. The shortcut takes a line only when its bytes are those of a
 * line FrameScanner framed before (a traditional stamp, `host tag[pid]: `,
 * no severity prefix), so the frame is the one FrameScanner would find;
 * any other line is left to FrameScanner, and what it found is learned.
 *
 * See: logscan_frame.ts (the rules), logscan_line_view.ts (its user)
 */
import type { FrameScanner } from './logscan_frame.ts';

/** `host tag[` prefixes kept: a log has a few hosts and a dozen tags. */
const MAX_PREFIXES = 32;

/** A `host tag[` run of bytes seen before, with the tag FrameScanner interned for it. */
interface Prefix {
  readonly bytes: Uint8Array;
  /** The bytes as words from the start, then the last four bytes as a word (the tag's end: the quick test). */
  readonly words: Uint32Array;
  readonly last: number;
  readonly hostLength: number;
  readonly tag: string;
  readonly program: string;
}

/** True for the first byte of a severity prefix (`warning: `, `error: `, `fatal: `, `panic: `) or `[ID `. */
function maybePrefixed(c: number): boolean {
  return c === 119 || c === 101 || c === 102 || c === 112 || c === 91;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export class FrameShortcut {
  /** The last traditional stamp FrameScanner read, with its space: 16 bytes as 4 words; `stamped` false when none. */
  readonly #stamp = new Uint32Array(4);
  #stamped = false;
  #time = Number.NaN;
  #format: 'rfc3164' | 'postlogd' = 'rfc3164';
  /** Recent prefixes, the last used first. */
  readonly #prefixes: Prefix[] = [];

  /**
   * Frames the line `text` (whose `bytes` these are) has from `start` to
   * `end` into `frame` when it has a traditional stamp and a learned prefix,
   * and returns true; false for any other line, whose frame is then
   * FrameScanner's to find. A stamp not seen before is read by FrameScanner.
   */
  scan(text: string, bytes: DataView, start: number, end: number, frame: FrameScanner): boolean {
    if (end - start < 24) return false;
    const s = this.#stamp;
    if (
      !this.#stamped ||
      bytes.getUint32(start + 12, true) !== s[3]! ||
      bytes.getUint32(start + 8, true) !== s[2]! ||
      bytes.getUint32(start + 4, true) !== s[1]! ||
      bytes.getUint32(start, true) !== s[0]!
    ) {
      // a new second: read by FrameScanner's own rules, and kept for the lines after it
      if (!frame.stampAt(text, start, end)) return false;
      this.#learnStamp(bytes, frame, start);
      if (!this.#stamped) return false;
    }
    const at = start + 16;
    const prefix = this.#prefix(bytes, at, end);
    if (prefix === undefined) return false;
    // pid: 1 to 15 digits, then `]: `
    let i = at + prefix.bytes.length;
    let pid = 0;
    const digits = i;
    for (; i < end; i++) {
      const c = bytes.getUint8(i);
      if (!isDigit(c)) break;
      pid = pid * 10 + (c - 48);
    }
    const count = i - digits;
    if (count === 0 || count > 15 || end - i < 4) return false;
    if (bytes.getUint8(i) !== 93 || bytes.getUint8(i + 1) !== 58 || bytes.getUint8(i + 2) !== 32) return false;
    const textStart = i + 3;
    if (maybePrefixed(bytes.getUint8(textStart))) return false;
    frame.start = start;
    frame.end = end;
    frame.stampFormat = this.#format;
    frame.time = this.#time;
    frame.stampEnd = start + 15;
    frame.hostEnd = at + prefix.hostLength;
    frame.tag = prefix.tag;
    frame.program = prefix.program;
    frame.pid = pid;
    frame.severity = 'info';
    frame.textStart = textStart;
    return true;
  }

  /** Takes the stamp FrameScanner just read at `start` when it is a traditional one, with its space (16 bytes). */
  #learnStamp(bytes: DataView, frame: FrameScanner, start: number): void {
    const format = frame.stampFormat;
    this.#stamped = (format === 'rfc3164' || format === 'postlogd') && frame.stampEnd === start + 15;
    if (!this.#stamped) return;
    for (let w = 0; w < 4; w++) this.#stamp[w] = bytes.getUint32(start + w * 4, true);
    this.#time = frame.time;
    this.#format = format as 'rfc3164' | 'postlogd';
  }

  /** The learned prefix the bytes at `at` start with (moved to the front), or undefined. */
  #prefix(bytes: DataView, at: number, end: number): Prefix | undefined {
    const prefixes = this.#prefixes;
    for (let n = 0; n < prefixes.length; n++) {
      const p = prefixes[n]!;
      const length = p.bytes.length;
      if (end - at <= length || bytes.getUint32(at + length - 4, true) !== p.last) continue;
      const words = p.words;
      let same = true;
      for (let w = 0; w < words.length; w++) {
        if (bytes.getUint32(at + w * 4, true) !== words[w]!) {
          same = false;
          break;
        }
      }
      if (!same) continue;
      if (n > 0) {
        prefixes[n] = prefixes[0]!;
        prefixes[0] = p;
      }
      return p;
    }
    return undefined;
  }

  /**
   * Learns from the line `bytes` has at `frame.start`, just framed by
   * FrameScanner: its stamp when traditional (else no stamp is taken for
   * the next lines), and its `host tag[` when it has both and a pid.
   */
  learn(bytes: DataView, frame: FrameScanner): void {
    const start = frame.start;
    this.#learnStamp(bytes, frame, start);
    if (!this.#stamped) return;
    const at = start + 16;
    const hostLength = frame.hostEnd - at;
    const tagEnd = frame.hostEnd + 1 + frame.tag.length;
    if (hostLength <= 0 || frame.pid === null || frame.tag === '' || bytes.getUint8(tagEnd) !== 91) return;
    const length = tagEnd + 1 - at;
    if (length < 4 || this.#prefix(bytes, at, frame.end) !== undefined) return;
    const copy = new Uint8Array(length);
    for (let i = 0; i < length; i++) copy[i] = bytes.getUint8(at + i);
    const words = new Uint32Array(length >> 2);
    const view = new DataView(copy.buffer);
    for (let w = 0; w < words.length; w++) words[w] = view.getUint32(w * 4, true);
    const prefix = {
      bytes: copy,
      words,
      last: view.getUint32(length - 4, true),
      hostLength,
      tag: frame.tag,
      program: frame.program,
    };
    if (this.#prefixes.length >= MAX_PREFIXES) this.#prefixes.pop();
    this.#prefixes.unshift(prefix);
  }
}
