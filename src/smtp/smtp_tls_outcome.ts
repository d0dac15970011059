/**
 * smtp_tls_outcome: what a TLS session (or a server without STARTTLS)
 * meant for the destination's DANE or MTA-STS policy — counted for TLS-RPT
 * (success, or the failure's result type), and, under an MTA-STS policy in
 * `testing` mode, a warning for what `enforce` would have refused while
 * the delivery goes on.
 *
 * Diagnostics: `warning: MTA-STS policy of DOMAIN (testing): server certificate
 *   not verified for HOST[ADDR]:PORT; delivering anyway`, `warning: MTA-STS policy of
 *   DOMAIN (testing): TLS is not offered by host HOST[ADDR]; delivering anyway`
 * See: RFC 8461 section 5 (testing), RFC 8460 section 4.3
 */
import type { SmtpSession } from './smtp_session.ts';
import type { SmtpState } from './smtp_state.ts';
import type { TlsStartResult } from './smtp_tls.ts';
import { tlsRptPolicy, tlsRptRecord } from './smtp_tls_rpt.ts';

/** After a handshake: TLS-RPT counts, and the MTA-STS testing check. */
export function tlsSessionOutcome(state: SmtpState, session: SmtpSession, result: TlsStartResult & { ok: true }): void {
  const ctx = state.ctx;
  const policy = session.policy;
  let failure = result.failure;
  const sts = policy.sts;
  if (sts !== undefined && sts.policy.mode === 'testing' && !result.stsVerified) {
    ctx.log.warn(
      `MTA-STS policy of ${sts.domain} (testing): server certificate not verified for ${session.namaddrport}; delivering anyway`,
    );
    failure ??= result.trust === 'Untrusted' ? 'certificate-not-trusted' : 'certificate-host-mismatch';
  }
  tlsRptRecord(
    ctx.tlsRpt,
    tlsRptPolicy(session.domain, policy, session.host),
    failure === null ? null : { resultType: failure, receivingMxHostname: session.host, receivingIp: session.addr },
  );
}

/** The server did not offer STARTTLS (or refused it) under a DANE or MTA-STS policy. */
export function tlsNotOffered(state: SmtpState, session: SmtpSession): void {
  const sts = session.policy.sts;
  if (sts !== undefined && sts.policy.mode === 'testing') {
    state.ctx.log.warn(
      `MTA-STS policy of ${sts.domain} (testing): TLS is not offered by host ${session.namaddr}; delivering anyway`,
    );
  }
  tlsRptRecord(state.ctx.tlsRpt, tlsRptPolicy(session.domain, session.policy, session.host), {
    resultType: 'starttls-not-supported',
    receivingMxHostname: session.host,
    receivingIp: session.addr,
  });
}

/** The handshake failed under a DANE or MTA-STS policy. */
export function tlsHandshakeFailed(state: SmtpState, session: SmtpSession): void {
  tlsRptRecord(state.ctx.tlsRpt, tlsRptPolicy(session.domain, session.policy, session.host), {
    resultType: 'validation-failure',
    receivingMxHostname: session.host,
    receivingIp: session.addr,
    failureReasonCode: 'handshake-failure',
  });
}
