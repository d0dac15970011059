/**
 * mail_copy: how a delivered message is written into a mailbox, file or
 * pipe, as Postfix's mail_copy() formats it: an optional `From ` line
 * (`From sender  asctime`, MAILER-DAEMON for the null sender), then
 * Return-Path, X-Original-To and Delivered-To as the flags ask, then the
 * queued content with `>From ` quoting for mbox, a line end added to an
 * unterminated last line, and a blank line after the message in an mbox.
 * Pure formatting, shared by local and virtual; the writers do the I/O.
 *
 * Parameters: enable_original_recipient (value passed in)
 * See: postfix/src/global/mail_copy.c, postfix/src/global/mbox_open.c (mbox_dsn),
 *   quote_822_local.ts (the addresses in the headers)
 */
import { quote822Local } from './quote_822_local.ts';

/** MAIL_COPY_* flags. */
export const MAIL_COPY = {
  FROM: 1,
  QUOTE: 2,
  TOFILE: 4,
  DELIVERED: 8,
  RETURN_PATH: 16,
  ORIG_RCPT: 32,
  BLANK: 64,
} as const;

/** MAIL_COPY_MBOX: everything an mbox needs. */
export const MAIL_COPY_MBOX =
  MAIL_COPY.FROM |
  MAIL_COPY.QUOTE |
  MAIL_COPY.TOFILE |
  MAIL_COPY.DELIVERED |
  MAIL_COPY.RETURN_PATH |
  MAIL_COPY.ORIG_RCPT |
  MAIL_COPY.BLANK;

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime(localtime()) without the newline: `Sun Nov 29 09:05:17 2026` (day space-padded). */
export function asctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
  );
}

export interface CopyAttrs {
  readonly flags: number;
  /** Envelope sender, '' for the null sender. */
  readonly sender: string;
  readonly origRcpt: string;
  readonly delivered: string;
  readonly enable_original_recipient: boolean;
  /** The time of the From_ line. */
  readonly now: Date;
}

/** The lines written before the message: From_, Return-Path, X-Original-To, Delivered-To. */
export function copyHeader(a: CopyAttrs): string {
  let out = '';
  const oneLine = (s: string) => s.replace(/[\r\n]/g, ' ');
  if (a.flags & MAIL_COPY.FROM) {
    out += `From ${a.sender === '' ? 'MAILER-DAEMON' : oneLine(quote822Local(a.sender))}  ${asctime(a.now)}\n`;
  }
  if (a.flags & MAIL_COPY.RETURN_PATH) {
    out += `Return-Path: <${a.sender === '' ? '' : oneLine(quote822Local(a.sender))}>\n`;
  }
  if (a.flags & MAIL_COPY.ORIG_RCPT && a.enable_original_recipient && a.origRcpt !== '') {
    out += `X-Original-To: ${oneLine(quote822Local(a.origRcpt))}\n`;
  }
  if (a.flags & MAIL_COPY.DELIVERED) out += `Delivered-To: ${oneLine(quote822Local(a.delivered))}\n`;
  return out;
}

const FROM_ = Buffer.from('From ');

/**
 * The message body for a copy: `>` before each line that starts with
 * `From ` (MAIL_COPY_QUOTE), a line end after an unterminated last line,
 * and a blank line at the end (MAIL_COPY_BLANK). Works on chunks.
 */
export class CopyBody {
  readonly #quote: boolean;
  readonly #blank: boolean;
  /** Bytes at a line start held back until it is known whether the line starts with `From `. */
  #pending: Buffer = Buffer.alloc(0);
  #atLineStart = true;
  #sawAny = false;
  #lastWasNewline = true;

  constructor(flags: number) {
    this.#quote = (flags & MAIL_COPY.QUOTE) !== 0;
    this.#blank = (flags & MAIL_COPY.BLANK) !== 0;
  }

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    this.#sawAny = true;
    this.#lastWasNewline = chunk[chunk.length - 1] === 0x0a;
    if (!this.#quote) return chunk;
    const data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    const out: Buffer[] = [];
    let start = 0;
    let p = this.#atLineStart ? 0 : data.indexOf(0x0a) + 1;
    while (p > 0 || (p === 0 && this.#atLineStart)) {
      if (p >= data.length) {
        this.#atLineStart = true;
        break;
      }
      const rest = data.length - p;
      if (rest < 5 && data.indexOf(0x0a, p) < 0) {
        // Too short to tell yet: keep it for the next chunk.
        out.push(data.subarray(start, p));
        this.#pending = data.subarray(p);
        this.#atLineStart = true;
        return Buffer.concat(out);
      }
      if (data.subarray(p, p + 5).equals(FROM_)) {
        out.push(data.subarray(start, p), Buffer.from('>'));
        start = p;
      }
      this.#atLineStart = false;
      const nl = data.indexOf(0x0a, p);
      p = nl < 0 ? -1 : nl + 1;
    }
    out.push(data.subarray(start));
    return Buffer.concat(out);
  }

  end(): Buffer {
    let tail = this.#pending;
    this.#pending = Buffer.alloc(0);
    if (this.#sawAny && !this.#lastWasNewline) tail = Buffer.concat([tail, Buffer.from('\n')]);
    if (this.#blank) tail = Buffer.concat([tail, Buffer.from('\n')]);
    return tail;
  }
}

/** mbox_dsn(): the status for a mailbox write error (by errno name), else `def`. */
export function mboxDsn(code: string | undefined, def: string): string {
  if (code === 'EAGAIN' || code === 'ESTALE') return '4.2.0';
  if (code === 'ENOSPC') return '4.3.0';
  if (code === 'EDQUOT' || code === 'EFBIG') return '5.2.2';
  return def;
}
