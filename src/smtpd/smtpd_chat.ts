/**
 * smtpd_chat: one request in, one reply out. chatQuery() reads a command
 * line bounded by line_length_limit (the rest of a longer line is skipped,
 * as Postfix 3.7 does, with a warning); chatReply() applies soft_bounce
 * (5xx becomes 4xx), sleeps smtpd_error_sleep_time once the soft error
 * limit is reached, appends smtpd_reject_footer to refusals, queues the
 * lines, and marks the session for hang-up after a 421 or 521.
 *
 * Parameters: line_length_limit, soft_bounce, smtpd_soft_error_limit,
 *   smtpd_error_sleep_time, smtpd_reject_footer
 * Diagnostics: `warning: NAMADDR: request longer than N: TEXT...`
 * Security: command lines are bounded; replies never contain CR or LF inside a line
 * See: postfix/src/smtpd/smtpd_chat.c
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { macExpand } from '../config/mac_expand.ts';
import { sessionExpandLookup } from './smtpd_expand.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import type { SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdSession } from './smtpd_state.ts';
import type { GotLine } from './smtpd_stream.ts';

/** Reads one command line (smtpd_chat_query). */
export async function chatQuery(s: SmtpdSession): Promise<GotLine> {
  const limit = s.ctx.params.line_length_limit;
  const got = await s.stream.getLine(limit, true, s.bareLf !== 'no');
  if (!got.complete) {
    s.ctx.log.warn(SMTPD_LOG.requestTooLong(s.peer.namaddr, limit, got.data.subarray(0, 30).toString('latin1')));
  }
  return got;
}

/**
 * smtp_reply_footer(): the footer template expanded with the session's
 * attributes; `\\n` starts a new line (with the reply's code), a leading
 * `\\c` continues the last line. A template that does not expand leaves the
 * reply as it was, after a warning.
 */
function withFooter(s: SmtpdSession, texts: string[], template: string): string[] {
  const r = macExpand(template, sessionExpandLookup(s), { recurse: false });
  if (r.errors.length > 0) {
    s.ctx.log.warn(`smtpd_reject_footer: bad $name expansion in "${template}": ${r.errors.join('; ')}`);
    return texts;
  }
  let footer = r.value;
  const out = [...texts];
  if (footer.startsWith('\\c')) {
    footer = footer.slice(2);
    const [first, ...rest] = footer.split('\\n');
    out[out.length - 1] += first!;
    return [...out, ...rest];
  }
  return [...out, ...footer.split('\\n')];
}

/** The wire lines of a reply after soft_bounce and the footer. */
export function replyWireLines(s: SmtpdSession, r: SmtpdReply): string[] {
  const p = s.ctx.params;
  let texts = r.text.split('\n');
  // Raw: the template's $names are the session's, not main.cf parameters.
  const footer = s.ctx.config.raw('smtpd_reject_footer') ?? p.smtpd_reject_footer;
  if (r.code >= 400 && footer !== '') texts = withFooter(s, texts, footer);
  let code = String(r.code);
  let dsn: string | null = r.dsn;
  if (p.soft_bounce && code.startsWith('5')) {
    code = `4${code.slice(1)}`;
    if (dsn?.startsWith('5')) dsn = `4${dsn.slice(1)}`;
  }
  return texts.map((text, i) => {
    const sep = i === texts.length - 1 ? ' ' : '-';
    return dsn === null ? `${code}${sep}${text}` : `${code}${sep}${dsn} ${text}`;
  });
}

/** Sends a reply (smtpd_chat_reply); it leaves with the next flush. */
export async function chatReply(s: SmtpdSession, r: SmtpdReply): Promise<void> {
  const p = s.ctx.params;
  if (s.errorCount >= p.smtpd_soft_error_limit && p.smtpd_error_sleep_time > 0) {
    s.stream.flush();
    await sleep(p.smtpd_error_sleep_time * 1000);
  }
  for (const line of replyWireLines(s, r)) s.stream.write(line);
  if (r.code === 421 || r.code === 521) s.hangup = true;
}
