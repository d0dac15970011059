/**
 * postqueue_format: the two listings of `postqueue`, byte for byte as
 * Postfix prints them from showq's records. `-p` (mailq, sendmail -bp):
 * the heading, per message `%-11s %7ld %20.20s %s` (ID with `*` active,
 * `!` hold, `#` force-expired; size; the first 20 characters of asctime();
 * sender), a `(reason)` line right-aligned to column 76 whenever the reason
 * changes from the previous recipient's, the recipients 41 columns in, a
 * blank line between messages, and `-- N Kbytes in M Request(s).` or
 * `Mail queue is empty`; with enable_long_queue_ids the wider columns.
 * `-j`: one JSON object per message, keys and separators as Postfix 3.7
 * prints them. Both write as the records arrive: nothing is kept but the
 * running totals.
 *
 * Parameters: enable_long_queue_ids (the column layout)
 * See: postfix/src/postqueue/showq_compat.c, showq_json.c,
 *   postfix/src/util/quote_for_json.c
 */
import type { ShowqMessage } from '../qmgr/qmgr_showq.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const two = (n: number): string => String(n).padStart(2, '0');

/** C's asctime(localtime(t)) without the newline: `Sun Nov 29 09:05:51 2026` (day padded with a blank). */
export function asctime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
  );
}

/** printf `%-Ns`. */
const left = (text: string, width: number): string => text.padEnd(width, ' ');
/** printf `%Ns` / `%Nld`. */
const right = (text: string | number, width: number): string => String(text).padStart(width, ' ');

interface Layout {
  readonly id: number;
  readonly size: number;
  readonly time: number;
  readonly headings: readonly [string, string, string, string];
}

const SHORT: Layout = {
  id: 11,
  size: 7,
  time: 20,
  headings: ['-Queue ID-', '--Size--', '----Arrival Time----', '-Sender/Recipient-------'],
};
const LONG: Layout = {
  id: 17,
  size: 8,
  time: 19,
  headings: ['----Queue ID-----', '--Size--', '---Arrival Time----', '--Sender/Recipient------'],
};

/** Where formatted text goes. */
export interface ListingSink {
  write(text: string): void | Promise<void>;
}

/** showq_compat(): the mailq listing, one message at a time. */
export class MailqListing {
  readonly #layout: Layout;
  readonly #out: ListingSink;
  #count = 0;
  #bytes = 0;

  constructor(out: ListingSink, enable_long_queue_ids: boolean) {
    this.#out = out;
    this.#layout = enable_long_queue_ids ? LONG : SHORT;
  }

  #row(a: string, b: string, c: string, d: string): string {
    const l = this.#layout;
    return `${left(a, l.id)} ${right(b, l.size)} ${left(c, l.time)} ${d}\n`;
  }

  async message(m: ShowqMessage): Promise<void> {
    const l = this.#layout;
    let text = this.#count > 0 ? '\n' : this.#row(...l.headings);
    const marker = (m.queue === 'active' ? '*' : m.queue === 'hold' ? '!' : '') + (m.forcedExpire ? '#' : '');
    // %20.20s of asctime()'s output, which ends in a newline: `Sun Nov 29 09:05:51 ` (long: 19 columns).
    const time = `${asctime(m.arrival)}\n`.slice(0, l.time).padStart(l.time, ' ');
    text += `${left(m.id + marker, l.id)} ${right(m.size, l.size)} ${time} ${m.sender}\n`;
    let saved = '';
    for (const r of m.recipients) {
      if (r.reason !== saved) {
        saved = r.reason;
        const shown = saved === '' ? 'reason unavailable' : saved;
        text += `${' '.repeat(Math.max(0, 76 - shown.length))}(${shown})\n`;
      }
      text += this.#row('', '', '', r.address);
    }
    this.#count++;
    this.#bytes += m.size;
    await this.#out.write(text);
  }

  /** The summary: `-- N Kbytes in M Requests.`, or `Mail queue is empty`. */
  async end(): Promise<void> {
    const n = this.#count;
    await this.#out.write(
      n === 0
        ? 'Mail queue is empty\n'
        : `\n-- ${Math.floor(this.#bytes / 1024)} Kbytes in ${n} Request${n === 1 ? '' : 's'}.\n`,
    );
  }
}

/** quote_for_json(): backslash escapes for `"`, `\` and controls; other bytes as they are. */
export function quoteForJson(text: string): string {
  return text.replace(/["\\\x00-\x1f\x7f]/g, (c) => {
    switch (c) {
      case '"':
        return '\\"';
      case '\\':
        return '\\\\';
      case '\b':
        return '\\b';
      case '\f':
        return '\\f';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  });
}

/** showq_json(): one line per message, as Postfix 3.7 prints it. */
export function jsonLine(m: ShowqMessage): string {
  const recipients = m.recipients
    .map(
      (r) =>
        `{"address": "${quoteForJson(r.address)}"` +
        (r.reason === '' ? '' : `, "delay_reason": "${quoteForJson(r.reason)}"`) +
        '}',
    )
    .join(', ');
  return (
    `{"queue_name": "${quoteForJson(m.queue)}", "queue_id": "${quoteForJson(m.id)}", ` +
    `"arrival_time": ${m.arrival}, "message_size": ${m.size}, ` +
    `"forced_expire": ${m.forcedExpire ? 'true' : 'false'}, "sender": "${quoteForJson(m.sender)}", ` +
    `"recipients": [${recipients}]}\n`
  );
}
