/**
 * dot_stuff: turns queued content (LF line ends) into the bytes of an SMTP
 * DATA section: every line end becomes CRLF, a line that starts with `.`
 * gets another `.` (RFC 5321 section 4.5.2), a line longer than the limit
 * is broken with CRLF SPACE (smtp_line_length_limit, as Postfix's
 * smtp_text_out() does), and a last line without a line end gets one. The
 * caller then sends `.` CRLF. Works on chunks of any size without holding a
 * whole line. Shared by the smtp/lmtp client and anything else that relays.
 *
 * Security: nothing that leaves here can end DATA early or smuggle a second
 *   message: a bare CR and a bare LF are both turned into CRLF (so a peer that
 *   treats either as a line end sees the same lines we do), and every line
 *   starting with `.` is stuffed after that conversion
 * Standards: RFC 5321 sections 2.3.8, 4.5.2
 * See: postfix/src/smtp/smtp_proto.c (smtp_text_out), postfix/src/global/smtp_stream.c
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const CRLF_SP = Buffer.from('\r\n ');
const DOT_BUF = Buffer.from('.');

export class DotStuffer {
  readonly #limit: number;
  /** Bytes written on the current output line (the stuffed dot not counted). */
  #col = 0;
  /** At the start of an input line (dot-stuffing applies only here). */
  #lineStart = true;
  /** The previous chunk ended in CR: its meaning depends on the next byte. */
  #pendingCr = false;
  /** Output lines broken because they were longer than the limit. */
  broken = 0;

  /** `limit`: the longest line sent before a CRLF SPACE break; 0 for none. */
  constructor(limit = 0) {
    this.#limit = limit;
  }

  /** The output for one chunk of input. */
  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let spanStart = 0;
    const flushSpan = (end: number) => {
      if (end > spanStart) out.push(chunk.subarray(spanStart, end));
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        this.#endLine(out);
        if (b === LF) {
          spanStart = i + 1;
          continue;
        }
        spanStart = i;
      }
      if (b === CR || b === LF) {
        flushSpan(i);
        if (b === CR) this.#pendingCr = true;
        else this.#endLine(out);
        spanStart = i + 1;
        continue;
      }
      if (this.#lineStart) {
        this.#lineStart = false;
        if (b === DOT) {
          flushSpan(i);
          out.push(DOT_BUF);
          spanStart = i;
        }
      }
      if (this.#limit > 0 && this.#col >= this.#limit) {
        flushSpan(i);
        out.push(CRLF_SP);
        this.broken++;
        this.#col = 1;
        spanStart = i;
      }
      this.#col++;
    }
    if (!this.#pendingCr) flushSpan(chunk.length);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is still owed at the end: the line end of an unterminated last line. */
  end(): Buffer {
    if (this.#pendingCr || this.#col > 0 || !this.#lineStart) {
      this.#pendingCr = false;
      this.#col = 0;
      this.#lineStart = true;
      return CRLF;
    }
    return Buffer.alloc(0);
  }

  #endLine(out: Buffer[]): void {
    out.push(CRLF);
    this.#col = 0;
    this.#lineStart = true;
  }
}

/** The whole DATA section for `content` (without the final `.` line), for tests and small messages. */
export function dotStuff(content: Buffer | string, limit = 0): Buffer {
  const s = new DotStuffer(limit);
  return Buffer.concat([s.push(Buffer.from(content)), s.end()]);
}
