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
 * full parse and counts exactly as before. Also pflogsumm's action words
 * (`reject: ` where it expects a queue ID, smtpd's `ID: hold: `).
 *
 * See: logscan_summary.ts, /usr/sbin/pflogsumm (the `to=<...>, relay=` regex)
 */
import { wordEnd } from './logscan_pflogsumm.ts';
import { parseLogQueueId } from './logscan_queue_id.ts';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Where the queue ID that opens `text` ends (the index of its `: `), or -1
 * when the text opens with no queue ID (NOQUEUE included): the IDs
 * splitQueuePrefix accepts, short ones checked without cutting a string.
 */
export function queueIdEnd(text: string): number {
  const colon = text.indexOf(': ');
  if (colon < 6 || colon > 40) return -1;
  let hex = true;
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || (c >= 65 && c <= 70)) continue;
    if (!((c >= 71 && c <= 90) || (c >= 97 && c <= 122))) return -1;
    hex = false;
  }
  if (hex) return colon;
  return parseLogQueueId(text.slice(0, colon)) === null ? -1 : colon;
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
  active(text: string, colon: number): boolean {
    const start = colon + 2;
    if (!text.startsWith('from=<', start)) return false;
    const gt = text.indexOf('>', start + 6);
    if (gt < 0 || !text.startsWith('>, size=', gt)) return false;
    const digits = gt + 8;
    let end = digits;
    while (isDigit(text.charCodeAt(end))) end++;
    if (end === digits) return false;
    this.addrStart = start + 6;
    this.addrEnd = gt;
    this.size = integer(text, digits, end);
    return true;
  }

  /**
   * The delivery status line after the ID that ends at `colon`, with its
   * fields in the order pflogsumm counts (`to [orig_to] relay [conn_use]
   * delay [delays] [dsn] status`) and a recipient without `>`; false for
   * any other text (which may still be a delivery the full parse reads).
   */
  delivery(text: string, colon: number): boolean {
    const start = colon + 2;
    if (!text.startsWith('to=<', start)) return false;
    const toEnd = text.indexOf('>, ', start + 4);
    if (toEnd < 0) return false;
    const gt = text.indexOf('>', start + 4);
    if (gt < toEnd) return false; // a recipient with `>` in it: pflogsumm skips it
    this.addrStart = start + 4;
    this.addrEnd = toEnd;
    let pos = toEnd + 3;
    if (text.startsWith('orig_to=', pos)) pos = this.#next(text, pos + 7);
    if (pos < 0 || !text.startsWith('relay=', pos)) return false;
    pos = this.#next(text, pos + 5);
    if (pos >= 0 && text.startsWith('conn_use=', pos)) pos = this.#next(text, pos + 8);
    if (pos < 0 || !text.startsWith('delay=', pos)) return false;
    const delayAt = pos + 5;
    pos = this.#next(text, delayAt);
    if (pos < 0) return false;
    // a value in <...> is read inside the brackets (readFields)
    const angled = text.charCodeAt(delayAt + 1) === 60;
    this.delayStart = angled ? delayAt + 2 : delayAt + 1;
    this.delayEnd = angled ? pos - 3 : pos - 2;
    if (text.startsWith('delays=', pos)) pos = this.#next(text, pos + 6);
    if (pos >= 0 && text.startsWith('dsn=', pos)) pos = this.#next(text, pos + 3);
    if (pos < 0 || !text.startsWith('status=', pos)) return false;
    this.statusStart = pos + 7;
    const sp = text.indexOf(' ', this.statusStart);
    this.statusEnd = sp < 0 ? text.length : sp;
    return true;
  }

  /** Where the field after the value whose `=` is at `eq` starts, as readFields steps; -1 at a malformed end. */
  #next(text: string, eq: number): number {
    if (text.charCodeAt(eq + 1) === 60 /* < */) {
      const end = text.indexOf('>, ', eq + 1);
      return end < 0 ? -1 : end + 3;
    }
    const end = text.indexOf(', ', eq + 1);
    return end < 0 ? -1 : end + 2;
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
}

/** True when the text after the ID that ends at `colon` is exactly `removed` (qmgr, postsuper). */
export function isRemoved(text: string, colon: number): boolean {
  return text.length === colon + 9 && text.endsWith('removed');
}

const ACTIONS = ['reject_warning', 'reject', 'hold', 'discard'] as const;
const ACTION_WORDS = ACTIONS.map((a) => [`${a}: `, a] as const);

/** pflogsumm's "queue ID" as an action word: `reject: ...` with no queue ID before it. */
export function bareAction(text: string): string | null {
  const c = text.charCodeAt(0);
  if (c !== 114 && c !== 104 && c !== 100) return null; // r, h, d
  for (const a of ACTIONS) {
    if (text.startsWith(a)) {
      const next = text.charCodeAt(a.length);
      if (Number.isNaN(next) || next === 58 || next === 32) return a;
    }
  }
  return null;
}

/** The action of smtpd's `\w+: (reject|reject_warning|hold|discard): ` (pflogsumm's regex), or null. */
export function smtpdAction(text: string): string | null {
  // the word must reach the first `: `: read the word, not the whole text for a `: `
  const colon = wordEnd(text);
  if (colon === 0 || !text.startsWith(': ', colon)) return null;
  for (const [word, a] of ACTION_WORDS) if (text.startsWith(word, colon + 2)) return a;
  return null;
}

/**
 * True when `text` has `: header `, `: body ` or `: END-OF-` (where
 * cleanup's action lines can be), read in one pass.
 */
export function hasCleanupPart(text: string): boolean {
  for (let at = text.indexOf(': '); at >= 0; at = text.indexOf(': ', at + 1)) {
    const c = text.charCodeAt(at + 2);
    if (c === 104 /* h */ && text.startsWith('header ', at + 2)) return true;
    if (c === 98 /* b */ && text.startsWith('body ', at + 2)) return true;
    if (c === 69 /* E */ && text.startsWith('END-OF-', at + 2)) return true;
  }
  return false;
}
