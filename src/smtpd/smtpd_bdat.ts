/**
 * smtpd_bdat: BDAT (CHUNKING). A chunk is read as exactly the declared
 * number of bytes, in bounded fragments, and cut into lines that may span
 * fragments and chunks; there is no dot-stuffing and no end-of-data line.
 * The first BDAT of a transaction acts as DATA (data restrictions, then
 * the message is opened at cleanup); BDAT LAST ends the message. After an
 * error, later chunks are read and thrown away, with a reply each, until
 * BDAT LAST or RSET, so a pipelining client stays in sync. A client that
 * sends far more than message_size_limit is cut off.
 *
 * Parameters: message_size_limit, line_length_limit, smtpd_forbid_bare_newline
 * Diagnostics: warnings for a malformed, null, or oversized BDAT request
 * Security: the declared size is client text: refused unless all digits;
 *   content never becomes commands and is held at most one fragment at a time
 * Standards: RFC 3030
 * See: postfix/src/smtpd/smtpd.c (bdat_cmd, skip_bdat)
 */
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckData } from './smtpd_check.ts';
import { discarded } from './smtpd_ehlo.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { finishMessage, startMessage } from './smtpd_message.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import type { BdatSplitter, OpenMessage, SmtpdSession } from './smtpd_state.ts';
import { lineBefore } from './smtpd_stream.ts';
import type { SmtpdToken } from './smtpd_token.ts';

/** Cuts BDAT content into line records; the partial last line waits for the next fragment. */
export class BdatLines implements BdatSplitter {
  #partial: Buffer[] = [];
  #partialLength = 0;
  readonly #limit: number;
  readonly #detect: boolean;

  constructor(limit: number, detectBareLf: boolean) {
    this.#limit = limit;
    this.#detect = detectBareLf;
  }

  /** The records completed by `chunk`: [data, endOfLine, bareLf]. */
  *feed(chunk: Buffer): Generator<[Buffer, boolean, boolean]> {
    let at = 0;
    while (at < chunk.length) {
      const lf = chunk.indexOf(10, at);
      const room = this.#limit - this.#partialLength;
      if (lf >= 0 && lf - at < room) {
        yield this.#line(chunk.subarray(at, lf));
        at = lf + 1;
      } else if (chunk.length - at >= room) {
        this.#partial.push(chunk.subarray(at, at + room));
        this.#partialLength += room;
        at += room;
        const data = Buffer.concat(this.#partial);
        this.#partial = [];
        this.#partialLength = 0;
        yield [data, false, false];
      } else {
        this.#partial.push(chunk.subarray(at));
        this.#partialLength += chunk.length - at;
        at = chunk.length;
      }
    }
  }

  #line(tail: Buffer): [Buffer, boolean, boolean] {
    const whole = this.#partialLength === 0 ? tail : Buffer.concat([...this.#partial, tail]);
    this.#partial = [];
    this.#partialLength = 0;
    const { data, bareLf } = lineBefore(whole, whole.length, this.#detect);
    return [data, true, bareLf];
  }

  /** The last line when the message ends without a line end. */
  finish(): [Buffer, boolean, boolean] | null {
    if (this.#partialLength === 0) return null;
    const data = Buffer.concat(this.#partial);
    this.#partial = [];
    this.#partialLength = 0;
    return [data, true, false];
  }
}

/** Reads `size` bytes of content and throws them away. */
async function discardBytes(s: SmtpdSession, size: number): Promise<void> {
  for (let done = 0; done < size; ) done += (await s.stream.getBytes(size - done)).length;
}

/** skip_bdat(): stay in sync after a refusal, then reply. */
async function skipBdat(s: SmtpdSession, size: number, last: boolean, reply: SmtpdReply): Promise<boolean> {
  const limit = s.ctx.params.message_size_limit;
  const tooMuch = limit > 0 && s.actSize / 1.5 > limit - size / 1.5;
  if (!tooMuch) {
    s.actSize += size;
    await discardBytes(s, size);
  }
  await chatReply(s, reply);
  if (tooMuch) {
    s.ctx.log.warn(SMTPD_LOG.bdatDisabled(s.queueId, s.peer.namaddr));
    s.hangup = true;
  }
  if (last) s.resetTransaction();
  else s.bdatState = 'error';
  return false;
}

export async function bdatCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const p = s.ctx.params;
  if (discarded(s, 'CHUNKING')) {
    await chatReply(s, SMTPD_REPLY.bdat_disabled);
    return false;
  }
  const sizeText = argv[1]?.text ?? '';
  const last = argv.length === 3;
  if (
    argv.length < 2 ||
    argv.length > 3 ||
    !/^\d+$/.test(sizeText) ||
    sizeText.length > 18 ||
    (last && argv[2]!.text.toUpperCase() !== 'LAST')
  ) {
    s.ctx.log.warn(
      SMTPD_LOG.malformedBdat(
        s.queueId,
        s.peer.namaddr,
        argv
          .map((a) => a.text)
          .join(' ')
          .slice(0, 100),
      ),
    );
    await chatReply(s, SMTPD_REPLY.bdat_syntax);
    return false;
  }
  const size = Number(sizeText);
  if (size === 0 && !last) {
    s.ctx.log.warn(SMTPD_LOG.nullBdat(s.queueId, s.peer.namaddr));
    return skipBdat(s, size, last, SMTPD_REPLY.bdat_null);
  }
  if (s.bdatState === 'error') return skipBdat(s, size, last, SMTPD_REPLY.bdat_discarded(size));
  if (s.bdatState === 'none') {
    if (s.rcptCount === 0) {
      return skipBdat(s, size, last, s.inMailTransaction ? SMTPD_REPLY.no_valid_recipients : SMTPD_REPLY.need_rcpt);
    }
    const err = await smtpdCheckData(s);
    if (err !== null) return skipBdat(s, size, last, err);
  }
  const limit = p.message_size_limit;
  if (limit > 0 && s.actSize > limit - size) {
    s.ctx.log.warn(SMTPD_LOG.bdatTooBig(s.queueId, s.peer.namaddr));
    return skipBdat(s, size, last, SMTPD_REPLY.bdat_too_big);
  }
  let m: OpenMessage;
  if (s.bdatState === 'none' || s.message === null) {
    m = await startMessage(s);
    s.bdatLines = new BdatLines(p.line_length_limit, s.bareLf !== 'no');
  } else {
    m = s.message;
  }
  s.bdatState = 'ok';
  s.where = 'BDAT content';
  const lines = s.bdatLines!;
  for (let done = 0; done < size; ) {
    const fragment = await s.stream.getBytes(size - done);
    done += fragment.length;
    for (const [data, eol, bareLf] of lines.feed(fragment)) {
      const batchFull = m.record(data, eol, bareLf);
      if (batchFull !== null) await batchFull;
    }
  }
  if (last) {
    const tail = lines.finish();
    if (tail !== null) await m.record(...tail);
    return finishMessage(s, m, true);
  }
  if (m.errors.size > 0) {
    await finishMessage(s, m, true);
    s.bdatState = 'error';
    return false;
  }
  await chatReply(s, SMTPD_REPLY.bdat_ok(size));
  return true;
}
