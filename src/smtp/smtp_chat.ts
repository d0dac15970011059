/**
 * smtp_chat: one server reply read and parsed as Postfix's smtp_chat_resp()
 * does — lines made printable, a multi-line reply joined with newlines
 * (cut at line_length_limit), the three-digit code and an enhanced status
 * code whose class matches it (else `X.0.0`, or `5.5.0` for a code that is
 * not 2xx/4xx/5xx) — and commands sent, one line each.
 *
 * Parameters: line_length_limit (longest reply line and reply text kept)
 * Diagnostics: `warning: HOST[ADDR]:PORT: response longer than N: ...`,
 *   `warning: ID: non-ESMTP response from HOST[ADDR]:PORT: ...`
 * Security: reply text is untrusted; it reaches logs and bounces only
 *   after printable(); a line longer than the limit is cut
 * Standards: RFC 5321 section 4.2, RFC 3463, RFC 2034
 * See: postfix/src/smtp/smtp_chat.c
 */
import { dsnValid } from '../global/dsn_valid.ts';
import { printable } from '../log/log_printable.ts';
import { commandSafe } from './smtp_quote.ts';
import type { SmtpStream } from './smtp_stream.ts';

/** A server reply: code (0 when malformed), sanitised enhanced status, all lines joined by `\n`. */
export interface SmtpResp {
  readonly code: number;
  readonly dsn: string;
  readonly str: string;
}

/** A reply made up locally (SMTP_RESP_FAKE): a status and no server text. */
export function fakeResp(dsn: string): SmtpResp {
  return { code: 0, dsn, str: '' };
}

/** What a parsed reply line says about the reply's end. */
function lineKind(line: string): 'last' | 'more' | 'garbage' {
  const m = /^\d+/.exec(line);
  if (m === null || m[0].length !== 3) return 'garbage';
  const next = line[3];
  if (next === '-') return 'more';
  if (next === ' ' || next === undefined) return 'last';
  return 'garbage';
}

/** The code and status of a reply whose last line is `last` (printable already). */
export function parseReplyCode(last: string): { code: number; dsn: string } {
  if (lineKind(last) === 'garbage') return { code: 0, dsn: '5.5.0' };
  const code = Number(last.slice(0, 3));
  if (!'245'.includes(last[0]!)) return { code, dsn: '5.5.0' };
  const rest = last.slice(3).replace(/^ +/, '');
  const len = dsnValid(rest);
  if (len > 0 && rest[0] === last[0]) return { code, dsn: rest.slice(0, len) };
  return { code, dsn: `${last[0]}.0.0` };
}

/** Who is talking and how to report trouble, for readResp(). */
export interface ChatPeer {
  /** `host[addr]:port` as warnings name it. */
  readonly namaddrport: string;
  readonly queueId: string;
  readonly lmtp: boolean;
  /** The session uses PIPELINING: garbage then gets a warning (it may cost mail). */
  readonly pipelining: boolean;
  readonly smtputf8_enable: boolean;
  readonly warn: (text: string) => void;
  /** Called for a malformed reply line (MAIL_ERROR_PROTOCOL: the session is not reused). */
  readonly protocolError: () => void;
}

/** smtp_chat_resp(): reads one complete reply. Throws SmtpStreamError on eof or timeout. */
export async function readResp(stream: SmtpStream, peer: ChatPeer, line_length_limit: number): Promise<SmtpResp> {
  let str = '';
  let skipped = false;
  for (;;) {
    const raw = await stream.readLine(line_length_limit);
    const line = printable(raw.text, peer.smtputf8_enable);
    if (raw.truncated) {
      peer.warn(`${peer.namaddrport}: response longer than ${line_length_limit}: ${line.slice(0, 30)}...`);
    }
    if (str.length < line_length_limit) {
      str = str === '' ? line : `${str}\n${line}`;
    } else if (!skipped) {
      skipped = true;
      peer.warn(`${peer.namaddrport}: multi-line response longer than ${line_length_limit} ${str.slice(0, 30)}...`);
    }
    const kind = lineKind(line);
    if (kind === 'more') continue;
    if (kind === 'last') return { ...parseReplyCode(line), str };
    peer.protocolError();
    if (peer.pipelining) {
      peer.warn(
        `${peer.queueId}: non-${peer.lmtp ? 'LMTP' : 'ESMTP'} response from ${peer.namaddrport}: ${line.slice(0, 100)}`,
      );
    }
  }
}

/** The reply's lines joined by spaces, as log lines and bounce reasons quote it (translit "\n" " "). */
export function respText(resp: SmtpResp): string {
  return resp.str.replaceAll('\n', ' ');
}

/** smtp_chat_cmd() without the transcript: the command as one CRLF-ended line. */
export function commandLine(text: string): string {
  return `${commandSafe(text)}\r\n`;
}
