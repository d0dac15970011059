/**
 * smtpd_mail: MAIL FROM. Checks the command's place in the session, the
 * client's message rate, the sender address and the ESMTP parameters
 * (BODY, SIZE, SMTPUTF8, AUTH, RET, ENVID), the declared size against
 * message_size_limit, and with smtpd_delay_reject = no the sender
 * restrictions; then starts the transaction.
 *
 * Parameters: smtpd_helo_required, strict_rfc821_envelopes, smtputf8_enable,
 *   strict_smtputf8, message_size_limit, smtpd_delay_reject, smtpd_client_message_rate_limit
 * Security: the sender and parameters are client text; each is parsed by
 *   one function and refused when malformed
 * Standards: RFC 5321 section 4.1.1.2, RFC 1870 (SIZE), RFC 6152 (BODY), RFC 3461 (RET, ENVID), RFC 6531
 * See: postfix/src/smtpd/smtpd.c (mail_cmd), postfix/src/smtpd/smtpd_check.c (smtpd_check_size)
 */

import { extractAddr } from './smtpd_addr.ts';
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckMail, smtpdCheckSize } from './smtpd_check.ts';
import { dsnRet, printableTab, xtextUnquote } from './smtpd_dsn.ts';
import { discarded } from './smtpd_ehlo.ts';
import { anvilMail } from './smtpd_limits.ts';
import { SMTPD_REPLY } from './smtpd_replies.ts';
import { saslMailOpt } from './smtpd_sasl_glue.ts';
import type { MailParams, SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

const ASCII = /^[\x00-\x7f]*$/;
const MAX_SIZE = 2 ** 53 - 1;

export async function mailCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const p = s.ctx.params;
  const fail = async (r: Parameters<typeof chatReply>[1]) => {
    await chatReply(s, r);
    return false;
  };
  if (p.smtpd_helo_required && s.helo === null) return fail(SMTPD_REPLY.need_helo);
  if (s.txn.stage === 'mail') return fail(SMTPD_REPLY.nested_mail);
  if (s.bdatState !== 'none') return fail(SMTPD_REPLY.mail_after_bdat);
  if (argv.length < 3 || argv[1]!.text.toLowerCase() !== 'from:') return fail(SMTPD_REPLY.mail_syntax);
  const rate = await anvilMail(s);
  if (rate !== null) return fail(rate);
  if (argv[2]!.error) return fail(SMTPD_REPLY.bad_sender);

  const smtputf8Ok = p.smtputf8_enable && !discarded(s, 'SMTPUTF8');
  const smtputf8 = smtputf8Ok && argv.slice(3).some((a) => a.text.toUpperCase() === 'SMTPUTF8');
  const sender = await extractAddr(s, argv[2]!.text, true, p.strict_rfc821_envelopes, smtputf8);
  if (sender === null) return fail(SMTPD_REPLY.bad_sender);

  let body: MailParams['body'] = null;
  let size = 0;
  let ret: MailParams['ret'] = null;
  let envid: string | null = null;
  let saslSender: string | null = null;
  for (const { text: arg } of argv.slice(3)) {
    const upper = arg.toUpperCase();
    if (upper === 'BODY=8BITMIME') body = '8BITMIME';
    else if (upper === 'BODY=7BIT') body = '7BIT';
    else if (upper.startsWith('SIZE=')) {
      const digits = arg.slice(5);
      if (!/^\d+$/.test(digits)) return fail(SMTPD_REPLY.bad_size_syntax);
      const n = Number(digits);
      if (digits.length > 18 || n > MAX_SIZE) return fail(SMTPD_REPLY.size_overflow);
      size = n;
    } else if (smtputf8Ok && upper === 'SMTPUTF8') {
      // handled above
    } else if (upper.startsWith('AUTH=')) {
      const r = saslMailOpt(s, arg.slice(5));
      if (r.reply !== null) return fail(r.reply);
      saslSender = r.sender;
    } else if (upper.startsWith('RET=')) {
      if (discarded(s, 'DSN')) return fail(SMTPD_REPLY.dsn_disabled);
      const r: MailParams['ret'] = ret === null ? dsnRet(arg.slice(4)) : null;
      if (r === null) return fail(SMTPD_REPLY.bad_ret);
      ret = r;
    } else if (upper.startsWith('ENVID=')) {
      if (discarded(s, 'DSN')) return fail(SMTPD_REPLY.dsn_disabled);
      const decoded: Buffer | null = envid === null ? xtextUnquote(arg.slice(6)) : null;
      if (decoded === null || !printableTab(decoded)) return fail(SMTPD_REPLY.bad_envid);
      envid = decoded.toString('latin1');
    } else {
      return fail(SMTPD_REPLY.unsupported_option(arg));
    }
  }
  const sizeErr = smtpdCheckSize(s, sender, size);
  if (sizeErr !== null) return fail(sizeErr);
  if (!p.smtpd_delay_reject) {
    const err = await smtpdCheckMail(s, sender);
    if (err !== null) {
      s.resetTransaction();
      return fail(err);
    }
  }
  if (p.strict_smtputf8 && !smtputf8 && sender !== '' && !ASCII.test(sender)) {
    return fail(SMTPD_REPLY.must_declare_smtputf8);
  }
  // smtpd_check_queue(): cleanup knows the queue's free space (throws 452 4.3.1 when short).
  await s.ctx.cleanup?.checkSpace?.();
  const arrival = Date.now() * 1000;
  const instance = `${process.pid.toString(16)}.${Math.floor(arrival / 1e6).toString(16)}.${(arrival % 1e6).toString(16)}.${(s.seqno++).toString(16)}`;
  s.txn = {
    stage: 'mail',
    mail: { sender, size, body, smtputf8, envid, ret, arrival, instance },
    rcpts: [],
    queueId: null,
  };
  if (s.sasl !== null) s.sasl.sender = saslSender;
  await chatReply(s, SMTPD_REPLY.mail_ok);
  return true;
}
