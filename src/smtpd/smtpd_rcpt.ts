/**
 * smtpd_rcpt: RCPT TO. Checks the command's place, the client's
 * recipient rate, the address and the DSN parameters (NOTIFY, ORCPT), the
 * per-message recipient limit (with Postfix's overshoot allowance), then
 * the restriction lists; the first accepted recipient names the message
 * (a queue ID from cleanup, logged as `ID: client=...`).
 *
 * Parameters: smtpd_recipient_limit, smtpd_recipient_overshoot_limit,
 *   strict_rfc821_envelopes, strict_smtputf8, smtpd_client_recipient_rate_limit
 * Security: client text, parsed once; ORCPT is decoded and refused if it holds a NUL
 * Standards: RFC 5321 section 4.1.1.3 and 4.5.3.1.10 (452 for too many recipients), RFC 3461
 * See: postfix/src/smtpd/smtpd.c (rcpt_cmd, mail_open_stream)
 */

import { extractAddr } from './smtpd_addr.ts';
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckRcpt } from './smtpd_check.ts';
import { dsnNotifyMask, uxtextUnquote, xtextUnquote } from './smtpd_dsn.ts';
import { discarded } from './smtpd_ehlo.ts';
import { anvilRcpt } from './smtpd_limits.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import type { SmtpdReply } from './smtpd_replies.ts';
import { SMTPD_REPLY } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

const ASCII = /^[\x00-\x7f]*$/;

/** mail_open_stream(): names the message at its first valid recipient; null when there is no queue. */
export function openQueueFile(s: SmtpdSession): string | null {
  if (s.txn.stage !== 'mail') return null;
  if (s.txn.queueId !== null) return s.txn.queueId;
  const cleanup = s.ctx.cleanup;
  if (cleanup === null) return null;
  const id = cleanup.newQueueId();
  s.txn.queueId = id;
  const sasl = s.sasl;
  const saslText =
    sasl === null
      ? ''
      : `, sasl_method=${sasl.method}, sasl_username=${sasl.username}${sasl.sender === null ? '' : `, sasl_sender=${sasl.sender}`}`;
  s.ctx.log.info(SMTPD_LOG.client(id, s.peer.namaddr, saslText));
  return id;
}

export async function rcptCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const p = s.ctx.params;
  const fail = async (r: SmtpdReply) => {
    await chatReply(s, r);
    return false;
  };
  const t = s.txn;
  if (t.stage !== 'mail') return fail(SMTPD_REPLY.need_mail);
  if (s.bdatState !== 'none') return fail(SMTPD_REPLY.rcpt_after_bdat);
  if (argv.length < 3 || argv[1]!.text.toLowerCase() !== 'to:') return fail(SMTPD_REPLY.rcpt_syntax);
  const rate = await anvilRcpt(s);
  if (rate !== null) return fail(rate);
  if (argv[2]!.error) return fail(SMTPD_REPLY.bad_recipient);
  const address = await extractAddr(s, argv[2]!.text, false, p.strict_rfc821_envelopes, t.mail.smtputf8);
  if (address === null) return fail(SMTPD_REPLY.bad_recipient);

  let notify = 0;
  let orcpt: string | null = null;
  for (const { text: arg } of argv.slice(3)) {
    const upper = arg.toUpperCase();
    if (upper.startsWith('NOTIFY=')) {
      if (discarded(s, 'DSN')) return fail(SMTPD_REPLY.dsn_disabled);
      if (notify !== 0) return fail(SMTPD_REPLY.bad_notify);
      notify = dsnNotifyMask(arg.slice(7));
      if (notify === 0) return fail(SMTPD_REPLY.bad_notify);
    } else if (upper.startsWith('ORCPT=')) {
      if (discarded(s, 'DSN')) return fail(SMTPD_REPLY.dsn_disabled);
      const value = arg.slice(6);
      const semi = value.indexOf(';');
      const type = semi < 0 ? '' : value.slice(0, semi);
      const coded = semi < 0 ? '' : value.slice(semi + 1);
      const decoded: Buffer | null =
        orcpt !== null || semi < 0 || type === ''
          ? null
          : type.toLowerCase() === 'utf-8'
            ? uxtextUnquote(coded)
            : xtextUnquote(coded);
      if (decoded === null || decoded.includes(0)) return fail(SMTPD_REPLY.bad_orcpt);
      orcpt = `${type};${decoded.toString('utf8')}`;
    } else {
      return fail(SMTPD_REPLY.unsupported_option(arg));
    }
  }
  if (p.smtpd_recipient_limit > 0 && t.rcpts.length >= p.smtpd_recipient_limit) {
    await chatReply(s, SMTPD_REPLY.too_many_recipients);
    return s.rcptOvershoot++ < p.smtpd_recipient_overshoot_limit;
  }
  if (p.strict_smtputf8 && !t.mail.smtputf8 && address !== '' && !ASCII.test(address)) {
    return fail(SMTPD_REPLY.must_declare_smtputf8);
  }
  const err = await smtpdCheckRcpt(s, address);
  if (err !== null) return fail(err);
  if (openQueueFile(s) === null) return fail(SMTPD_REPLY.write_error);
  if (orcpt === null) {
    const given = argv[2]!.text;
    orcpt = `rfc822;${given.startsWith('<') && given.endsWith('>') ? given.slice(1, -1) : given}`;
  }
  t.rcpts.push({ address, orcpt, notify });
  if (s.recipientForLog === null) s.recipientForLog = address;
  await chatReply(s, SMTPD_REPLY.rcpt_ok);
  return true;
}
