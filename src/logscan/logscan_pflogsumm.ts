/**
 * logscan_pflogsumm: the rules by which Debian's pflogsumm 1.1.5 decides
 * what a line counts for, so that `affix logs summary` gives its totals:
 * which lines it reads at all (a stamp and a host, a tag `postfix/...`),
 * its "command" (the tag after `postfix/`, with only `smtps/` and
 * `submission/` dropped, so `postfix/rtest/smtpd` is not smtpd), and how it
 * folds addresses and client names (gimme_domain). Its "queue ID", the
 * text's first word (`warning`, `NOQUEUE`, `DFC8A16044F`), is matched in
 * logscan_summary.ts.
 *
 * See: /usr/sbin/pflogsumm (main loop, gimme_domain, proc_smtpd_reject)
 */
import type { LogFrame } from './logscan_event.ts';

/**
 * pflogsumm's command for a line: `smtpd` for postfix/smtpd,
 * postfix/submission/smtpd and postfix/smtps/smtpd, `rtest/smtpd` for
 * postfix/rtest/smtpd, `postfix-script` for a bare postfix-script tag;
 * null when pflogsumm skips the line.
 */
export function pflogsummCommand(frame: LogFrame, syslogName = 'postfix'): string | null {
  if (!pflogsummFramed(frame)) return null;
  const tag = frame.tag;
  for (const name of syslogName === 'postfix' ? ['postfix'] : ['postfix', syslogName]) {
    if (tag.length > name.length && tag.startsWith(name) && tag.charCodeAt(name.length) === 47 /* / */) {
      const rest = tag.slice(name.length + 1);
      if (rest.startsWith('smtps/')) return rest.slice(6);
      if (rest.startsWith('submission/')) return rest.slice(11);
      return rest;
    }
  }
  if (tag === 'postfix' || tag === 'postfix-script') return tag;
  return null;
}

/**
 * True when the line has a stamp and a host, as pflogsumm requires. One
 * deliberate difference: pflogsumm reads only `Mmm dd hh:mm:ss` and RFC 3339
 * stamps with a `+hh:mm` or `Z` zone, so it counts nothing in journalctl's
 * short-iso (`+0000`) or short-precise (fractional seconds) output; these
 * count here like any other stamp.
 */
export function pflogsummFramed(frame: LogFrame): boolean {
  const f = frame.stampFormat;
  if (f === 'none') return false;
  // a host after a traditional stamp: no second space at 16 (read from the line: no new strings)
  return (f !== 'rfc3164' && f !== 'postlogd') || frame.line.charCodeAt(16) !== 32;
}

/** `user@Example.COM` -> `user@example.com`: pflogsumm lower-cases from the first `@` on. */
export function foldAddress(addr: string): string {
  const at = addr.indexOf('@');
  if (at < 0 || at === addr.length - 1) return addr;
  const domain = addr.slice(at);
  const lower = domain.toLowerCase();
  // the same string when nothing changes: a map lookup then hashes no new string
  return lower === domain ? addr : addr.slice(0, at) + lower;
}

/** The recipient's domain as pflogsumm takes it: everything after the first `@` of a non-empty local part. */
export function recipientDomain(addr: string): string {
  const at = addr.indexOf('@');
  return at > 0 ? addr.slice(at + 1) : addr;
}

/** The sender's domain, or null when the address has none (pflogsumm then uses the client or the address). */
export function senderDomain(addr: string): string | null {
  const at = addr.indexOf('@');
  return at > 0 && at < addr.length - 1 ? addr.slice(at + 1) : null;
}

const DOTTED_QUAD = /^([^[]*)\[((?:\d{1,3}\.){3}\d{1,3})\]/;
const SLASH_FORM = /^([^/]*)\/([0-9a-f.:]+)/i;
const ANY_FORM = /^([^[(/]*)[[(/]([^\])]+)[\])]:?\d*$/;
const LAST_LABELS = /^(.*)\.([^.]+)\.([^.]{3}|[^.]{2,3}\.[^.]{2})$/;

/**
 * pflogsumm's gimme_domain: the client's domain (last two labels, or three
 * for `co.uk`-like names, lower-cased), or its address when the name is
 * `unknown`; null when the text has no address part.
 */
export function gimmeDomain(client: string): string | null {
  const m = DOTTED_QUAD.exec(client) ?? SLASH_FORM.exec(client) ?? ANY_FORM.exec(client);
  if (m === null) return null;
  const domain = m[1]!;
  if (domain === '' || domain === 'unknown') return m[2]!;
  const l = LAST_LABELS.exec(domain);
  return l === null ? domain : `${l[2]}.${l[3]}`.toLowerCase();
}

const CLIENT_LINE = /^\w+: client=/;

/** pflogsumm's client= value (`\w+: client=(.+?)(,|$)` right after the pid), or null. */
export function clientField(frame: LogFrame): string | null {
  const text = frame.text;
  if (frame.pid === null || frame.severity !== 'info' || !CLIENT_LINE.test(text)) return null;
  const start = text.indexOf(': client=') + 9;
  const comma = text.indexOf(',', start);
  const value = comma < 0 ? text.slice(start) : text.slice(start, comma);
  return value === '' ? null : value;
}
