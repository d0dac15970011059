/**
 * smtp_command: one command and its reply on a session, without
 * pipelining (the handshake, AUTH, RSET probes, QUIT), and the chat peer
 * description that ties reply warnings to the session and request.
 *
 * See: postfix/src/smtp/smtp_chat.c (smtp_chat_cmd, smtp_chat_resp)
 */
import { type ChatPeer, commandLine, readResp, type SmtpResp } from './smtp_chat.ts';
import type { SmtpSession } from './smtp_session.ts';
import type { SmtpState } from './smtp_state.ts';

/** The chat peer description readResp() needs, for this session. */
export function chatPeer(state: SmtpState, session: SmtpSession): ChatPeer {
  return {
    namaddrport: session.namaddrport,
    queueId: state.request.queueId,
    lmtp: state.ctx.settings.mode === 'lmtp',
    pipelining: session.features.pipelining,
    smtputf8_enable: state.ctx.params.smtputf8_enable,
    warn: (text: string) => state.ctx.log.warn(text),
    protocolError: () => {
      session.protocolError = true;
      session.dontCache();
    },
  };
}

/** Sends one command and reads its reply (no pipelining). */
export async function chat(state: SmtpState, session: SmtpSession, command: string): Promise<SmtpResp> {
  await session.stream.write(commandLine(command));
  return readResp(session.stream, chatPeer(state, session), state.ctx.params.line_length_limit);
}
