/**
 * smtpd_sasl_glue: turns SASL on for a session — which AUTH mechanisms
 * EHLO offers, given the back end's mechanisms and the security options in
 * force (smtpd_sasl_security_options before TLS, smtpd_sasl_tls_security_options
 * after; `noplaintext` hides PLAIN and LOGIN), and never before TLS with
 * smtpd_tls_auth_only — and handles MAIL FROM's AUTH= parameter.
 *
 * Parameters: smtpd_sasl_auth_enable, smtpd_sasl_security_options,
 *   smtpd_sasl_tls_security_options, smtpd_tls_auth_only
 * See: postfix/src/smtpd/smtpd_sasl_glue.c (smtpd_sasl_activate), smtpd_sasl_proto.c (smtpd_sasl_mail_opt)
 */
import { printable } from '../log/log_printable.ts';
import type { SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';

const PLAINTEXT = new Set(['PLAIN', 'LOGIN']);

/** smtpd_sasl_activate(): the mechanisms offered now (null: AUTH not offered). */
export async function saslActivate(s: SmtpdSession, tls: boolean): Promise<void> {
  const backend = s.ctx.sasl;
  const p = s.ctx.params;
  s.saslMechanisms = null;
  if (backend === null || !p.smtpd_sasl_auth_enable) return;
  if (!tls && (p.smtpd_tls_auth_only || s.ctx.tlsRequired)) return;
  const options = (tls ? p.smtpd_sasl_tls_security_options : p.smtpd_sasl_security_options).map((o) => o.toLowerCase());
  const mechs = (await backend.mechanisms()).filter((m) => !(options.includes('noplaintext') && PLAINTEXT.has(m)));
  s.saslMechanisms = mechs.length === 0 ? null : mechs.join(' ');
}

/** smtpd_sasl_mail_opt(): MAIL FROM ... AUTH=<addr> (kept printable; `<>` means none). */
export function saslMailOpt(s: SmtpdSession, value: string): { reply: SmtpdReply | null; sender: string | null } {
  if (s.sasl?.sender != null) {
    return { reply: { code: 503, dsn: '5.5.4', text: 'Error: multiple AUTH= options' }, sender: null };
  }
  return { reply: null, sender: value === '<>' ? null : printable(value) };
}
