/**
 * cleanup_missing: the headers cleanup adds at the end of the primary
 * headers when they are missing: (Resent-)Message-Id (logged as
 * `ID: message-id=<...>`), (Resent-)Date, (Resent-)From with the full name,
 * and undisclosed_recipients_header; for local mail (rewrite context set)
 * or with always_add_missing_headers. Without any Message-Id it logs
 * `ID: message-id=<>`.
 *
 * Parameters: always_add_missing_headers, enable_long_queue_ids, myhostname,
 *   header_from_format, undisclosed_recipients_header, header_size_limit
 * See: postfix/src/cleanup/cleanup_message.c (cleanup_header_done_callback)
 */

import { mailDate, messageIdStamp } from '../global/mail_date.ts';
import { quote822Local } from '../global/quote_822_local.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { foldHeader, outHeader } from './cleanup_headers.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import type { CleanupState } from './cleanup_state.ts';

/** What the missing headers are made of. */
export interface MessageFacts {
  /** Arrival, ms since the epoch (Date:, Message-Id). */
  readonly arrival: number;
  /** `sendmail -F` full name, or ''. */
  readonly fullName: string;
}

/** The headers to add, as stored (folded and indented). */
export function missingHeaders(ctx: CleanupContext, state: CleanupState, facts: MessageFacts): string[] {
  const p = ctx.params;
  const out: string[] = [];
  if (!state.ok) return out;
  const add = state.init.hdrRewriteContext !== null || p.always_add_missing_headers;
  const resent = state.resent ? 'Resent-' : '';
  const seen = (name: string) => state.headersSeen.has(`${resent}${name}`.toLowerCase());
  if (add && !seen('Message-Id')) {
    const id = p.enable_long_queue_ids
      ? `${state.queueId}@${p.myhostname}`
      : `${messageIdStamp(facts.arrival)}.${state.queueId}@${p.myhostname}`;
    out.push(`${resent}Message-Id: <${id}>`);
    ctx.log.info(
      state.resent
        ? CLEANUP_LOG.resentMessageId(state.queueId, `<${id}>`)
        : CLEANUP_LOG.messageId(state.queueId, `<${id}>`),
    );
    state.headersSeen.add(`${resent}message-id`);
    if (!state.resent && state.messageId === null) state.messageId = `<${id}>`;
  }
  if (!state.headersSeen.has('message-id')) ctx.log.info(CLEANUP_LOG.messageId(state.queueId, '<>'));
  if (add && !seen('Date')) out.push(`${resent}Date: ${mailDate(facts.arrival)}`);
  if (add && !seen('From')) out.push(outHeader(foldHeader(fromHeader(ctx, state, facts, resent)), p.header_size_limit));
  if (add && p.undisclosed_recipients_header !== '') {
    const visible = ['to', 'resent-to', 'cc', 'resent-cc'].some((n) => state.headersSeen.has(n));
    if (!visible) out.push(p.undisclosed_recipients_header);
  }
  return out;
}

/** The From: (or Resent-From:) header for the envelope sender, with the full name when known. */
function fromHeader(ctx: CleanupContext, state: CleanupState, facts: MessageFacts, resent: string): string {
  const sender = state.sender ?? '';
  const addr = quote822Local(sender === '' ? 'MAILER-DAEMON' : sender);
  const format = ctx.params.header_from_format;
  const name = sender === '' ? null : fullNameText(facts.fullName, format);
  if (name === null) return `${resent}From: ${addr}`;
  return format === 'standard' ? `${resent}From: ${name}\n<${addr}>` : `${resent}From: ${addr}\n(${name})`;
}

/**
 * The full name as header text: a phrase (quoted when it is not all atoms)
 * for header_from_format = standard, comment text for obsolete; RFC 2047
 * encoded when it is not ASCII. null for an empty name.
 */
function fullNameText(fullName: string, format: 'standard' | 'obsolete'): string | null {
  const clean = fullName.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  if (clean === '') return null;
  if (!/^[\x00-\x7f]*$/.test(clean)) {
    const encoded = [...Buffer.from(clean, 'utf8')]
      .map((b) => {
        const ch = String.fromCharCode(b);
        if (/[A-Za-z0-9!*+\-/]/.test(ch)) return ch;
        return b === 0x20 ? '_' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      })
      .join('');
    return `=?utf-8?q?${encoded}?=`;
  }
  if (format === 'obsolete') return clean.replace(/[()\\]/g, (c) => `\\${c}`);
  return /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(clean) ? clean : `"${clean.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
