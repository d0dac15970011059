/**
 * smtp_envelope: the MAIL FROM and RCPT TO command lines for a message,
 * with the ESMTP parameters the server's features allow: SIZE, BODY,
 * ENVID and RET (DSN), SMTPUTF8, and per recipient ORCPT and NOTIFY.
 *
 * Security: every value is quoted or xtext-encoded; commandSafe() (in
 *   smtp_chat) removes any CR/LF before the line is sent
 * Standards: RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 3461 (DSN), RFC 6531 (SMTPUTF8)
 * See: postfix/src/smtp/smtp_proto.c (smtp_loop: SMTP_STATE_MAIL, SMTP_STATE_RCPT)
 */
import { uxtextEncode, xtextEncode } from '../global/xtext.ts';
import type { DeliveryRecipient, DeliveryRequest } from '../queue/deliver_request.ts';
import { dsnNotifyStr, quote821Address } from './smtp_quote.ts';
import type { SmtpFeatures } from './smtp_session.ts';

/** What MAIL FROM needs to know beyond the request. */
export interface MailOptions {
  readonly features: SmtpFeatures;
  /** The content will be downgraded to 7 bit (no SIZE: the size would change). */
  readonly downgrading: boolean;
}

const nonAscii = (s: string) => /[^\x00-\x7f]/.test(s);

/** `MAIL FROM:<sender> [SIZE=n] [BODY=8BITMIME] [ENVID=x RET=y] [SMTPUTF8]`. */
export function mailCommand(request: DeliveryRequest, o: MailOptions): string {
  const env = request.message.envelope;
  let cmd = `MAIL FROM:<${quote821Address(env.sender)}>`;
  if (o.features.size && !o.downgrading) cmd += ` SIZE=${request.message.size}`;
  if (o.features.eightBitMime && env.body8bit) cmd += ' BODY=8BITMIME';
  if (o.features.dsn) {
    if (env.envid !== null && env.envid !== '') cmd += ` ENVID=${xtextEncode(env.envid, '+=')}`;
    if (env.ret !== null) cmd += ` RET=${env.ret}`;
  }
  if (o.features.smtputf8 && env.smtputf8) cmd += ' SMTPUTF8';
  return cmd;
}

/** The ORCPT value: the recorded one, else `rfc822;` (or `utf-8;`) and the original address. */
export function orcptValue(request: DeliveryRequest, rcpt: DeliveryRecipient): string | null {
  let orcpt = rcpt.orcpt ?? '';
  if (orcpt === '' && rcpt.original !== '') {
    const quoted = quote821Address(rcpt.original);
    const utf8 = request.message.envelope.smtputf8 && nonAscii(quoted);
    orcpt = `${utf8 ? 'utf-8' : 'rfc822'};${quoted}`;
  }
  if (orcpt === '') return null;
  if (orcpt.toLowerCase().startsWith('utf-8;')) return uxtextEncode(orcpt, '+=');
  return xtextEncode(orcpt, '+=');
}

/** `RCPT TO:<rcpt> [ORCPT=x] [NOTIFY=y]`. */
export function rcptCommand(request: DeliveryRequest, rcpt: DeliveryRecipient, features: SmtpFeatures): string {
  let cmd = `RCPT TO:<${quote821Address(rcpt.address)}>`;
  if (features.dsn) {
    const orcpt = orcptValue(request, rcpt);
    if (orcpt !== null) cmd += ` ORCPT=${orcpt}`;
    if (rcpt.notify !== 0) cmd += ` NOTIFY=${dsnNotifyStr(rcpt.notify)}`;
  }
  return cmd;
}
