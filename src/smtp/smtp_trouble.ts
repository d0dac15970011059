/**
 * smtp_trouble: the client's error policy, as Postfix's smtp_trouble.c.
 * A soft error (4.x.x, or 5.x.x under soft_bounce) from a server that is
 * not the last to try only logs `ID: reason` and keeps the recipients for
 * the next server; otherwise recipients are deferred or bounced and
 * dropped. Failures of the whole host (connect, greeting, TLS, lost
 * connection) throttle the destination unless a session completed.
 *
 * Diagnostics: info `ID: reason` for a skipped host; replies outside
 *   4xx/5xx become `Protocol error: ...` with 5.5.0
 * See: postfix/src/smtp/smtp_trouble.c
 */
import type { DeliveryRecipient } from '../queue/deliver_request.ts';
import type { SmtpResp } from './smtp_chat.ts';
import { SMTP_REASON, type SmtpReason } from './smtp_reasons.ts';
import type { SmtpState, SmtpWhy } from './smtp_state.ts';
import type { SmtpStreamFailure } from './smtp_stream.ts';

export interface FailFlags {
  /** Mark the destination as problematic (SMTP_MISC_FAIL_THROTTLE). */
  readonly throttle?: boolean;
  /** A hard error counts as soft while other servers remain (SMTP_MISC_FAIL_SOFT_NON_FINAL). */
  readonly softNonFinal?: boolean;
  /** Do not reuse the session (SMTP_MISC_FAIL_DONT_CACHE). */
  readonly dontCache?: boolean;
}

/** smtp_check_code(): codes that suggest a protocol problem end session reuse. */
function checkCode(state: SmtpState, code: number): void {
  const session = state.session;
  if (session === null) return;
  if (code < 400 || code > 599 || code === 555 || (code >= 500 && code < 510)) {
    session.protocolError = true;
    session.dontCache();
  }
}

/** vsmtp_fill_dsn(): the error, with "Protocol error" for a server status that is neither 4 nor 5. */
export function fillWhy(
  state: SmtpState,
  mta: string | null,
  dsn: string,
  reply: string | null,
  text: string,
): SmtpWhy {
  if (mta !== null && dsn[0] !== '4' && dsn[0] !== '5') {
    state.session?.dontCache();
    if (state.session) state.session.protocolError = true;
    return { dsn: '5.5.0', text: `${SMTP_REASON.protocolError}${text}`, mta, reply };
  }
  return { dsn, text, mta, reply };
}

/** The error of a local decision (DSN_BY_LOCAL_MTA). */
export function localWhy(reason: SmtpReason): SmtpWhy {
  return { dsn: reason.dsn, text: reason.text, mta: null, reply: null };
}

/** smtp_bulk_fail(): skip the host, or defer/bounce every recipient not yet marked. */
export function bulkFail(state: SmtpState, flags: FailFlags = {}): void {
  const why = state.why;
  if (why === null) throw new Error('bulkFail: no error set');
  let soft = why.dsn[0] === '4';
  const softBounce = why.dsn[0] === '5' && state.ctx.params.soft_bounce;
  if (flags.softNonFinal) {
    if (soft) state.ctx.log.warn('smtp_bulk_fail: ignoring SMTP_MISC_FAIL_SOFT_NON_FINAL for a soft error');
    else soft = !state.finalServer;
  }
  if ((soft || softBounce) && !state.finalServer) {
    state.ctx.log.info(`${state.request.queueId}: ${why.text}`);
    for (const rcpt of state.unmarked()) state.keep(rcpt);
  } else {
    const now = state.ctx.micros();
    if (state.connSetupDone === null) state.connSetupDone = now;
    state.deliverDone = now;
    let deferred = false;
    for (const rcpt of state.unmarked()) {
      if (state.report(rcpt, soft ? 'deferred' : 'bounced', why) === 'deferred') deferred = true;
    }
    if (!state.completeSession && flags.throttle && deferred) state.siteFailure = true;
  }
  const session = state.session;
  if (session !== null && (flags.throttle || flags.dontCache)) session.dontCache();
}

/** smtp_misc_fail(): a failure of the host or message with its reply (null: a local decision). */
export function miscFail(state: SmtpState, flags: FailFlags, mta: string | null, resp: SmtpResp, text: string): void {
  state.why = fillWhy(state, mta, resp.dsn, mta === null ? null : resp.str.replaceAll('\n', ' '), text);
  if (mta !== null) checkCode(state, resp.code);
  bulkFail(state, flags);
}

/** smtp_site_fail(): the server cannot be talked to; throttles the destination. */
export function siteFail(state: SmtpState, mta: string | null, resp: SmtpResp, text: string): void {
  miscFail(state, { throttle: true }, mta, resp, text);
}

/** smtp_mesg_fail(): the server refused the sender or the message. */
export function mesgFail(state: SmtpState, mta: string | null, resp: SmtpResp, text: string): void {
  miscFail(state, {}, mta, resp, text);
}

/** smtp_sess_fail(): the error already in state.why, for the whole host. */
export function sessFail(state: SmtpState): void {
  bulkFail(state, { throttle: true });
}

/** smtp_rcpt_fail(): one recipient refused. */
export function rcptFail(state: SmtpState, rcpt: DeliveryRecipient, mta: string, resp: SmtpResp, text: string): void {
  const why = fillWhy(state, mta, resp.dsn, resp.str.replaceAll('\n', ' '), text);
  state.why = why;
  checkCode(state, resp.code);
  const soft = why.dsn[0] === '4';
  const softBounce = why.dsn[0] === '5' && state.ctx.params.soft_bounce;
  if ((soft || softBounce) && !state.finalServer) {
    state.ctx.log.info(`${state.request.queueId}: ${why.text}`);
    state.keep(rcpt);
  } else {
    state.report(rcpt, soft ? 'deferred' : 'bounced', why);
  }
}

/** smtp_stream_except(): the connection was lost or timed out while `stage`. */
export function streamExcept(state: SmtpState, kind: SmtpStreamFailure, stage: string): void {
  const session = state.session;
  if (session === null) throw new Error('streamExcept: no session');
  const reason =
    kind === 'eof' ? SMTP_REASON.lost(session.namaddr, stage) : SMTP_REASON.timeout(session.namaddr, stage);
  state.why = localWhy(reason);
  bulkFail(state, { throttle: true });
}
