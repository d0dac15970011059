/**
 * smtpd_addr: takes the address out of a MAIL FROM, RCPT TO or VRFY
 * argument as Postfix does — strips the outer `<>` and a source route,
 * parses what is left as RFC 822 (tolerating comments and the like unless
 * strict_rfc821_envelopes is set), writes the one address found in
 * internal form, and asks the resolver whether its domain is well formed.
 *
 * Parameters: strict_rfc821_envelopes (passed in)
 * Diagnostics: `warning: Illegal address syntax from NAMADDR in CMD command: ARG`
 * Security: client text; a non-ASCII domain is refused unless SMTPUTF8 was requested
 * See: postfix/src/smtpd/smtpd.c (extract_addr, which parses with the shared
 *   tok822_parse, here maps/tok822_parse.ts), postfix/src/smtpd/smtpd_check.c (smtpd_check_addr)
 */
import { tok822Internalize, tok822Parse } from '../maps/tok822_parse.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import type { SmtpdResolver } from './smtpd_resolve.ts';
import type { SmtpdSession } from './smtpd_state.ts';

const ASCII = /^[\x00-\x7f]*$/;

/** smtpd_check_addr(): true when the address resolves without error. */
export async function checkAddr(
  resolver: SmtpdResolver,
  sender: string,
  addr: string,
  smtputf8: boolean,
): Promise<boolean> {
  if (addr === '') return true;
  const reply = await resolver.resolve(sender, addr);
  if (reply.error) return false;
  if (!smtputf8) {
    const at = reply.recipient.lastIndexOf('@');
    const domain = at < 0 ? '' : reply.recipient.slice(at + 1);
    if (domain !== '' && !ASCII.test(domain)) return false;
  }
  return true;
}

/**
 * The internal form of the address in `arg`, or null (after the warning)
 * when the argument does not hold exactly one acceptable address.
 */
export async function extractAddr(
  s: SmtpdSession,
  arg: string,
  allowEmpty: boolean,
  strict: boolean,
  smtputf8: boolean,
): Promise<string | null> {
  let text = arg.startsWith('<') && arg.endsWith('>') && arg.length >= 2 ? arg.slice(1, -1) : arg;
  if (text.startsWith('@') && text.includes(':')) text = text.slice(text.indexOf(':') + 1);
  const tree = tok822Parse(text);
  let naddr = 0;
  let nonAddr = 0;
  let addr: string | null = null;
  for (let tp = tree; tp !== null; tp = tp.next) {
    if (tp.type === 'addr') {
      naddr++;
      addr = tok822Internalize(tp.head);
    } else if (tp.type !== '<' && tp.type !== '>') {
      nonAddr++;
    }
  }
  const warn = () => s.ctx.log.warn(SMTPD_LOG.illegalAddress(s.peer.namaddr, s.where, arg));
  if (naddr > 1 || (strict && (nonAddr > 0 || !arg.startsWith('<')))) {
    warn();
    return null;
  }
  const result = addr ?? '';
  const other = s.where === 'MAIL' ? (s.recipientForLog ?? '') : (s.sender ?? '');
  if (
    (result === '' && !allowEmpty) ||
    (strict && result.startsWith('@')) ||
    !(await checkAddr(s.ctx.resolver, other, result, smtputf8))
  ) {
    warn();
    return null;
  }
  return result;
}
