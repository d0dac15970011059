/**
 * smtpd_helo: HELO and EHLO. Both reset the session as RSET does (RFC 5321
 * section 4.1.4), keep the name the client gave (unprintable characters
 * and `<>()\";@` made `?`, so it cannot forge a Received: or log field),
 * and, with smtpd_delay_reject = no, run smtpd_helo_restrictions first.
 * EHLO answers with the keyword list of smtpd_ehlo.ts and switches the
 * protocol to ESMTP.
 *
 * Parameters: smtpd_delay_reject
 * Security: the HELO name is client text and ends up in headers and logs: neutered here
 * Standards: RFC 5321 section 4.1.1.1, RFC 1869
 * See: postfix/src/smtpd/smtpd.c (helo_cmd, ehlo_cmd, helo_reset)
 */
import { printable } from '../log/log_printable.ts';
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckHelo } from './smtpd_check.ts';
import { ehloLines } from './smtpd_ehlo.ts';
import { SMTPD_REPLY } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

const NEUTER = /[ <>()\\";@]/g;

/** The HELO name as smtpd keeps it. */
export function neuterHelo(name: string, smtputf8: boolean): string {
  return printable(name, smtputf8).replace(NEUTER, '?');
}

async function heloCommon(s: SmtpdSession, argv: readonly SmtpdToken[], esmtp: boolean): Promise<boolean> {
  if (argv.length < 2) {
    await chatReply(s, esmtp ? SMTPD_REPLY.ehlo_syntax : SMTPD_REPLY.helo_syntax);
    return false;
  }
  const name = argv
    .slice(1)
    .map((t) => t.text)
    .join(' ');
  if (!s.ctx.params.smtpd_delay_reject) {
    const err = await smtpdCheckHelo(s, name);
    if (err !== null) {
      await chatReply(s, err);
      return false;
    }
  }
  s.resetTransaction();
  s.helo = neuterHelo(name, s.ctx.params.smtputf8_enable);
  if (esmtp) {
    s.protocol = 'ESMTP';
    await chatReply(s, SMTPD_REPLY.ehlo(ehloLines(s)));
  } else {
    await chatReply(s, SMTPD_REPLY.helo_ok(s.ctx.myhostname));
  }
  return true;
}

export function heloCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  return heloCommon(s, argv, false);
}

export function ehloCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  return heloCommon(s, argv, true);
}
