/**
 * smtpd_auth_cmd: AUTH with PLAIN and LOGIN (RFC 4954). Checks the
 * command's place (after EHLO, SASL on, not in a transaction, TLS first
 * with smtpd_tls_auth_only, not twice), the client's AUTH rate, then runs
 * the exchange — an initial response or 334 challenges, `*` to give up —
 * and asks the back end. Success: `235 2.7.0 Authentication successful`;
 * failure: `535 5.7.8 Error: authentication failed: REASON` and Postfix's
 * warning, the same whether the user exists or not; each failure is an
 * error, so smtpd_error_sleep_time slows a guesser down and the hard error
 * limit hangs up on it.
 *
 * Parameters: smtpd_sasl_auth_enable, smtpd_tls_auth_only, smtpd_sasl_response_limit,
 *   smtpd_helo_required, smtpd_client_auth_rate_limit
 * Diagnostics: `warning: NAMADDR: SASL PLAIN authentication failed: REASON, sasl_username=U`,
 *   `warning: NAMADDR: SASL LOGIN authentication aborted`
 * Security: credentials are client text decoded from base64; the password is
 *   handed to the back end and never logged
 * Standards: RFC 4954, RFC 4616 (PLAIN)
 * See: postfix/src/smtpd/smtpd_sasl_proto.c (smtpd_sasl_auth_cmd), smtpd_sasl_glue.c (smtpd_sasl_authenticate)
 */
import { chatReply } from './smtpd_chat.ts';
import { discarded } from './smtpd_ehlo.ts';
import { anvilAuth } from './smtpd_limits.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { SmtpdToken } from './smtpd_token.ts';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A client response decoded; null when it is not base64. `=` is the empty response. */
function decode(text: string): string | null {
  if (text === '=') return '';
  if (!B64.test(text) || text.length % 4 !== 0) return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** One 334 challenge and the answer; null after `*` (reply sent). */
async function challenge(s: SmtpdSession, mech: string, data: string): Promise<string | null | 'limit'> {
  await chatReply(s, SMTPD_REPLY.auth_challenge(data));
  const got = await s.stream.getLine(s.ctx.params.smtpd_sasl_response_limit, true, false);
  if (!got.complete) return 'limit';
  const line = got.data.toString('latin1');
  if (line === '*') {
    s.ctx.log.warn(SMTPD_LOG.saslAborted(s.peer.namaddr, mech));
    await chatReply(s, SMTPD_REPLY.auth_aborted);
    return null;
  }
  return line;
}

/** xsasl's text for a response that is not base64: the one on the AUTH line, or one after a 334 challenge. */
function badBase64(initialResponse: boolean): string {
  return `Invalid base64 data in ${initialResponse ? 'initial' : 'continued'} response`;
}

export async function authCmd(s: SmtpdSession, argv: readonly SmtpdToken[]): Promise<boolean> {
  const p = s.ctx.params;
  const fail = async (r: SmtpdReply) => {
    await chatReply(s, r);
    return false;
  };
  if (p.smtpd_helo_required && s.helo === null) return fail(SMTPD_REPLY.auth_need_ehlo);
  if (s.ctx.sasl === null || !p.smtpd_sasl_auth_enable || s.saslMechanisms === null || discarded(s, 'AUTH')) {
    return fail(SMTPD_REPLY.auth_not_enabled);
  }
  if (s.inMailTransaction) return fail(SMTPD_REPLY.auth_in_transaction);
  if (s.sasl !== null) return fail(SMTPD_REPLY.auth_already);
  if (argv.length < 2 || argv.length > 3) return fail(SMTPD_REPLY.auth_syntax);
  const rate = await anvilAuth(s);
  if (rate !== null) return fail(rate);
  const mech = argv[1]!.text.toUpperCase();
  const initial = argv[2]?.text ?? null;
  const refuse = async (reason: string, user: string | null) => {
    s.ctx.log.warn(SMTPD_LOG.saslFailed(s.peer.namaddr, mech, reason, user));
    return fail(SMTPD_REPLY.auth_failed(reason));
  };
  if (!s.saslMechanisms.split(' ').includes(mech) || (mech !== 'PLAIN' && mech !== 'LOGIN')) {
    return refuse('Invalid authentication mechanism', null);
  }
  let authzid = '';
  let username: string;
  let password: string;
  const limit = () => fail(SMTPD_REPLY.auth_response_too_long);
  if (mech === 'PLAIN') {
    const text = initial ?? (await challenge(s, mech, ''));
    if (text === null) return false;
    if (text === 'limit') return limit();
    const plain = decode(text);
    const parts = plain?.split('\0');
    if (plain === null || parts === undefined || parts.length !== 3) return refuse(badBase64(initial !== null), null);
    [authzid, username, password] = parts as [string, string, string];
  } else {
    const userText = initial ?? (await challenge(s, mech, 'VXNlcm5hbWU6'));
    if (userText === null) return false;
    if (userText === 'limit') return limit();
    const user = decode(userText);
    if (user === null) return refuse(badBase64(initial !== null), null);
    const passText = await challenge(s, mech, 'UGFzc3dvcmQ6');
    if (passText === null) return false;
    if (passText === 'limit') return limit();
    const pass = decode(passText);
    if (pass === null) return refuse(badBase64(false), user);
    username = user;
    password = pass;
  }
  const verdict = await s.ctx.sasl.authenticate({
    mechanism: mech,
    authzid,
    username,
    password,
    clientAddress: s.peer.addr,
    serverAddress: s.peer.serverAddr,
    secured: s.tls !== null,
  });
  if (verdict.status === 'temp') {
    s.ctx.log.warn(SMTPD_LOG.saslFailed(s.peer.namaddr, mech, verdict.reason, username));
    return fail(SMTPD_REPLY.auth_temp_failure(verdict.reason));
  }
  if (verdict.status === 'fail') return refuse(verdict.reason, username);
  s.sasl = { method: mech, username: verdict.username, sender: null };
  await chatReply(s, SMTPD_REPLY.auth_ok);
  return true;
}
