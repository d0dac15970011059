/**
 * smtpd_proto: one SMTP session from greeting to disconnect, as Postfix's
 * smtpd_proto(): TLS wrapper mode, the early-talker check, client
 * connection limits, the greeting (or the client restrictions' refusal
 * when smtpd_delay_reject = no), then the read-execute loop with its error
 * and junk-command limits, bare-LF and UTF-8 checks, forbidden commands,
 * STARTTLS enforcement and the pipelining check. It is the one handler of
 * errors: a MailError is answered with its reply; the end of input or a
 * timeout ends the session with Postfix's log line; anything else is a
 * bug in this session only: `warning:`, `421 4.3.0 <host> Server local
 * error`, and the daemon carries on.
 *
 * Parameters: smtpd_banner, smtpd_hard_error_limit, smtpd_junk_command_limit,
 *   smtpd_forbid_unauth_pipelining, smtpd_forbidden_commands, smtpd_noop_commands,
 *   smtputf8_enable, smtpd_tls_wrappermode, smtpd_delay_reject
 * Diagnostics: the session lines of postfix-compat.md section 4.2
 * Security: every client command passes through here first
 * See: postfix/src/smtpd/smtpd.c (smtpd_proto, smtpd_flag_ill_pipelining)
 */
import { isUtf8 } from 'node:buffer';
import { MailError } from '../global/reply.ts';
import { chatQuery, chatReply } from './smtpd_chat.ts';
import { smtpdCheckClient } from './smtpd_check.ts';
import { type CommandStats, findCommand } from './smtpd_commands.ts';
import { ehloDiscardMask } from './smtpd_ehlo.ts';
import { anvilConnect, anvilDisconnect } from './smtpd_limits.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { escapeText, isHeader } from './smtpd_proto_text.ts';
import { logWhatsup } from './smtpd_reject.ts';
import { SMTPD_REPLY } from './smtpd_replies.ts';
import { saslActivate } from './smtpd_sasl_glue.ts';
import { wrapperModeStart } from './smtpd_starttls.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import { SessionEnd } from './smtpd_stream.ts';
import { smtpdToken } from './smtpd_token.ts';

/** smtpd_flag_ill_pipelining(): input already waiting where the client should have waited for us. */
export function flagIllPipelining(s: SmtpdSession): boolean {
  if (s.stream.pending === 0) return false;
  s.ctx.log.info(SMTPD_LOG.improperPipelining(s.where, s.peer.namaddr, escapeText(s.stream.peek(100))));
  s.illPipelining = true;
  return true;
}

/** Runs the session until QUIT, hang-up, or the end of input. */
export async function smtpdProto(s: SmtpdSession, stats: CommandStats): Promise<void> {
  const { ctx } = s;
  const p = ctx.params;
  let anvilCounted = false;
  try {
    if (p.smtpd_tls_wrappermode && s.tls === null) {
      if (!(await wrapperModeStart(s))) return;
    }
    if (s.tls === null && !s.illPipelining && flagIllPipelining(s) && p.smtpd_forbid_unauth_pipelining) {
      await chatReply(s, SMTPD_REPLY.sync_error);
      return;
    }
    const limit = await anvilConnect(s);
    anvilCounted = limit.counted;
    if (limit.refusal !== null) {
      await chatReply(s, limit.refusal);
      return;
    }
    s.ehloDiscard = await ehloDiscardMask(s);
    const denied = p.smtpd_delay_reject ? null : await smtpdCheckClient(s);
    if (denied !== null) {
      s.accessDeniedReply = denied;
      await chatReply(s, denied);
      s.errorCount++;
    } else {
      await chatReply(s, SMTPD_REPLY.greeting(p.smtpd_banner));
    }
    if (p.smtpd_sasl_auth_enable && s.tls === null) await saslActivate(s, false);
    await commandLoop(s, stats);
  } catch (err) {
    await sessionError(s, err);
  } finally {
    if (anvilCounted) anvilDisconnect(s);
    logEnd(s);
  }
}

async function commandLoop(s: SmtpdSession, stats: CommandStats): Promise<void> {
  const { ctx } = s;
  const p = ctx.params;
  for (;;) {
    if (s.hangup) return;
    if (s.errorCount >= p.smtpd_hard_error_limit) {
      s.reason = 'too many errors';
      await chatReply(s, SMTPD_REPLY.too_many_errors(ctx.myhostname));
      return;
    }
    const got = await chatQuery(s);
    if (got.bareLf && s.bareLf === 'reject') {
      logWhatsup(s, 'reject', 'bare <LF> received');
      await chatReply(s, SMTPD_REPLY.bare_lf(p.smtpd_forbid_bare_newline_reject_code, ctx.myhostname));
      return;
    }
    if (got.bareLf && s.bareLf === 'note') s.noteBareLf = true;
    if (p.smtputf8_enable && !isUtf8(got.data)) {
      await chatReply(s, SMTPD_REPLY.bad_utf8);
      s.errorCount++;
      s.where = 'UNKNOWN';
      stats.tried('UNKNOWN');
      continue;
    }
    const line = got.data.toString(p.smtputf8_enable ? 'utf8' : 'latin1');
    const argv = smtpdToken(line);
    if (argv.length === 0) {
      await chatReply(s, SMTPD_REPLY.bad_syntax);
      s.errorCount++;
      s.where = 'UNKNOWN';
      stats.tried('UNKNOWN');
      continue;
    }
    const verb = argv[0]!.text;
    if (!ctx.lists.noopCommands.empty && (await ctx.lists.noopCommands.matchStringLoose(verb))) {
      await chatReply(s, SMTPD_REPLY.ok);
      if (s.junkCommands++ > p.smtpd_junk_command_limit) s.errorCount++;
      continue;
    }
    const cmd = findCommand(verb);
    stats.tried(cmd?.name ?? 'UNKNOWN');
    if (cmd === null) {
      s.where = 'UNKNOWN';
      if (isHeader(verb) || (await ctx.lists.forbiddenCommands.matchStringLoose(verb))) {
        ctx.log.warn(SMTPD_LOG.nonSmtpCommand(s.peer.namaddr, escapeText(got.data).slice(0, 100)));
        await chatReply(s, SMTPD_REPLY.break_rules);
        return;
      }
    }
    if (s.accessDeniedReply !== null && cmd?.name !== 'QUIT') {
      if (s.accessDeniedReply.code === 421) {
        await chatReply(s, s.accessDeniedReply);
        continue;
      }
      await chatReply(s, SMTPD_REPLY.access_denied_for(s.peer.namaddr));
      s.errorCount++;
      continue;
    }
    if (cmd === null) {
      await chatReply(s, SMTPD_REPLY.not_recognized);
      s.errorCount++;
      continue;
    }
    if (ctx.tlsRequired && s.tls === null && !cmd.preTls) {
      await chatReply(s, SMTPD_REPLY.must_starttls);
      s.errorCount++;
      continue;
    }
    s.where = cmd.name;
    if (
      (s.protocol !== 'ESMTP' || cmd.last) &&
      !s.illPipelining &&
      flagIllPipelining(s) &&
      p.smtpd_forbid_unauth_pipelining
    ) {
      await chatReply(s, SMTPD_REPLY.sync_error);
      return;
    }
    let ok: boolean;
    try {
      ok = await cmd.handler(s, argv);
    } catch (err) {
      if (!(err instanceof MailError)) throw err;
      await chatReply(s, err.reply);
      ok = false;
    }
    if (ok) stats.succeeded(cmd.name);
    else s.errorCount++;
    if (cmd.limit && s.junkCommands++ > p.smtpd_junk_command_limit) s.errorCount++;
    if (cmd.name === 'QUIT') return;
  }
}

/** The end of a session by timeout, lost connection, or a bug. */
async function sessionError(s: SmtpdSession, err: unknown): Promise<void> {
  const { ctx } = s;
  if (err instanceof SessionEnd) {
    s.reason = err.reason;
    if (err.reason === 'timeout') {
      await chatReply(s, SMTPD_REPLY.timeout(ctx.myhostname)).catch(() => undefined);
    }
    return;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message).split('\n').slice(0, 3).join(' ') : String(err);
  ctx.log.warn(SMTPD_LOG.sessionException(s.peer.namaddr, s.where, detail));
  if (!s.stream.closed) await chatReply(s, SMTPD_REPLY.local_error(ctx.myhostname)).catch(() => undefined);
}

/** `lost connection after X from ...` and friends. */
function logEnd(s: SmtpdSession): void {
  if (s.reason === null) return;
  const { namaddr } = s.peer;
  if (s.where === 'DATA content') {
    s.ctx.log.info(SMTPD_LOG.endedAfter(s.reason, 'DATA', namaddr, s.actSize + s.stream.pending));
  } else if (s.where === 'BDAT content') {
    s.ctx.log.info(SMTPD_LOG.endedAfter(s.reason, 'BDAT', namaddr, s.actSize));
  } else if (s.where !== 'END-OF-MESSAGE' || s.reason !== 'lost connection') {
    s.ctx.log.info(SMTPD_LOG.endedAfter(s.reason, s.where, namaddr, null));
  }
}
