/**
 * local_token: what one entry of an alias, .forward or :include: list
 * means — `/file` (or `/dir/` for a Maildir), `~/file` in the user's home,
 * `|command`, `:include:/path`, or an address: a local address is
 * delivered again from the top (`\user` straight to the mailbox), any
 * other is forwarded through cleanup.
 *
 * Parameters: allow_mail_to_commands, myorigin
 * Diagnostics: `warning: bad home directory syntax for: X`,
 *   `warning: unknown home directory for: X`
 * See: postfix/src/local/token.c, postfix/src/local/resolve.c, postfix/src/global/tok822_parse.c
 */
import { deliverCommand } from './local_command.ts';
import { allowed, deliverFile } from './local_file.ts';
import { forwardAppend } from './local_forward.ts';
import { deliverInclude } from './local_include.ts';
import { LOCAL_REASON } from './local_reasons.ts';
import type { LocalAttr, LocalState } from './local_state.ts';

/**
 * Splits a list into entries: separated by commas or white space outside
 * quotes, `<...>`, and `(comments)`; quotes removed from a quoted entry;
 * `Name <addr>` reduced to addr.
 */
export function splitTokens(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = false;
  let angle = 0;
  let comment = 0;
  const flush = () => {
    let t = cur.trim();
    cur = '';
    if (t === '') return;
    const m = /<([^<>]*)>/.exec(t);
    if (m !== null) t = m[1]!.trim();
    if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (t.startsWith('"')) t = t.replace(/^"((?:[^"\\]|\\.)*)"/, (_m, q: string) => q.replace(/\\(.)/g, '$1'));
    if (t !== '') out.push(t);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === '"') quote = false;
    } else if (comment > 0) {
      if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '"') {
      quote = true;
      cur += c;
    } else if (c === '(') {
      comment++;
    } else if (c === '<') {
      angle++;
      cur += c;
    } else if (c === '>') {
      angle = Math.max(0, angle - 1);
      cur += c;
    } else if (angle === 0 && (c === ',' || /\s/.test(c))) {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

/** deliver_resolve_addr(): a local address again from the top, any other forwarded. */
export async function deliverResolveAddr(state: LocalState, attr: LocalAttr, addr: string): Promise<void> {
  const p = state.ctx.params;
  const full = addr.includes('@') ? addr : `${addr}@${p.myorigin}`;
  const domain = full.slice(full.lastIndexOf('@') + 1);
  const next: LocalAttr = { ...attr, address: full, level: attr.level + 1 };
  if (state.ctx.isLocalDomain(domain.toLowerCase())) return state.ops.recipient(state, next);
  forwardAppend(state, next);
}

/** deliver_token(): one entry. */
export async function deliverToken(state: LocalState, attr: LocalAttr, token: string): Promise<void> {
  if (token.startsWith('/')) return deliverFile(state, attr, token);
  if (token.startsWith('~')) {
    if (token[1] !== '/') {
      state.ctx.log.warn(`bad home directory syntax for: ${token}`);
      return state.fail(attr, { dsn: '5.3.5', text: 'mail system configuration error' });
    }
    if (attr.usr.home === null) {
      state.ctx.log.warn(`unknown home directory for: ${token}`);
      return state.fail(attr, { dsn: '5.3.5', text: 'mail system configuration error' });
    }
    const home = attr.usr.home === '/' ? '' : attr.usr.home;
    return deliverFile(state, attr, `${home}${token.slice(1)}`);
  }
  if (token.startsWith('|')) {
    if (!allowed(state.ctx.params.allow_mail_to_commands, attr))
      return state.fail(attr, LOCAL_REASON.commandRestricted());
    return deliverCommand(state, attr, token.slice(1));
  }
  if (token.toLowerCase().startsWith(':include:')) return deliverInclude(state, attr, token.slice(9));
  return deliverResolveAddr(state, attr, token);
}

/** deliver_token_string(): every entry of a list; returns how many there were. */
export async function deliverTokenString(state: LocalState, attr: LocalAttr, text: string): Promise<number> {
  const tokens = splitTokens(text);
  for (const t of tokens) await deliverToken(state, attr, t);
  return tokens.length;
}
