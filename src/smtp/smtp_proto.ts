/**
 * smtp_proto: the mail transaction, as Postfix's smtp_loop(): a sender
 * that builds MAIL, RCPT..., DATA, `.`, RSET or QUIT and a receiver that
 * processes their replies, each with its own state. With PIPELINING the
 * sender runs ahead until its unacknowledged output would pass 4096 bytes
 * or it must wait (after DATA, and at the end); without it, every command
 * waits for its reply. A refused sender, all recipients refused, or a
 * refused DATA turn the session into RSET (and QUIT). LMTP gets one reply
 * per accepted recipient after the dot.
 *
 * Parameters: smtp_mail_timeout, smtp_rcpt_timeout, smtp_data_init_timeout,
 *   smtp_data_done_timeout, smtp_rset_timeout, smtp_quit_timeout,
 *   smtp_skip_quit_response, smtp_address_verify_target (lmtp_* for lmtp),
 *   disable_mime_output_conversion (a server without 8BITMIME gets 7-bit
 *   content and no SIZE, as SMTP_MIME_DOWNGRADE())
 * See: postfix/src/smtp/smtp_proto.c (smtp_loop, smtp_xfer, smtp_rset, smtp_quit)
 */

import type { DeliveryRecipient } from '../queue/deliver_request.ts';
import { DSN_NOTIFY } from '../queue/queue_envelope.ts';
import { commandLine, fakeResp, readResp, respText, type SmtpResp } from './smtp_chat.ts';
import { chatPeer } from './smtp_command.ts';
import { SmtpContentError, sendContent } from './smtp_data.ts';
import { mailCommand, rcptCommand } from './smtp_envelope.ts';
import { MimeDowngradeError } from './smtp_mime_downgrade.ts';
import { SMTP_COMMAND, SMTP_REASON, SMTP_STAGE } from './smtp_reasons.ts';
import type { SmtpState } from './smtp_state.ts';
import { SmtpStreamError } from './smtp_stream.ts';
import { mesgFail, rcptFail, streamExcept } from './smtp_trouble.ts';

/** Protocol states in Postfix's order: the sending states come first. */
const S = { MAIL: 2, RCPT: 3, DATA: 4, DOT: 5, ABORT: 6, RSET: 7, QUIT: 8, LAST: 9 } as const;
type St = (typeof S)[keyof typeof S];

/** Unacknowledged command bytes the pipelining sender may have outstanding (VSTREAM_BUFSIZE). */
const PIPELINING_BUFSIZE = 4096;

const STAGE: Readonly<Record<number, string>> = {
  [S.MAIL]: SMTP_STAGE.mail,
  [S.RCPT]: SMTP_STAGE.rcpt,
  [S.DATA]: SMTP_STAGE.data,
  [S.DOT]: SMTP_STAGE.dot,
  [S.ABORT]: SMTP_STAGE.abort,
  [S.RSET]: SMTP_STAGE.rset,
  [S.QUIT]: SMTP_STAGE.quit,
};

function timeoutOf(state: SmtpState, st: St): number {
  const s = state.ctx.settings;
  switch (st) {
    case S.MAIL:
      return s.smtp_mail_timeout;
    case S.RCPT:
      return s.smtp_rcpt_timeout;
    case S.DATA:
      return s.smtp_data_init_timeout;
    case S.DOT:
      return s.smtp_data_done_timeout;
    case S.QUIT:
      return s.smtp_quit_timeout;
    default:
      return s.smtp_rset_timeout;
  }
}

/** smtp_rcpt_done(): the server took responsibility for the recipient. */
function rcptDone(state: SmtpState, resp: SmtpResp, rcpt: DeliveryRecipient): void {
  const session = state.session!;
  const s = state.ctx.settings;
  // A server that speaks DSN takes over NOTIFY=SUCCESS: clear it, so no success notice comes from us.
  const reported = session.features.dsn ? { ...rcpt, notify: rcpt.notify & ~DSN_NOTIFY.SUCCESS } : rcpt;
  // Without DSN at the LMTP server, lmtp_assume_final makes this the final delivery.
  const action = !session.features.dsn && s.mode === 'lmtp' && s.lmtp_assume_final ? 'delivered' : 'relayed';
  const text = respText(resp);
  state.report(reported, 'sent', { dsn: resp.dsn, text, mta: session.host, reply: text }, action);
}

/** smtp_loop(): runs the states from `send`/`recv` to the end. Returns false after an error. */
async function smtpLoop(state: SmtpState, initial: St): Promise<boolean> {
  const session = state.session!;
  const request = state.request;
  const ctx = state.ctx;
  const s = ctx.settings;
  const lmtp = s.mode === 'lmtp';
  const verifyRcpt = request.verifyOnly && s.smtp_address_verify_target === 'rcpt';
  const verifyData = request.verifyOnly && s.smtp_address_verify_target === 'data';
  // SMTP_MIME_DOWNGRADE(): the queue cannot tell 7bit content from unknown, and Postfix converts unknown too.
  const downgrading = !ctx.params.disable_mime_output_conversion && !session.features.eightBitMime;
  const list = state.left.map((r) => r.index);
  const byIndex = (i: number) => state.left[i]!;
  const peer = chatPeer(state, session);
  let sendState: St = initial;
  let recvState: St = initial === S.QUIT && s.smtp_skip_quit_response ? S.LAST : initial;
  let sendRcpt = 0;
  let recvRcpt = 0;
  let nextRcpt = 0;
  let nrcpt = 0;
  let recvDone = 0;
  const survivors: number[] = [];
  let mailFromRejected = false;
  let lostInData = false;
  let out = '';
  /** The end of the content (sendContent), to leave in one write with the final dot. */
  let contentTail: Buffer | null = null;
  const cached = () => session.cached;
  const expired = () => session.expired(ctx.now(), s.smtp_connection_reuse_count_limit);
  const flush = async () => {
    const tail = contentTail;
    contentTail = null;
    if (out === '' && tail === null) return;
    const data = tail === null ? out : Buffer.concat([tail, Buffer.from(out)]);
    out = '';
    await session.stream.write(data);
  };
  const fail = (err: unknown): boolean => {
    if (!(err instanceof SmtpStreamError)) throw err;
    if (recvState <= S.DOT)
      streamExcept(state, lostInData ? 'eof' : err.kind, lostInData ? SMTP_STAGE.body : STAGE[recvState]!);
    session.dontCache();
    return false;
  };

  do {
    let command = '';
    let nextState: St = S.LAST;
    switch (sendState) {
      case S.MAIL: {
        state.connSetupDone = ctx.micros();
        command = mailCommand(request, { features: session.features, downgrading });
        nextState = S.RCPT;
        break;
      }
      case S.RCPT:
        command = rcptCommand(request, byIndex(sendRcpt), session.features);
        nextRcpt = sendRcpt + 1;
        nextState = nextRcpt === list.length ? (verifyRcpt ? S.ABORT : S.DATA) : S.RCPT;
        break;
      case S.DATA:
        command = 'DATA';
        nextState = S.DOT;
        break;
      case S.DOT:
      case S.ABORT:
        command = sendState === S.DOT ? '.' : 'RSET';
        if (expired()) session.dontCache();
        nextState = cached() ? S.LAST : S.QUIT;
        break;
      case S.RSET:
        command = 'RSET';
        nextState = S.LAST;
        break;
      case S.QUIT:
        command = 'QUIT';
        nextState = S.LAST;
        if (cached()) session.dontCache();
        break;
    }

    const senderAhead = () => recvState < sendState || recvRcpt !== sendRcpt;
    const waitState = sendState === S.DOT || sendState === S.LAST;
    const checkBuf = recvState !== S.DOT || sendState !== S.QUIT;
    if (
      waitState ||
      (senderAhead() &&
        (!session.features.pipelining ||
          (checkBuf && command.length + 2 + out.length > PIPELINING_BUFSIZE) ||
          ctx.now() - session.stream.lastIo > 10_000))
    ) {
      try {
        await flush();
      } catch (err) {
        if (!(err instanceof SmtpStreamError)) throw err;
      }
      while (senderAhead()) {
        session.stream.timeout = timeoutOf(state, recvState);
        let resp: SmtpResp;
        try {
          resp = await readResp(session.stream, peer, ctx.params.line_length_limit);
        } catch (err) {
          return fail(err);
        }
        const said = (cmd: string) => SMTP_REASON.said(session.namaddr, respText(resp), cmd);
        switch (recvState) {
          case S.MAIL:
            if (Math.floor(resp.code / 100) !== 2) {
              mesgFail(state, session.host, resp, said(SMTP_COMMAND.mail));
              mailFromRejected = true;
            }
            recvState = S.RCPT;
            break;
          case S.RCPT:
            if (!mailFromRejected) {
              if (Math.floor(resp.code / 100) === 2) {
                if (lmtp) survivors[nrcpt] = recvRcpt;
                ++nrcpt;
                if (verifyRcpt) rcptDone(state, resp, byIndex(recvRcpt));
              } else {
                rcptFail(state, byIndex(recvRcpt), session.host, resp, said(SMTP_COMMAND.rcpt));
              }
            }
            if (++recvRcpt === list.length) recvState = verifyRcpt ? S.ABORT : S.DATA;
            break;
          case S.DATA:
            recvState = S.DOT;
            if (Math.floor(resp.code / 100) !== 3) {
              if (nrcpt > 0) mesgFail(state, session.host, resp, said(SMTP_COMMAND.data));
              nrcpt = -1;
            } else if (verifyData) {
              for (let i = 0; i < recvRcpt; i++) {
                if (!state.marks.has(list[i]!)) rcptDone(state, { ...resp, dsn: '2.0.0' }, byIndex(i));
              }
              session.dontCache();
              sendState = recvState = S.LAST;
            }
            break;
          case S.DOT:
            state.deliverDone = ctx.micros();
            if (nrcpt > 0) {
              if (!lmtp) {
                if (Math.floor(resp.code / 100) !== 2) {
                  mesgFail(state, session.host, resp, said(SMTP_COMMAND.dot));
                } else {
                  for (let i = 0; i < recvRcpt; i++) if (!state.marks.has(list[i]!)) rcptDone(state, resp, byIndex(i));
                }
              } else {
                const i = survivors[recvDone++]!;
                if (Math.floor(resp.code / 100) !== 2)
                  rcptFail(state, byIndex(i), session.host, resp, said(SMTP_COMMAND.dot));
                else rcptDone(state, resp, byIndex(i));
                if (recvDone < nrcpt) break;
              }
            }
            recvState = s.smtp_skip_quit_response || cached() || lostInData ? S.LAST : S.QUIT;
            break;
          case S.ABORT:
            recvState = s.smtp_skip_quit_response || cached() ? S.LAST : S.QUIT;
            break;
          case S.RSET:
            if (Math.floor(resp.code / 100) !== 2) session.features.rsetRejected = true;
            recvState = S.LAST;
            break;
          case S.QUIT:
            recvState = S.LAST;
            break;
        }
      }
      if (
        (sendState === S.RCPT && mailFromRejected) ||
        (sendState === S.DATA && nrcpt === 0) ||
        (sendState === S.DOT && nrcpt < 0)
      ) {
        sendState = recvState = S.ABORT;
        sendRcpt = recvRcpt = 0;
        command = 'RSET';
        if (expired()) session.dontCache();
        nextState = cached() ? S.LAST : S.QUIT;
        nextRcpt = 0;
      }
    }
    if (sendState === S.LAST) continue;

    if (sendState === S.DOT && nrcpt > 0) {
      try {
        contentTail = await sendContent(state, downgrading);
      } catch (err) {
        if (err instanceof MimeDowngradeError) {
          // No way to cancel a transaction in progress: disconnect without the final dot.
          session.forbid();
          mesgFail(state, null, fakeResp(err.dsn), err.message);
          return false;
        }
        if (err instanceof SmtpContentError) {
          ctx.log.warn(`${request.queueId}: ${err.message}`);
          session.forbid();
          mesgFail(state, null, fakeResp('5.3.0'), 'unreadable mail queue entry');
          return false;
        }
        if (!(err instanceof SmtpStreamError)) throw err;
        if (err.kind !== 'eof') {
          streamExcept(state, err.kind, SMTP_STAGE.body);
          session.forbid();
          return false;
        }
        // The server hung up mid-message: look for a premature reply, then give up.
        lostInData = true;
        out = '';
        contentTail = null;
        nextState = S.LAST;
      }
    }
    if (!lostInData) out += commandLine(command);
    else session.dontCache();
    sendState = nextState;
    sendRcpt = nextRcpt;
  } while (recvState !== S.LAST);
  try {
    await flush();
  } catch (err) {
    if (!(err instanceof SmtpStreamError)) throw err;
  }
  if (recvState !== S.LAST || lostInData) session.dontCache();
  return true;
}

/** smtp_xfer(): one transaction for the recipients left. */
export async function smtpXfer(state: SmtpState): Promise<void> {
  const session = state.session!;
  const size = state.request.message.size;
  if (session.sizeLimit > 0 && session.sizeLimit < size) {
    const reason = SMTP_REASON.messageSize(size, session.sizeLimit, session.namaddr);
    mesgFail(state, null, fakeResp(reason.dsn), reason.text);
    state.completeSession = true;
    return;
  }
  const ok = await smtpLoop(state, S.MAIL);
  if (ok && !session.stream.closed) state.completeSession = true;
}

/** smtp_rset(): the probe before a cached session is reused. False: do not use it. */
export async function smtpRset(state: SmtpState): Promise<boolean> {
  const ok = await smtpLoop(state, S.RSET);
  return ok && !state.session!.features.rsetRejected;
}

/** smtp_quit(): a lone QUIT (its reply read unless smtp_skip_quit_response). */
export async function smtpQuit(state: SmtpState): Promise<void> {
  await smtpLoop(state, S.QUIT);
}
