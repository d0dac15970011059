/**
 * logscan_frame: finds the frame of a mail log line: time stamp, host,
 * syslog tag, pid, severity and where the text starts. Understands the
 * writers Postfix logs through: rsyslog's traditional format (`Nov  1
 * 09:05:17 vm postfix/smtpd[1]: text`), rsyslog's RFC 3339 format,
 * postlogd's maillog_file (`Nov 01 ...`, host = first label of myhostname),
 * journalctl's short, short-precise and short-iso output, and a command's
 * stderr (`postsuper: text`). Solaris' `[ID nnn facility.level]` insert is
 * skipped, as pflogsumm does.
 *
 * Speed matters (a 500 MB log has millions of lines), so the scanner
 * allocates nothing itself: it leaves offsets in its own fields (a line is
 * read where it lies, alone or inside a chunk of lines), and tags are
 * interned (a log has a dozen, each line's tag is the same string object
 * as the last one's, with its program name worked out once). Lines that
 * repeat a stamp and tag are framed faster from their bytes
 * (logscan_frame_shortcut.ts), by these same rules.
 *
 * See: ../shared/reference/postfix-compat.md section 4.1, postfix/src/util/msg.c
 */

import { detach } from './logscan_counter.ts';
import type { Severity, StampFormat } from './logscan_event.ts';
import type { StampClock } from './logscan_time.ts';

const SEVERITY_PREFIXES: readonly (readonly [string, Severity])[] = [
  ['warning: ', 'warning'],
  ['error: ', 'error'],
  ['fatal: ', 'fatal'],
  ['panic: ', 'panic'],
];

/** Interned tags kept per scanner: more than any log has. */
const MAX_TAGS = 64;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The decimal number `line` has from `start` to `end`, -1 when empty or not all digits. */
function digits(line: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/**
 * True when `text` has `tag` at `pos`. Compared from the end, where tags
 * differ (`postfix/smtpd`, `postfix/local`): most candidates fail at once.
 */
function sameTag(text: string, pos: number, tag: string): boolean {
  for (let i = tag.length - 1; i >= 0; i--) if (text.charCodeAt(pos + i) !== tag.charCodeAt(i)) return false;
  return true;
}

/**
 * Where the `[` of `name[pid]` is, the `]` being at `close`, read
 * backwards: -1 unless the brackets hold 1 to 15 digits and the `[` comes
 * after `pos`.
 */
function pidOpen(text: string, pos: number, close: number): number {
  let i = close - 1;
  while (i > pos && isDigit(text.charCodeAt(i))) i--;
  const count = close - 1 - i;
  return i <= pos || text.charCodeAt(i) !== 91 /* [ */ || count === 0 || count > 15 ? -1 : i;
}

/**
 * The frame of the last line scanned, as offsets and interned strings. A
 * line is scanned where it lies: alone in its own string, or inside a
 * chunk of lines (from `start` to `end`, the character at `end` being the
 * newline or the chunk's end), so a reader of whole chunks cuts no line.
 * The offsets are into the text scanned.
 */
export class FrameScanner {
  readonly #clock: StampClock;
  /** Interned tags with their program names, the last used first. */
  readonly #tags: { readonly tag: string; readonly program: string }[] = [];
  stampFormat: StampFormat = 'none';
  time = Number.NaN;
  /** Where the line starts and ends. */
  start = 0;
  end = 0;
  /** End of the stamp; `start` without one. */
  stampEnd = 0;
  /** End of the host field; equal to stampEnd without one. */
  hostEnd = 0;
  /** The interned tag, '' when the line has none. */
  tag = '';
  program = '';
  pid: number | null = null;
  severity: Severity = 'info';
  /** Where the text starts (after the tag, pid and severity prefix). */
  textStart = 0;

  constructor(clock: StampClock) {
    this.#clock = clock;
  }

  /**
   * Reads the stamp of the line `text` has from `start` to `end` into
   * stampFormat, time and stampEnd; false when the line has none (the
   * fields are then to be ignored).
   */
  stampAt(text: string, start: number, end: number): boolean {
    const c0 = text.charCodeAt(start);
    if (isDigit(c0) && text.charCodeAt(start + 4) === 45 /* - */ && text.charCodeAt(start + 10) === 84 /* T */) {
      const stampEnd = text.indexOf(' ', start + 19);
      if (stampEnd < 0 || stampEnd >= end) return false;
      this.time = this.#clock.iso(text, start, stampEnd);
      if (Number.isNaN(this.time)) return false;
      this.stampEnd = stampEnd;
      const zoned = text.charCodeAt(stampEnd - 1) === 90 /* Z */ || text.charCodeAt(stampEnd - 3) === 58; /* : */
      this.stampFormat = zoned ? 'rfc3339' : 'iso8601';
      return true;
    }
    if (
      end - start > 16 &&
      text.charCodeAt(start + 3) === 32 &&
      text.charCodeAt(start + 6) === 32 &&
      text.charCodeAt(start + 9) === 58 &&
      text.charCodeAt(start + 12) === 58
    ) {
      let stampEnd = start + 15;
      const c = text.charCodeAt(stampEnd);
      if (c === 46 /* . fractional seconds: journalctl -o short-precise */) {
        stampEnd = text.indexOf(' ', stampEnd);
        if (stampEnd < 0 || stampEnd >= end) return false;
      } else if (c !== 32) {
        return false;
      }
      this.time = this.#clock.traditional(text, start, stampEnd);
      if (Number.isNaN(this.time)) return false;
      this.stampEnd = stampEnd;
      this.stampFormat = text.charCodeAt(start + 4) === 48 /* 0 */ ? 'postlogd' : 'rfc3164';
      return true;
    }
    return false;
  }

  /** The tag `text` has from `pos` to `end`, as the same string as last time, and its program. */
  #intern(text: string, pos: number, end: number): { readonly tag: string; readonly program: string } {
    const len = end - pos;
    const tags = this.#tags;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i]!;
      if (t.tag.length === len && sameTag(text, pos, t.tag)) {
        if (i > 0) {
          tags[i] = tags[0]!;
          tags[0] = t;
        }
        return t;
      }
    }
    const tag = detach(text.slice(pos, end)); // a copy: the line goes, the tag stays
    const slash = tag.lastIndexOf('/');
    const entry = { tag, program: slash < 0 ? tag : tag.slice(slash + 1) };
    if (tags.length >= MAX_TAGS) tags.pop();
    tags.unshift(entry);
    return entry;
  }

  #bare(textStart: number): void {
    this.tag = '';
    this.program = '';
    this.pid = null;
    this.severity = 'info';
    this.textStart = textStart;
  }

  /**
   * Scans one line into this scanner's fields: `text` from `start` to `end`
   * (default: all of `text`, a line without its newline).
   */
  scan(text: string, start = 0, end = text.length): void {
    this.start = start;
    this.end = end;
    this.stampFormat = 'none';
    this.time = Number.NaN;
    this.stampEnd = start;
    this.hostEnd = start;
    let pos = start;
    if (this.stampAt(text, start, end)) {
      const sp = text.indexOf(' ', this.stampEnd + 1);
      this.hostEnd = this.stampEnd;
      if (sp < 0 || sp >= end) {
        this.#bare(Math.min(this.stampEnd + 1, end));
        return;
      }
      this.hostEnd = sp;
      pos = sp + 1;
    }
    // tag[pid]: text  or  tag: text. A tag has no space: the first space
    // after it must follow its colon (one scan finds both), else the line has no tag.
    let space = text.indexOf(' ', pos);
    if (space >= end) space = -1;
    if (space >= 0 && text.charCodeAt(space - 1) !== 58 /* : */) {
      this.#bare(pos);
      return;
    }
    const tagEnd = space >= 0 ? space - 1 : end > start && text.charCodeAt(end - 1) === 58 ? end - 1 : -1;
    if (tagEnd <= pos) {
      this.#bare(pos);
      return;
    }
    let pid: number | null = null;
    let nameEnd = tagEnd;
    // pid: read in place, no substring
    if (text.charCodeAt(tagEnd - 1) === 93 /* ] */) {
      const open = pidOpen(text, pos, tagEnd - 1);
      if (open < 0) {
        this.#bare(pos);
        return;
      }
      pid = digits(text, open + 1, tagEnd - 1);
      nameEnd = open;
    }
    const interned = this.#intern(text, pos, nameEnd);
    this.tag = interned.tag;
    this.program = interned.program;
    this.pid = pid;
    let textStart = Math.min(tagEnd + 2, end);
    if (text.charCodeAt(textStart) === 91 /* [ */ && text.startsWith('[ID ', textStart)) {
      const close = text.indexOf('] ', textStart);
      if (close > 0 && close < end) textStart = close + 2;
    }
    this.severity = 'info';
    const c = text.charCodeAt(textStart);
    // w, e, f, p: only then can a severity prefix follow
    if (c === 119 || c === 101 || c === 102 || c === 112) {
      for (const [prefix, s] of SEVERITY_PREFIXES) {
        if (text.startsWith(prefix, textStart)) {
          this.severity = s;
          textStart += prefix.length;
          break;
        }
      }
    }
    this.textStart = textStart;
  }
}
