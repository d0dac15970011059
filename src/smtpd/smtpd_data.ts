/**
 * smtpd_data: DATA and the message content after it. Lines are read
 * bounded by line_length_limit (longer ones pass on in pieces); a leading
 * dot is removed; only `.` on a line of its own ends the message. With
 * smtpd_forbid_bare_newline = normalize, note or reject (the default is
 * normalize), a `.` line ends the message only when it and the line before
 * it ended in CRLF: `\n.\n`, `\n.\r\n` and `\r\n.\n` are dropped and the
 * content goes on, so no smuggled second message can follow (SMTP
 * smuggling, CVE-2023-51764). With `reject`, a message with a bare LF is
 * refused as a whole once its real end arrives.
 *
 * Parameters: line_length_limit, smtpd_forbid_bare_newline
 * Security: the content is read in bounded pieces and never interpreted as
 *   commands; a client that stops sending is cut off by smtpd_timeout
 * Standards: RFC 5321 section 4.1.1.4 and 4.5.2 (dot transparency)
 * See: postfix/src/smtpd/smtpd.c (data_cmd, receive_data_message)
 */
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckData } from './smtpd_check.ts';
import { finishMessage, startMessage } from './smtpd_message.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import type { OpenMessage, SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

const MAILBOX_LINE = Buffer.from('X-Mailbox-Line: ');

/** True for a line that starts like an mbox `From ` line (after any `>`). */
function isFromLine(data: Buffer): boolean {
  let i = 0;
  while (i < data.length && data[i] === 0x3e) i++;
  return data.subarray(i, i + 5).toString('latin1') === 'From ';
}

/**
 * Reads the content up to the end-of-data line, passing records to the
 * message. Lines already buffered are taken without waiting (tryLine), and
 * only a record that fills a batch for cleanup is awaited: a message is
 * many lines to a socket read, and a promise per line cost more than the
 * line's own work.
 */
export async function receiveData(s: SmtpdSession, m: OpenMessage): Promise<void> {
  const limit = s.ctx.params.line_length_limit;
  const detect = s.bareLf !== 'no';
  let first = true;
  let prevContinued = false;
  let prevBareLf = false;
  for (;;) {
    const got = s.stream.tryLine(limit, detect) ?? (await s.stream.getLine(limit, false, detect));
    let data = got.data;
    const continued = !got.complete;
    const bareLf = got.bareLf;
    try {
      if (first) {
        if (isFromLine(data)) {
          await m.record(Buffer.concat([MAILBOX_LINE, data]), !continued, bareLf);
          continue;
        }
        first = false;
        if (data.length > 0 && (data[0] === 0x20 || data[0] === 0x09)) await m.record(Buffer.alloc(0), true, false);
      }
      if (!prevContinued && data[0] === 0x2e) {
        m.sawLine(bareLf);
        if (data.length === 1 && detect && (bareLf || prevBareLf)) continue;
        data = data.subarray(1);
        if (data.length === 0 && !continued) return;
      }
      const batchFull = m.record(data, !continued, bareLf);
      if (batchFull !== null) await batchFull;
    } finally {
      prevContinued = continued;
      prevBareLf = bareLf;
    }
  }
}

export async function dataCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const fail = async (r: SmtpdReply) => {
    await chatReply(s, r);
    return false;
  };
  if (s.bdatState !== 'none') return fail(SMTPD_REPLY.data_after_bdat);
  if (s.rcptCount === 0) return fail(s.inMailTransaction ? SMTPD_REPLY.no_valid_recipients : SMTPD_REPLY.need_rcpt);
  if (argv.length !== 1) return fail(SMTPD_REPLY.data_syntax);
  const err = await smtpdCheckData(s);
  if (err !== null) return fail(err);
  const m = await startMessage(s);
  await chatReply(s, SMTPD_REPLY.start_data);
  s.where = 'DATA content';
  await receiveData(s, m);
  return finishMessage(s, m, false);
}
