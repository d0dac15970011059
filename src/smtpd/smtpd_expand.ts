/**
 * smtpd_expand: the $name attributes of a session that reply templates may
 * use (smtpd_reject_footer, rbl_reply_maps): client_address, client_name,
 * client_port, reverse_client_name, helo_name, sender, sender_name,
 * sender_domain, recipient, recipient_name, recipient_domain. Main.cf
 * parameters are not offered, so that a reply never reveals them. Values
 * are filtered to printable ASCII (other bytes become `_`).
 *
 * See: postfix/src/smtpd/smtpd_expand.c, postfix/src/global/smtp_reply_footer.c
 */
import type { SmtpdSession } from './smtpd_state.ts';

/** Printable ASCII and tab; anything else becomes `_` (smtpd_expand_filter). */
export function expandFilter(text: string): string {
  return text.replace(/[^\t\x20-\x7e]/g, '_');
}

function addressParts(prefix: string, addr: string): Record<string, string> {
  const at = addr.lastIndexOf('@');
  return {
    [prefix]: addr === '' ? '<>' : addr,
    [`${prefix}_name`]: addr === '' ? '<>' : at < 0 ? addr : addr.slice(0, at),
    [`${prefix}_domain`]: at < 0 ? '' : addr.slice(at + 1),
  };
}

/** The session's attributes by name; undefined for any other name (a template error). */
export function sessionExpandLookup(s: SmtpdSession): (name: string) => string | undefined {
  const logged = s.logged;
  const vars: Record<string, string> = {
    client_address: s.peer.addr,
    client_name: s.peer.name,
    client_port: s.peer.port,
    reverse_client_name: s.peer.reverseName,
    helo_name: logged.helo ?? '',
    ...(logged.sender !== null ? addressParts('sender', logged.sender) : {}),
    ...(logged.recipient !== null ? addressParts('recipient', logged.recipient) : {}),
  };
  return (name) => (Object.hasOwn(vars, name) ? expandFilter(vars[name]!) : undefined);
}
