/**
 * logscan_summary_lines: the summary's common lines read in place, without
 * making their LogEvent: qmgr's `ID: from=<s>, size=N` and `ID: removed`,
 * and the delivery status line `ID: to=<r>, relay=..., delay=D, ...,
 * status=S (text)`. Together they are half of a mail log, and reading them
 * here costs a few comparisons and one string (the address or the ID) where
 * the full parse makes a dozen strings and objects. Each reader accepts
 * exactly the lines the full parser reads the same way (logscan_queue_id.ts
 * splitQueuePrefix, logscan_queue.ts parseQmgrFrom and parseRemoved,
 * logscan_delivery.ts readFields, and pflogsumm's field order), and
 * answers "not this line" for anything else, so the summary then takes the
 * full parse and counts exactly as before. Also the word that opens a
 * text (a queue ID, smtpd's `ID: client=`), and pflogsumm's action words
 * (`reject: ` where it expects a queue ID, smtpd's `ID: hold: `).
 *
 * Each reader takes the text where it lies, from `start` to `end`: a line's
 * own text (0 to its length), or a line inside a chunk of lines (the
 * character at `end` is then the newline), so the summary cuts no string
 * of a line it only looks at. What ends a line is tested against `end`; a
 * pattern without a newline cannot match across it.
 *
 * See: logscan_summary.ts, /usr/sbin/pflogsumm (the `to=<...>, relay=` regex)
 */
import { parseLogQueueId } from './logscan_queue_id.ts';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The word (`\w+`) that opens a text, read once for what may follow it: a
 * queue ID and `: ` (splitQueuePrefix's IDs), smtpd's `ID: client=` and
 * `NOQUEUE: reject: `, which all need `: ` right after the word.
 */
export class OpeningWord {
  /** Where the text starts and where its word ends (`start` when it opens with none). */
  start = 0;
  end = 0;
  /** The word is upper-case hex, and has no `_`. */
  #hex = true;
  #plain = true;

  read(text: string, start: number): void {
    let hex = true;
    let plain = true;
    let i = start;
    for (; ; i++) {
      const c = text.charCodeAt(i);
      if (isDigit(c) || (c >= 65 && c <= 70)) continue;
      if ((c >= 71 && c <= 90) || (c >= 97 && c <= 122)) hex = false;
      else if (c === 95) plain = false;
      else break;
    }
    this.start = start;
    this.end = i;
    this.#hex = hex;
    this.#plain = plain;
  }

  /** True when `: ` follows the word: only then can the text open with a queue ID, `client=` or an action. */
  colon(text: string): boolean {
    return this.end > this.start && text.charCodeAt(this.end) === 58 && text.charCodeAt(this.end + 1) === 32;
  }

  /**
   * Where the queue ID that opens the text ends (the index of its `: `), or
   * -1 when the text opens with no queue ID (NOQUEUE included): the IDs
   * splitQueuePrefix accepts, short ones checked without cutting a string.
   */
  queueIdEnd(text: string): number {
    const length = this.end - this.start;
    if (!this.colon(text) || length < 6 || length > 40 || !this.#plain) return -1;
    if (this.#hex) return this.end;
    return parseLogQueueId(text.slice(this.start, this.end)) === null ? -1 : this.end;
  }
}

/** A decimal integer of `text` from `start` to `end` (digits only, at least one), as Number() reads it. */
function integer(text: string, start: number, end: number): number {
  if (end - start > 15) return Number(text.slice(start, end));
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** What a reader found, as offsets into the text (one per summary, reused for every line). */
export class LineFields {
  /** The address (`from=<...>`, `to=<...>`) from start to end. */
  addrStart = 0;
  addrEnd = 0;
  /** qmgr's size. */
  size = 0;
  /** The delivery's delay value from start to end. */
  delayStart = 0;
  delayEnd = 0;
  /** Where the delivery's status word starts, and where it ends (the end of the text, or the space after it). */
  statusStart = 0;
  statusEnd = 0;

  /**
   * qmgr's `from=<s>, size=N` right after the ID that ends at `colon` (the
   * lines parseQmgrFrom reads as queue_active); false for any other text.
   */
  active(text: string, colon: number, end: number): boolean {
    const start = colon + 2;
    if (!text.startsWith('from=<', start)) return false;
    const gt = text.indexOf('>', start + 6);
    if (gt < 0 || gt >= end || !text.startsWith('>, size=', gt)) return false;
    const digits = gt + 8;
    let last = digits;
    while (isDigit(text.charCodeAt(last))) last++;
    if (last === digits) return false;
    this.addrStart = start + 6;
    this.addrEnd = gt;
    this.size = integer(text, digits, last);
    return true;
  }

  /**
   * The delivery status line after the ID that ends at `colon`, with its
   * fields in the order pflogsumm counts (`to [orig_to] relay [conn_use]
   * delay [delays] [dsn] status`) and a recipient without `>`; false for
   * any other text (which may still be a delivery the full parse reads).
   */
  delivery(text: string, colon: number, end: number): boolean {
    const start = colon + 2;
    if (!text.startsWith('to=<', start)) return false;
    const toEnd = text.indexOf('>, ', start + 4);
    if (toEnd < 0 || toEnd >= end) return false;
    const gt = text.indexOf('>', start + 4);
    if (gt < toEnd) return false; // a recipient with `>` in it: pflogsumm skips it
    this.addrStart = start + 4;
    this.addrEnd = toEnd;
    let pos = toEnd + 3;
    if (text.startsWith('orig_to=', pos)) pos = next(text, pos + 7, end);
    if (pos < 0 || !text.startsWith('relay=', pos)) return false;
    pos = next(text, pos + 5, end);
    if (pos >= 0 && text.startsWith('conn_use=', pos)) pos = next(text, pos + 8, end);
    if (pos < 0 || !text.startsWith('delay=', pos)) return false;
    const delayAt = pos + 5;
    pos = next(text, delayAt, end);
    if (pos < 0) return false;
    // a value in <...> is read inside the brackets (readFields)
    const angled = text.charCodeAt(delayAt + 1) === 60;
    this.delayStart = angled ? delayAt + 2 : delayAt + 1;
    this.delayEnd = angled ? pos - 3 : pos - 2;
    if (text.startsWith('delays=', pos)) pos = next(text, pos + 6, end);
    if (pos >= 0 && text.startsWith('dsn=', pos)) pos = next(text, pos + 3, end);
    if (pos < 0 || !text.startsWith('status=', pos)) return false;
    this.statusStart = pos + 7;
    const sp = text.indexOf(' ', this.statusStart);
    this.statusEnd = sp < 0 || sp > end ? end : sp;
    return true;
  }

  /** The delivery's delay in seconds as the full parse reads it (0 when it is not a number). */
  delay(text: string): number {
    if (!isDigit(text.charCodeAt(this.delayStart))) return 0;
    const n = Number(text.slice(this.delayStart, this.delayEnd));
    return Number.isNaN(n) ? 0 : n;
  }

  /** True when the status word is `word`. */
  statusIs(text: string, word: string): boolean {
    return this.statusEnd - this.statusStart === word.length && text.startsWith(word, this.statusStart);
  }

  /** True when local's `forwarded as ` follows the status word, before `end` (a delivery counted as forwarded). */
  forwarded(text: string, end: number): boolean {
    return this.statusEnd < end && text.slice(this.statusEnd + 1, end).includes('forwarded as ');
  }
}

/** Where the field after the value whose `=` is at `eq` starts, as readFields steps; -1 at a malformed end. */
function next(text: string, eq: number, end: number): number {
  if (text.charCodeAt(eq + 1) === 60 /* < */) {
    const close = text.indexOf('>, ', eq + 1);
    return close < 0 || close >= end ? -1 : close + 3;
  }
  const comma = text.indexOf(', ', eq + 1);
  return comma < 0 || comma >= end ? -1 : comma + 2;
}

/** True when the text after the ID that ends at `colon` is exactly `removed` (qmgr, postsuper). */
export function isRemoved(text: string, colon: number, end: number): boolean {
  return end === colon + 9 && text.startsWith('removed', colon + 2);
}

const ACTIONS = ['reject_warning', 'reject', 'hold', 'discard'] as const;
const ACTION_WORDS = ACTIONS.map((a) => [`${a}: `, a] as const);

/** pflogsumm's "queue ID" as an action word: `reject: ...` with no queue ID before it. */
export function bareAction(text: string, start: number, end: number): string | null {
  const c = text.charCodeAt(start);
  if (c !== 114 && c !== 104 && c !== 100) return null; // r, h, d
  for (const a of ACTIONS) {
    if (text.startsWith(a, start)) {
      const at = start + a.length;
      const next = text.charCodeAt(at);
      if (at === end || next === 58 || next === 32) return a;
    }
  }
  return null;
}

/** The action of smtpd's `\w+: (reject|reject_warning|hold|discard): ` (pflogsumm's regex) after `word`, or null. */
export function smtpdAction(text: string, word: OpeningWord): string | null {
  if (!word.colon(text)) return null;
  for (const [w, a] of ACTION_WORDS) if (text.startsWith(w, word.end + 2)) return a;
  return null;
}

/**
 * True when the text has `: header `, `: body ` or `: END-OF-` (where
 * cleanup's action lines can be), read in one pass.
 */
export function hasCleanupPart(text: string, start: number, end: number): boolean {
  for (let at = text.indexOf(': ', start); at >= 0 && at < end; at = text.indexOf(': ', at + 1)) {
    const c = text.charCodeAt(at + 2);
    if (c === 104 /* h */ && text.startsWith('header ', at + 2)) return true;
    if (c === 98 /* b */ && text.startsWith('body ', at + 2)) return true;
    if (c === 69 /* E */ && text.startsWith('END-OF-', at + 2)) return true;
  }
  return false;
}
