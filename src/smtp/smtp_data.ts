/**
 * smtp_data: sends the message content after the server's 354: the queued
 * content (LF line ends), converted to 7 bit when the server lacks
 * 8BITMIME (smtp_mime_downgrade.ts), through the dot-stuffer, so the wire
 * sees only CRLF lines, stuffed dots, and lines no longer than
 * smtp_line_length_limit; each write is limited by smtp_data_xfer_timeout.
 *
 * Parameters: smtp_line_length_limit, smtp_data_xfer_timeout (lmtp_* for lmtp)
 * Diagnostics: info `ID: breaking line > N bytes with <CR><LF>SPACE` (once)
 * Security: see global/dot_stuff.ts; a content read error stops the
 *   transfer before the final dot, so a partial message is never committed
 * See: postfix/src/smtp/smtp_proto.c (smtp_text_out and the DATA part of smtp_loop)
 */
import { DotStuffer } from '../global/dot_stuff.ts';
import { MimeDowngradeError, mimeDowngrade } from './smtp_mime_downgrade.ts';
import type { SmtpState } from './smtp_state.ts';

/** Reading the queued content failed (not the connection). */
export class SmtpContentError extends Error {
  constructor(cause: unknown) {
    super(`queue file read error: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'SmtpContentError';
  }
}

/**
 * Writes the whole content, converted to 7 bit when `downgrade` is set;
 * throws SmtpStreamError (connection), SmtpContentError (queue) or
 * MimeDowngradeError (the content cannot be converted). The last piece is
 * not written but returned, for the caller to send with the final dot in
 * one write (for a small message, the whole content and the dot leave
 * together: one system call and one wake-up of the server fewer). It is
 * returned only once the content was read to its end.
 */
export async function sendContent(state: SmtpState, downgrade = false): Promise<Buffer> {
  const session = state.session!;
  const s = state.ctx.settings;
  const limit = s.smtp_line_length_limit;
  const stuffer = new DotStuffer(limit);
  let logged = false;
  session.stream.timeout = s.smtp_data_xfer_timeout;
  const content = state.request.content();
  const source: AsyncIterable<Buffer> = downgrade ? mimeDowngrade(content) : content;
  const chunks = source[Symbol.asyncIterator]();
  let held: Buffer | null = null;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        if (err instanceof MimeDowngradeError) throw err;
        throw new SmtpContentError(err);
      }
      if (next.done) break;
      const out = stuffer.push(next.value);
      if (!logged && stuffer.broken > 0) {
        logged = true;
        state.ctx.log.info(`${state.request.queueId}: breaking line > ${limit} bytes with <CR><LF>SPACE`);
      }
      if (out.length === 0) continue;
      if (held !== null) await session.stream.write(held);
      held = out;
    }
    const tail = stuffer.end();
    if (held === null) return tail;
    return tail.length === 0 ? held : Buffer.concat([held, tail]);
  } finally {
    content.destroy();
  }
}
