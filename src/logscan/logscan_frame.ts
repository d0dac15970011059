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
 * allocates nothing itself: it leaves offsets in its own fields, and tags
 * are interned (a log has a dozen, each line's tag is the same string
 * object as the last one's, with its program name worked out once).
 *
 * See: ../shared/reference/postfix-compat.md section 4.1, postfix/src/util/msg.c
 */
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

/** The frame of the last line scanned, as offsets and interned strings. */
export class FrameScanner {
  readonly #clock: StampClock;
  /** Interned tags with their program names, the last used first. */
  readonly #tags: { readonly tag: string; readonly program: string }[] = [];
  stampFormat: StampFormat = 'none';
  time = Number.NaN;
  /** End of the stamp; 0 without one. */
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

  /** The stamp at the start of `line`; false when it has none. */
  #stamp(line: string): boolean {
    if (isDigit(line.charCodeAt(0)) && line.charCodeAt(4) === 45 /* - */ && line.charCodeAt(10) === 84 /* T */) {
      const end = line.indexOf(' ', 19);
      if (end < 0) return false;
      this.time = this.#clock.iso(line, end);
      if (Number.isNaN(this.time)) return false;
      this.stampEnd = end;
      const zoned = line.charCodeAt(end - 1) === 90 /* Z */ || line.charCodeAt(end - 3) === 58; /* : */
      this.stampFormat = zoned ? 'rfc3339' : 'iso8601';
      return true;
    }
    if (
      line.length > 16 &&
      line.charCodeAt(3) === 32 &&
      line.charCodeAt(6) === 32 &&
      line.charCodeAt(9) === 58 &&
      line.charCodeAt(12) === 58
    ) {
      let end = 15;
      if (line.charCodeAt(15) === 46 /* . fractional seconds: journalctl -o short-precise */) {
        end = line.indexOf(' ', 15);
        if (end < 0) return false;
      } else if (line.charCodeAt(15) !== 32) {
        return false;
      }
      this.time = this.#clock.traditional(line, end);
      if (Number.isNaN(this.time)) return false;
      this.stampEnd = end;
      this.stampFormat = line.charCodeAt(4) === 48 /* 0 */ ? 'postlogd' : 'rfc3164';
      return true;
    }
    return false;
  }

  /** The tag `line` has from `pos` to `end`, as the same string as last time, and its program. */
  #intern(line: string, pos: number, end: number): { readonly tag: string; readonly program: string } {
    const len = end - pos;
    const tags = this.#tags;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i]!;
      if (t.tag.length === len && line.startsWith(t.tag, pos)) {
        if (i > 0) {
          tags[i] = tags[0]!;
          tags[0] = t;
        }
        return t;
      }
    }
    const tag = `${line.slice(pos, end)} `.slice(0, -1); // a copy: the line goes, the tag stays
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

  /** Scans one line (without its newline) into this scanner's fields. */
  scan(line: string): void {
    this.stampFormat = 'none';
    this.time = Number.NaN;
    this.stampEnd = 0;
    this.hostEnd = 0;
    let pos = 0;
    if (this.#stamp(line)) {
      const sp = line.indexOf(' ', this.stampEnd + 1);
      this.hostEnd = this.stampEnd;
      if (sp < 0) {
        this.#bare(Math.min(this.stampEnd + 1, line.length));
        return;
      }
      this.hostEnd = sp;
      pos = sp + 1;
    }
    // tag[pid]: text  or  tag: text. A tag has no space: the first space
    // after it must follow its colon (one scan finds both), else the line has no tag.
    const space = line.indexOf(' ', pos);
    if (space >= 0 && line.charCodeAt(space - 1) !== 58 /* : */) {
      this.#bare(pos);
      return;
    }
    const tagEnd = space >= 0 ? space - 1 : line.endsWith(':') ? line.length - 1 : -1;
    if (tagEnd <= pos) {
      this.#bare(pos);
      return;
    }
    let pid: number | null = null;
    let nameEnd = tagEnd;
    // pid: read in place, no substring
    if (line.charCodeAt(tagEnd - 1) === 93 /* ] */) {
      const open = line.lastIndexOf('[', tagEnd);
      if (open <= pos) {
        this.#bare(pos);
        return;
      }
      pid = digits(line, open + 1, tagEnd - 1);
      if (pid < 0) {
        this.#bare(pos);
        return;
      }
      nameEnd = open;
    }
    const interned = this.#intern(line, pos, nameEnd);
    this.tag = interned.tag;
    this.program = interned.program;
    this.pid = pid;
    let textStart = Math.min(tagEnd + 2, line.length);
    if (line.startsWith('[ID ', textStart)) {
      const close = line.indexOf('] ', textStart);
      if (close > 0) textStart = close + 2;
    }
    this.severity = 'info';
    const c = line.charCodeAt(textStart);
    // w, e, f, p: only then can a severity prefix follow
    if (c === 119 || c === 101 || c === 102 || c === 112) {
      for (const [prefix, s] of SEVERITY_PREFIXES) {
        if (line.startsWith(prefix, textStart)) {
          this.severity = s;
          textStart += prefix.length;
          break;
        }
      }
    }
    this.textStart = textStart;
  }
}
