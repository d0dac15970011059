/**
 * smtp_helo: the start of a session — the server greeting, EHLO (HELO
 * when EHLO fails; LHLO for LMTP), the features the server offers, STARTTLS
 * as the TLS policy wants it (then EHLO again over TLS), and SASL
 * authentication. Any failure is reported through smtp_trouble and ends
 * the session.
 *
 * Parameters: smtp_helo_name, smtp_helo_timeout, smtp_starttls_timeout,
 *   smtp_skip_5xx_greeting, smtp_always_send_ehlo, smtp_never_send_ehlo,
 *   smtp_discard_ehlo_keywords, smtp_tls_note_starttls_offer, smtp_sasl_auth_enable,
 *   line_length_limit, myhostname (lmtp_* equivalents for lmtp)
 * Diagnostics: `warning: host H[A]:P greeted me with my own hostname X`,
 *   `warning: host H[A]:P replied to HELO/EHLO with my own hostname X`,
 *   `warning: bad EHLO SIZE limit "X" from H[A]:P`,
 *   `host H[A] offers SMTPUTF8 support, but not 8BITMIME`
 * Security: the server's feature list only enables what we would do anyway;
 *   with a required TLS level nothing is sent in plaintext past STARTTLS
 * See: postfix/src/smtp/smtp_proto.c (smtp_helo, smtp_start_tls), smtp_sasl_proto.c
 */
import { fakeResp, readResp, respText, type SmtpResp } from './smtp_chat.ts';
import { chat, chatPeer } from './smtp_command.ts';
import { SMTP_REASON, SMTP_STAGE } from './smtp_reasons.ts';
import { smtpSaslLogin } from './smtp_sasl_login.ts';
import { noFeatures, type SmtpSession } from './smtp_session.ts';
import type { SmtpState } from './smtp_state.ts';
import { SmtpStreamError } from './smtp_stream.ts';
import { startTls } from './smtp_tls.ts';
import { tlsMustMatch, tlsRequired } from './smtp_tls_level.ts';
import { tlsHandshakeFailed, tlsNotOffered, tlsSessionOutcome } from './smtp_tls_outcome.ts';
import { localWhy, miscFail, sessFail, siteFail, streamExcept } from './smtp_trouble.ts';

/** DELIVERY_REQUIRES_SMTPUTF8: the sender asked for SMTPUTF8 and an address needs it. */
export function requiresSmtputf8(state: SmtpState): boolean {
  const env = state.request.message.envelope;
  const nonAscii = (s: string) => /[^\x00-\x7f]/.test(s);
  return env.smtputf8 && (nonAscii(env.sender) || state.request.recipients.some((r) => nonAscii(r.address)));
}

/** Reads the EHLO keywords into the session's features. Returns false after a loop failure. */
function parseEhlo(state: SmtpState, session: SmtpSession, resp: SmtpResp): boolean {
  const ctx = state.ctx;
  const discard = new Set(ctx.settings.smtp_discard_ehlo_keywords.map((k) => k.toUpperCase()));
  const lines = resp.str.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const words = lines[n]!.slice(4)
      .split(/[ \t=]+/)
      .filter((w) => w !== '');
    const word = words[0];
    if (word === undefined) continue;
    if (n === 0) {
      session.helo = word;
      if (word.toLowerCase() === ctx.params.myhostname.toLowerCase() && state.loopDetect) {
        ctx.log.warn(`host ${session.namaddrport} replied to HELO/EHLO with my own hostname ${ctx.params.myhostname}`);
        const dsn = session.features.bestMx ? '5.4.6' : '4.4.6';
        state.why = localWhy(SMTP_REASON.loopsBack(dsn, state.request.nexthop));
        sessFail(state);
        return false;
      }
      continue;
    }
    const kw = word.toUpperCase();
    if (discard.has(kw)) continue;
    const f = session.features;
    switch (kw) {
      case '8BITMIME':
        f.eightBitMime = true;
        break;
      case 'PIPELINING':
        f.pipelining = true;
        break;
      case 'SIZE': {
        f.size = true;
        const limit = words[1];
        if (limit !== undefined) {
          if (!/^\d+$/.test(limit)) ctx.log.warn(`bad EHLO SIZE limit "${limit}" from ${session.namaddrport}`);
          else session.sizeLimit = Number(limit);
        }
        break;
      }
      case 'STARTTLS':
        f.starttls = true;
        break;
      case 'AUTH':
        if (ctx.settings.smtp_sasl_auth_enable) {
          const mechs = words.slice(1).map((m) => m.toUpperCase());
          f.auth = [...new Set([...(f.auth ?? []), ...mechs])];
        }
        break;
      case 'DSN':
        f.dsn = true;
        break;
      case 'SMTPUTF8':
        f.smtputf8 = true;
        break;
    }
  }
  return true;
}

/**
 * smtp_helo(): greeting through authentication. Returns true when the
 * session is ready for mail; false when it failed (already reported).
 */
export async function smtpHelo(state: SmtpState, inStartTls = false): Promise<boolean> {
  const session = state.session!;
  const ctx = state.ctx;
  const s = ctx.settings;
  const lmtp = s.mode === 'lmtp';
  let where: string = SMTP_STAGE.greeting;
  session.stream.timeout = s.smtp_helo_timeout;
  try {
    if (!inStartTls) {
      const resp = await readResp(session.stream, chatPeer(state, session), ctx.params.line_length_limit);
      if (Math.floor(resp.code / 100) !== 2) {
        const dsn = Math.floor(resp.code / 100) === 5 && s.smtp_skip_5xx_greeting ? `4${resp.dsn.slice(1)}` : resp.dsn;
        siteFail(state, session.host, { ...resp, dsn }, SMTP_REASON.refused(session.namaddr, respText(resp)));
        return false;
      }
      if (session.policy.invalid) {
        siteFail(state, null, fakeResp('4.7.0'), SMTP_REASON.tlsConfig().text);
        return false;
      }
      const words = resp.str
        .replace(/^[^- \t\n]*[- \t\n]+/, '')
        .split(/[ \t\n]+/)
        .filter((w) => w !== '');
      words.forEach((w, i) => {
        if (i === 0 && w.toLowerCase() === ctx.params.myhostname.toLowerCase()) {
          if (state.loopDetect) {
            ctx.log.warn(`host ${session.namaddrport} greeted me with my own hostname ${ctx.params.myhostname}`);
          }
        } else if (w.toUpperCase() === 'ESMTP') {
          session.features.esmtp = true;
        }
      });
      if (lmtp || s.smtp_always_send_ehlo) session.features.esmtp = true;
      if (s.smtp_never_send_ehlo) session.features.esmtp = false;
    } else {
      session.features.esmtp = true;
    }

    let resp: SmtpResp;
    if (lmtp) {
      where = SMTP_STAGE.lhlo;
      resp = await chat(state, session, `LHLO ${s.smtp_helo_name}`);
      if (Math.floor(resp.code / 100) !== 2) {
        siteFail(state, session.host, resp, SMTP_REASON.refused(session.namaddr, respText(resp)));
        return false;
      }
    } else {
      where = SMTP_STAGE.ehlo;
      resp = fakeResp('2.0.0');
      if (session.features.esmtp) {
        resp = await chat(state, session, `EHLO ${s.smtp_helo_name}`);
        if (Math.floor(resp.code / 100) !== 2) {
          if (resp.code === 421) {
            siteFail(state, session.host, resp, SMTP_REASON.refused(session.namaddr, respText(resp)));
            return false;
          }
          session.features.esmtp = false;
        }
      }
      if (!session.features.esmtp) {
        where = SMTP_STAGE.helo;
        resp = await chat(state, session, `HELO ${s.smtp_helo_name}`);
        if (Math.floor(resp.code / 100) !== 2) {
          siteFail(state, session.host, resp, SMTP_REASON.refused(session.namaddr, respText(resp)));
          return false;
        }
      }
    }
    if (session.features.esmtp && !parseEhlo(state, session, resp)) return false;

    if (!session.features.smtputf8 && requiresSmtputf8(state)) {
      session.dontCache();
      miscFail(state, { dontCache: true }, null, fakeResp('5.6.7'), SMTP_REASON.smtputf8(session.namaddr).text);
      return false;
    }
    if (session.features.smtputf8 && !session.features.eightBitMime) {
      ctx.log.info(`host ${session.namaddr} offers SMTPUTF8 support, but not 8BITMIME`);
      session.features.eightBitMime = true;
    }

    if (!inStartTls) {
      const level = session.policy.level;
      if (session.features.starttls && s.smtp_tls_note_starttls_offer && level === 'none') {
        ctx.log.info(`Host offered STARTTLS: [${session.host}]`);
      }
      if (session.features.starttls && level !== 'none') {
        session.stream.timeout = s.smtp_starttls_timeout;
        where = SMTP_STAGE.starttls;
        const tlsResp = await chat(state, session, 'STARTTLS');
        if (Math.floor(tlsResp.code / 100) === 2) return await smtpStartTls(state);
        session.features.starttls = false;
        if (tlsRequired(level)) {
          siteFail(state, session.host, tlsResp, SMTP_REASON.tlsRefused(session.namaddr, respText(tlsResp)));
          return false;
        }
      }
      tlsNotOffered(state, session);
      if (tlsRequired(level)) {
        state.why = localWhy(SMTP_REASON.tlsNotOffered(session.namaddr));
        sessFail(state);
        return false;
      }
    }
    if (s.smtp_sasl_auth_enable && session.features.auth !== null) return await smtpSaslLogin(state);
    return true;
  } catch (err) {
    if (err instanceof SmtpStreamError) {
      streamExcept(state, err.kind, where);
      return false;
    }
    throw err;
  }
}

/** PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE: an opportunistic retry without TLS may follow. */
export function plaintextFallbackOk(state: SmtpState, session: SmtpSession): boolean {
  const r = state.request;
  const preactive = (r.activeAt - r.message.envelope.arrival) / 1e6;
  return (
    session.policy.level === 'may' &&
    (r.verifyOnly || preactive >= state.ctx.minimal_backoff_time) &&
    !session.haveSaslCredentials
  );
}

/** smtp_start_tls(): the handshake, the certificate policy, then EHLO again. */
async function smtpStartTls(state: SmtpState): Promise<boolean> {
  const session = state.session!;
  const ctx = state.ctx;
  // Postfix keeps TLS state in the process that made it: a TLS session is never cached.
  session.dontCache();
  const raw = session.stream.release();
  const result = await startTls({
    socket: raw,
    settings: ctx.settings,
    material: ctx.tls,
    policy: session.policy,
    log: ctx.log,
    host: session.host,
    nexthop: session.domain,
    namaddrport: session.namaddrport,
  });
  if (!result.ok) {
    tlsHandshakeFailed(state, session);
    session.forbid();
    if (plaintextFallbackOk(state, session)) {
      session.retryPlain = true;
      state.finalServer = false;
    }
    const flags = session.policy.level === 'may' ? {} : { throttle: true };
    miscFail(state, flags, null, fakeResp('4.7.5'), SMTP_REASON.tlsHandshake().text);
    return false;
  }
  session.stream.replaceSocket(result.socket);
  session.tls = { trust: result.trust, summary: result.summary };
  tlsSessionOutcome(state, session, result);
  if (tlsMustMatch(session.policy.level) && !result.matched) {
    state.why = localWhy(SMTP_REASON.certNotVerified());
    sessFail(state);
    return false;
  }
  session.features = { ...noFeatures(), esmtp: true, bestMx: session.features.bestMx };
  session.sizeLimit = 0;
  return smtpHelo(state, true);
}
