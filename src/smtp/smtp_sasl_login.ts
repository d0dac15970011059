/**
 * smtp_sasl_login: the AUTH exchange at the end of the handshake, as
 * Postfix's smtp_sasl_helo_login(): no credentials for the server, no
 * AUTH; credentials but no usable mechanism, or a refusal, fail the whole
 * session (a 5xx counts as 4xx under smtp_sasl_auth_soft_bounce), so the
 * mail waits rather than going out unauthenticated.
 *
 * Parameters: smtp_sasl_auth_soft_bounce, smtp_sasl_security_options,
 *   smtp_sasl_tls_security_options, smtp_sasl_tls_verified_security_options
 * Diagnostics: `warning: ID: smtp_sasl_password_maps lookup error`
 * Security: stream errors propagate to smtp_helo, which reports them with its stage
 * See: postfix/src/smtp/smtp_sasl_proto.c (smtp_sasl_helo_login), smtp_sasl_glue.c
 */
import { chat } from './smtp_command.ts';
import { SMTP_REASON } from './smtp_reasons.ts';
import {
  chooseMechanism,
  filterMechanisms,
  isLookupError,
  type SaslCredentials,
  saslClient,
  saslCredentials,
} from './smtp_sasl.ts';
import type { SmtpState } from './smtp_state.ts';
import { localWhy, sessFail } from './smtp_trouble.ts';

/** Authenticates when the table has credentials; false after a reported failure. */
export async function smtpSaslLogin(state: SmtpState): Promise<boolean> {
  const session = state.session!;
  const ctx = state.ctx;
  const s = ctx.settings;
  let creds: SaslCredentials | null;
  try {
    creds = await saslCredentials(ctx, session.host, session.dest);
  } catch (err) {
    if (!isLookupError(err)) throw err;
    ctx.log.warn(`${state.request.queueId}: ${ctx.saslPasswordMaps?.title ?? 'smtp_sasl_password_maps'} lookup error`);
    state.why = localWhy(SMTP_REASON.localData(session.namaddr));
    sessFail(state);
    return false;
  }
  if (creds === null) {
    session.features.auth = null;
    return true;
  }
  session.haveSaslCredentials = true;
  const offered = filterMechanisms(ctx, session.features.auth ?? []);
  if (offered.length === 0) {
    state.why = localWhy(SMTP_REASON.saslNoMechanism(session.namaddr));
    sessFail(state);
    return false;
  }
  const options =
    session.tls === null
      ? s.smtp_sasl_security_options
      : session.tls.trust === 'Verified'
        ? s.smtp_sasl_tls_verified_security_options
        : s.smtp_sasl_tls_security_options;
  const mechanism = chooseMechanism(offered, options);
  if (mechanism === null) {
    state.why = localWhy(SMTP_REASON.saslCannot(session.namaddr, 'no mechanism available'));
    sessFail(state);
    return false;
  }
  const client = saslClient(mechanism, creds);
  let deferredInitial: string | null = null;
  let command = `AUTH ${mechanism}`;
  if (client.initial !== null) {
    if (mechanism.length + client.initial.length + 8 <= 512) command += ` ${client.initial}`;
    else deferredInitial = client.initial;
  }
  let resp = await chat(state, session, command);
  for (let steps = 0; Math.floor(resp.code / 100) === 3; steps++) {
    if (steps >= 100) {
      state.why = localWhy(SMTP_REASON.saslLoop(session.namaddr));
      sessFail(state);
      return false;
    }
    const challenge = Buffer.from(resp.str.slice(4).trim(), 'base64').toString('utf8');
    let answer: string;
    if (deferredInitial !== null) {
      answer = deferredInitial;
      deferredInitial = null;
    } else {
      answer = client.step(challenge);
    }
    resp = await chat(state, session, answer);
  }
  if (Math.floor(resp.code / 100) !== 2) {
    let dsn = resp.dsn;
    if (s.smtp_sasl_auth_soft_bounce && Math.floor(resp.code / 100) === 5) dsn = `4${dsn.slice(1)}`;
    state.why = {
      dsn,
      text: SMTP_REASON.saslFailed(session.namaddr, resp.str),
      mta: session.host,
      reply: resp.str.replaceAll('\n', ' '),
    };
    sessFail(state);
    return false;
  }
  session.saslUsername = creds.username;
  return true;
}
