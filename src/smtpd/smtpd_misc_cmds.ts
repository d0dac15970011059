/**
 * smtpd_misc_cmds: the small commands — RSET, NOOP, VRFY (per
 * disable_vrfy_command; the address is checked as a recipient and echoed
 * with 252, never confirmed), ETRN (checked against smtpd_etrn_restrictions;
 * affix has no fast flush service, so it answers as Postfix does when that
 * service refuses), QUIT, HELP, and XCLIENT/XFORWARD, which affix grants
 * to no client.
 *
 * Parameters: disable_vrfy_command, smtpd_helo_required, smtputf8_enable, strict_smtputf8
 * Diagnostics: `warning: reject: ETRN domain... from namaddr`
 * Standards: RFC 5321 sections 3.5.3 and 4.1.1.5-4.1.1.10, RFC 1985 (ETRN)
 * See: postfix/src/smtpd/smtpd.c (rset_cmd, noop_cmd, vrfy_cmd, etrn_cmd, quit_cmd, help_cmd, xclient_cmd)
 */
import { validHostname } from '../dns/dns_name.ts';
import { extractAddr } from './smtpd_addr.ts';
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckEtrn, smtpdCheckRcpt } from './smtpd_check.ts';
import { discarded } from './smtpd_ehlo.ts';
import { anvilRcpt } from './smtpd_limits.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

/** The verbs HELP lists (sorted, as argv_sort() leaves them). */
const HELP_COMMANDS = 'AUTH BDAT DATA EHLO ETRN HELO HELP MAIL NOOP QUIT RCPT RSET STARTTLS VRFY XCLIENT XFORWARD';
const ASCII = /^[\x00-\x7f]*$/;

async function fail(s: SmtpdSession, r: SmtpdReply): Promise<false> {
  await chatReply(s, r);
  return false;
}

export async function rsetCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  if (argv.length !== 1) return fail(s, SMTPD_REPLY.rset_syntax);
  s.resetTransaction();
  await chatReply(s, SMTPD_REPLY.ok);
  return true;
}

export async function noopCmd(s: SmtpdSession): Promise<boolean> {
  await chatReply(s, SMTPD_REPLY.ok);
  return true;
}

export async function quitCmd(s: SmtpdSession): Promise<boolean> {
  await chatReply(s, SMTPD_REPLY.bye);
  s.stream.flush();
  return true;
}

export async function helpCmd(s: SmtpdSession): Promise<boolean> {
  await chatReply(s, SMTPD_REPLY.help(HELP_COMMANDS));
  return true;
}

export async function vrfyCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const p = s.ctx.params;
  if (p.disable_vrfy_command) return fail(s, SMTPD_REPLY.vrfy_disabled);
  let args = argv;
  let smtputf8 = false;
  if (p.smtputf8_enable && !discarded(s, 'SMTPUTF8') && args.length > 1) {
    if (args[args.length - 1]!.text.toUpperCase() === 'SMTPUTF8') {
      args = args.slice(0, -1);
      smtputf8 = true;
    }
  }
  if (args.length < 2) return fail(s, SMTPD_REPLY.vrfy_syntax(p.smtputf8_enable));
  const rate = await anvilRcpt(s);
  if (rate !== null) return fail(s, rate);
  const given = args
    .slice(1)
    .map((a) => a.text)
    .join(' ');
  const address = await extractAddr(s, given, false, false, smtputf8);
  if (address === null) return fail(s, SMTPD_REPLY.bad_recipient);
  if (!smtputf8 && p.strict_smtputf8 && !ASCII.test(address)) return fail(s, SMTPD_REPLY.must_declare_smtputf8);
  const err = await smtpdCheckRcpt(s, address);
  if (err !== null) return fail(s, err);
  await chatReply(s, SMTPD_REPLY.vrfy_ok(given));
  return true;
}

/** valid_mailhost_literal() for ETRN: `[address]`. */
function validLiteral(text: string): boolean {
  return /^\[(?:IPv6:[0-9A-Fa-f:.]+|\d{1,3}(?:\.\d{1,3}){3})\]$/.test(text);
}

export async function etrnCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  if (s.ctx.params.smtpd_helo_required && s.helo === null) return fail(s, SMTPD_REPLY.etrn_need_helo);
  if (s.inMailTransaction) return fail(s, SMTPD_REPLY.etrn_in_transaction);
  if (argv.length !== 2) return fail(s, SMTPD_REPLY.etrn_syntax);
  let domain = argv[1]!.text;
  if (domain.startsWith('@') || domain.startsWith('#')) domain = domain.slice(1);
  if (!validHostname(domain) && !validLiteral(domain)) return fail(s, SMTPD_REPLY.etrn_bad_domain);
  const err = await smtpdCheckEtrn(s, domain);
  if (err !== null) return fail(s, err);
  // No fast flush service: Postfix's answer when the flush server refuses the site.
  s.ctx.log.warn(SMTPD_LOG.etrnReject(domain.slice(0, 100), s.peer.namaddr));
  return fail(s, SMTPD_REPLY.etrn_denied(domain));
}

async function xcommand(s: SmtpdSession, argv: readonly SmtpdToken[], name: string): Promise<boolean> {
  if (s.inMailTransaction) return fail(s, SMTPD_REPLY.x_in_transaction);
  if (argv.length < 2) return fail(s, SMTPD_REPLY.x_syntax(name));
  return fail(s, SMTPD_REPLY.x_unauthorized);
}

export function xclientCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  return xcommand(s, argv, 'XCLIENT');
}

export function xforwardCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  return xcommand(s, argv, 'XFORWARD');
}
