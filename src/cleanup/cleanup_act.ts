/**
 * cleanup_act: what cleanup does when a header_checks or body_checks rule
 * matches: REJECT (with an optional `4.x.x`/`5.x.x` text), WARN, INFO,
 * FILTER, PASS, DISCARD, HOLD, PREPEND, REPLACE, REDIRECT, BCC, STRIP,
 * IGNORE, DUNNO/OK. Each action logs `ID: ACTION: header|body TEXT from
 * CLIENT; from=<s> to=<r> proto=P helo=<h>: OPTIONAL TEXT` as Postfix does.
 *
 * Diagnostics: warnings for a malformed action (`bad REDIRECT target ...`,
 *   `unknown command in header_checks map: X`), which is then ignored
 * See: postfix/src/cleanup/cleanup_message.c (cleanup_act)
 */
import type { CleanupContext } from './cleanup_context.ts';
import { headerName } from './cleanup_headers.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { CLEANUP_STAT, type CleanupState } from './cleanup_state.ts';

/** What happens to the line that matched. */
export type ActResult =
  | { readonly kind: 'keep' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'replace'; readonly text: string };

/** Where PREPEND puts its text: before the header or body line that matched. */
export interface ActOutput {
  prepend(text: string): void;
}

const KEEP: ActResult = { kind: 'keep' };
const DROP: ActResult = { kind: 'drop' };

/** cleanup_act(): carries out `value` (`REJECT text`) for the `what` line `content`. */
export function cleanupAct(
  ctx: CleanupContext,
  state: CleanupState,
  what: 'header' | 'body',
  content: string,
  value: string,
  mapClass: string,
  out: ActOutput,
): ActResult {
  const m = /^(\S*)\s*(.*)$/s.exec(value)!;
  const command = m[1]!.toUpperCase();
  const text = m[2]!;
  const log = (action: string, t: string) => ctx.log.info(CLEANUP_LOG.act(state.act(), action, what, content, t));
  switch (command) {
    case 'REJECT': {
      let reason = text === '' ? '5.7.1 message content rejected' : withDsn('5.7.1', text);
      if (!reason.startsWith('4') && !reason.startsWith('5')) {
        ctx.log.warn(CLEANUP_LOG.badDsnAction(text));
        reason = `4${reason.slice(1)}`;
      }
      state.reason = reason;
      state.errs |= reason.startsWith('4') ? CLEANUP_STAT.DEFER : CLEANUP_STAT.CONT;
      state.filtering = false;
      log('reject', reason);
      return KEEP;
    }
    case 'WARN':
      log('warning', text);
      return KEEP;
    case 'INFO':
      log('info', text);
      return KEEP;
    case 'FILTER':
      if (text === '') ctx.log.warn(CLEANUP_LOG.missingFilter(mapClass));
      else if (!text.includes(':')) ctx.log.warn(CLEANUP_LOG.badFilter(text, mapClass));
      else {
        state.filterTo = text;
        log('filter', text);
      }
      return KEEP;
    case 'PASS':
      log('pass', text);
      state.filtering = false;
      return KEEP;
    case 'DISCARD':
      log('discard', text);
      state.discard = true;
      state.filtering = false;
      return KEEP;
    case 'HOLD':
      if (!state.hold && !state.discard) {
        log('hold', text);
        state.hold = true;
      }
      return KEEP;
    case 'PREPEND':
      if (text === '') ctx.log.warn(CLEANUP_LOG.prependNoText(mapClass));
      else if (what === 'header' && headerName(text) === null) ctx.log.warn(CLEANUP_LOG.badPrepend(text, mapClass));
      else {
        log('prepend', text);
        out.prepend(text);
      }
      return KEEP;
    case 'REPLACE':
      if (text === '') {
        ctx.log.warn(CLEANUP_LOG.replaceNoText(mapClass));
        return KEEP;
      }
      if (what === 'header' && headerName(text) === null) {
        ctx.log.warn(CLEANUP_LOG.badReplace(text, mapClass));
        return KEEP;
      }
      log('replace', text);
      return { kind: 'replace', text };
    case 'REDIRECT':
      if (!text.includes('@')) ctx.log.warn(CLEANUP_LOG.badRedirect(text, mapClass));
      else {
        state.redirect = text;
        log('redirect', text);
        state.filtering = false;
      }
      return KEEP;
    case 'BCC':
      if (!text.includes('@')) ctx.log.warn(CLEANUP_LOG.badBcc(text, mapClass));
      else {
        state.bcc.push(text);
        log('bcc', text);
      }
      return KEEP;
    case 'STRIP':
      log('strip', text);
      return DROP;
    case 'IGNORE':
      return DROP;
    case 'DUNNO':
    case 'OK':
      return KEEP;
    default:
      ctx.log.warn(CLEANUP_LOG.unknownCommand(mapClass, value));
      return KEEP;
  }
}

/** dsn_prepend(): `text` when it starts with a status code, else `def text`. */
function withDsn(def: string, text: string): string {
  return /^[245]\.\d{1,3}\.\d{1,3}(\s|$)/.test(text) ? text : `${def} ${text}`;
}
