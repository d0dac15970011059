/**
 * smtpd_limits: the client limits smtpd applies with its anvil counters
 * (smtpd_anvil.ts): connection count and rate at connect, message rate at
 * MAIL, recipient rate at RCPT and VRFY, AUTH rate, and new TLS sessions.
 * Clients in smtpd_client_event_limit_exceptions are neither counted nor
 * limited.
 *
 * Parameters: smtpd_client_connection_count_limit, smtpd_client_connection_rate_limit,
 *   smtpd_client_message_rate_limit, smtpd_client_recipient_rate_limit,
 *   smtpd_client_new_tls_session_rate_limit, smtpd_client_auth_rate_limit,
 *   anvil_rate_time_unit
 * Diagnostics: `warning: Connection concurrency limit exceeded: N from NAMADDR for service S`
 *   and the other rate warnings
 * See: postfix/src/smtpd/smtpd.c (anvil_clnt_* calls)
 */
import { SMTPD_LOG } from './smtpd_log.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';

function key(s: SmtpdSession): string {
  return `${s.ctx.serviceName}:${s.peer.addr}`;
}

function unit(s: SmtpdSession): number {
  return s.ctx.params.anvil_rate_time_unit * 1000;
}

/** Counts the connection and checks the count and rate limits. */
export async function anvilConnect(s: SmtpdSession): Promise<{ counted: boolean; refusal: SmtpdReply | null }> {
  if (s.anvilExempt) return { counted: false, refusal: null };
  const p = s.ctx.params;
  const [count, rate] = await s.ctx.anvil.connect(key(s), unit(s));
  const service = s.ctx.serviceName;
  if (p.smtpd_client_connection_count_limit > 0 && count > p.smtpd_client_connection_count_limit) {
    s.ctx.log.warn(SMTPD_LOG.connectionCountExceeded(count, s.peer.namaddr, service));
    return { counted: true, refusal: SMTPD_REPLY.too_many_connections(s.ctx.myhostname, s.peer.addr) };
  }
  if (p.smtpd_client_connection_rate_limit > 0 && rate > p.smtpd_client_connection_rate_limit) {
    s.ctx.log.warn(SMTPD_LOG.connectionRateExceeded(rate, s.peer.namaddr, service));
    return { counted: true, refusal: SMTPD_REPLY.too_many_connections(s.ctx.myhostname, s.peer.addr) };
  }
  return { counted: true, refusal: null };
}

export function anvilDisconnect(s: SmtpdSession): void {
  s.ctx.anvil.disconnect(key(s));
}

/** MAIL: the message rate; a refusal when over smtpd_client_message_rate_limit. */
export async function anvilMail(s: SmtpdSession): Promise<SmtpdReply | null> {
  const limit = s.ctx.params.smtpd_client_message_rate_limit;
  if (s.anvilExempt || limit <= 0) return null;
  const rate = await s.ctx.anvil.event(key(s), 'mail', unit(s));
  if (rate <= limit) return null;
  s.ctx.log.warn(SMTPD_LOG.messageRateExceeded(rate, s.peer.namaddr, s.ctx.serviceName));
  return SMTPD_REPLY.too_much_mail(s.peer.addr);
}

/** RCPT and VRFY: the recipient rate. */
export async function anvilRcpt(s: SmtpdSession): Promise<SmtpdReply | null> {
  const limit = s.ctx.params.smtpd_client_recipient_rate_limit;
  if (s.anvilExempt || limit <= 0) return null;
  const rate = await s.ctx.anvil.event(key(s), 'rcpt', unit(s));
  if (rate <= limit) return null;
  s.ctx.log.warn(SMTPD_LOG.recipientRateExceeded(rate, s.peer.namaddr, s.ctx.serviceName));
  return SMTPD_REPLY.too_many_recipients_from(s.peer.addr);
}

/** AUTH: the AUTH command rate. */
export async function anvilAuth(s: SmtpdSession): Promise<SmtpdReply | null> {
  const limit = s.ctx.params.smtpd_client_auth_rate_limit;
  if (s.anvilExempt || limit <= 0) return null;
  const rate = await s.ctx.anvil.event(key(s), 'auth', unit(s));
  if (rate <= limit) return null;
  s.ctx.log.warn(SMTPD_LOG.authRateExceeded(rate, s.peer.namaddr, s.ctx.serviceName));
  return SMTPD_REPLY.auth_too_many(s.peer.addr);
}

/** STARTTLS / wrapper mode: true when the client started too many new TLS sessions. */
export async function anvilTlsRefused(s: SmtpdSession): Promise<boolean> {
  const limit = s.ctx.params.smtpd_client_new_tls_session_rate_limit;
  return !s.anvilExempt && limit > 0 && (await s.ctx.anvil.peek(key(s), 'newtls')) > limit;
}

/** Counts a new (not resumed) TLS session; true when that goes over the limit. */
export async function anvilNewTls(s: SmtpdSession): Promise<boolean> {
  const limit = s.ctx.params.smtpd_client_new_tls_session_rate_limit;
  if (s.anvilExempt || limit <= 0) return false;
  const rate = await s.ctx.anvil.event(key(s), 'newtls', unit(s));
  if (rate <= limit) return false;
  s.ctx.log.warn(SMTPD_LOG.tlsRateExceeded(rate, s.peer.namaddr, s.ctx.serviceName));
  return true;
}
