/**
 * smtpd_starttls: STARTTLS and TLS wrapper mode. STARTTLS answers `220
 * 2.0.0 Ready to start TLS`, sends it, throws away any plaintext the client
 * pipelined after the command (CVE-2011-0411: nothing sent in the clear
 * may act as if sent encrypted), forgets HELO, SASL and the transaction
 * (RFC 3207 section 4.2), and does the handshake; a failed handshake ends
 * the session. Wrapper mode (port 465) does the handshake before the
 * greeting. Then the `TLS connection established` line (with
 * smtpd_tls_loglevel >= 1), and the TLS facts for Received: and policy.
 *
 * Parameters: smtpd_starttls_timeout, smtpd_tls_loglevel, smtpd_tls_auth_only,
 *   smtpd_client_new_tls_session_rate_limit
 * Diagnostics: `SSL_accept error from NAMADDR: ...`, `Anonymous TLS connection
 *   established from ...`, `warning: Wrapper-mode request dropped from ...`
 * Security: the plaintext buffer is emptied before the handshake
 * Standards: RFC 3207, RFC 8314
 * See: postfix/src/smtpd/smtpd.c (starttls_cmd, smtpd_start_tls), postfix/src/tls/tls_misc.c
 */
import type { TLSSocket } from 'node:tls';
import { chatReply } from './smtpd_chat.ts';
import { discarded } from './smtpd_ehlo.ts';
import { anvilNewTls, anvilTlsRefused } from './smtpd_limits.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { SMTPD_REPLY } from './smtpd_replies.ts';
import { saslActivate } from './smtpd_sasl_glue.ts';
import type { SmtpdSession, TlsInfo } from './smtpd_state.ts';
import { SessionEnd } from './smtpd_stream.ts';
import type { SmtpdToken } from './smtpd_token.ts';

/** Secret bits of a cipher suite, from its name (Node does not say). */
function cipherBits(name: string): number {
  if (/AES_?128|AES128/.test(name)) return 128;
  if (/CHACHA20|AES_?256|AES256/.test(name)) return 256;
  return 128;
}

/** What tls_misc.c logs and Received: shows about a session. */
export function tlsInfo(tls: TLSSocket, signature: string): TlsInfo {
  const protocol = tls.getProtocol() ?? 'TLS';
  const cipher = tls.getCipher();
  const name = cipher?.standardName?.startsWith('TLS_') ? cipher.standardName : (cipher?.name ?? 'unknown');
  const bits = cipherBits(name);
  // Node tells the key exchange to clients only; a server side that cannot know it leaves it out.
  const kex = tls.getEphemeralKeyInfo() as { name?: string } | null;
  const kexText = kex?.name ? ` key-exchange ${kex.name}` : '';
  const sig = signature === '' ? '' : ` server-signature ${signature} server-digest SHA256`;
  const details = `${protocol} with cipher ${name} (${bits}/${bits} bits)${kexText}${sig}`;
  const first = `\t(using ${protocol} with cipher ${name} (${bits}/${bits} bits)`;
  const receivedLines =
    kexText === '' && sig === ''
      ? [`${first})`, '\t(No client certificate requested)']
      : [first, `\t${kexText === '' ? sig : `${kexText}${sig}`})`, '\t(No client certificate requested)'];
  return { protocol, cipher: name, bits, algBits: bits, details, receivedLines, peerCertificate: false };
}

/** smtpd_start_tls(): the handshake on the current stream; false when the session must end. */
async function startTls(s: SmtpdSession): Promise<boolean> {
  const tls = s.ctx.tls!;
  let socket: TLSSocket;
  try {
    socket = await s.stream.startTls(
      { secureContext: tls.context!, minVersion: tls.minVersion },
      s.ctx.params.smtpd_starttls_timeout,
    );
  } catch (err) {
    const why = err instanceof SessionEnd ? err.reason : err instanceof Error ? err.message : String(err);
    s.ctx.log.info(SMTPD_LOG.tlsAcceptError(s.peer.namaddr, why));
    throw new SessionEnd(err instanceof SessionEnd ? err.reason : 'lost connection');
  }
  s.tls = tlsInfo(socket, tls.signature);
  if (await anvilNewTls(s)) {
    await chatReply(s, SMTPD_REPLY.too_many_tls_sessions(s.ctx.myhostname, s.peer.namaddr));
    return false;
  }
  if (Number.parseInt(s.ctx.params.smtpd_tls_loglevel, 10) >= 1) {
    s.ctx.log.info(SMTPD_LOG.tlsEstablished('Anonymous', s.peer.namaddr, s.tls.details));
  }
  if (s.ctx.params.smtpd_sasl_auth_enable) await saslActivate(s, true);
  return true;
}

export async function starttlsCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  if (argv.length !== 1) {
    await chatReply(s, SMTPD_REPLY.starttls_syntax);
    return false;
  }
  if (s.tls !== null) {
    await chatReply(s, SMTPD_REPLY.tls_already_active);
    return false;
  }
  const tls = s.ctx.tls;
  if (tls === null || discarded(s, 'STARTTLS')) {
    await chatReply(s, SMTPD_REPLY.not_implemented);
    return false;
  }
  if (tls.context === null) {
    await chatReply(s, SMTPD_REPLY.tls_unavailable);
    return false;
  }
  if (await anvilTlsRefused(s)) {
    s.ctx.log.warn(SMTPD_LOG.refusingStarttls(s.peer.namaddr, s.ctx.serviceName));
    await chatReply(s, SMTPD_REPLY.tls_too_many(s.peer.namaddr));
    return false;
  }
  await chatReply(s, SMTPD_REPLY.tls_ready);
  // helo_reset(), mail_reset(), rcpt_reset(); the plaintext purge happens in the stream.
  s.helo = null;
  s.resetTransaction();
  s.sasl = null;
  s.saslMechanisms = null;
  if (!(await startTls(s))) s.hangup = true;
  return true;
}

/** TLS wrapper mode: the handshake before the greeting; false when the client is dropped. */
export async function wrapperModeStart(s: SmtpdSession): Promise<boolean> {
  const tls = s.ctx.tls;
  if (tls === null || tls.context === null) {
    s.ctx.log.warn(SMTPD_LOG.wrapperDropped(s.peer.namaddr, s.ctx.serviceName));
    return false;
  }
  if (await anvilTlsRefused(s)) {
    s.ctx.log.warn(`Refusing TLS service request from ${s.peer.namaddr} for service ${s.ctx.serviceName}`);
    return false;
  }
  return startTls(s);
}
