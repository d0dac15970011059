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
import type { LogFrame, StampFormat } from './logscan_event.ts';

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
  return pflogsummStamped(frame.stampFormat, frame.line, 0);
}

/** pflogsummFramed for a line that starts at `lineStart` of `text` (a line inside a chunk of lines). */
export function pflogsummStamped(format: StampFormat, text: string, lineStart: number): boolean {
  if (format === 'none') return false;
  // a host after a traditional stamp: no second space at 16 (read in place: no new strings)
  return (format !== 'rfc3164' && format !== 'postlogd') || text.charCodeAt(lineStart + 16) !== 32;
}

/** `user@Example.COM` -> `user@example.com`: pflogsumm lower-cases from the first `@` on. */
export function foldAddress(addr: string): string {
  const at = addr.indexOf('@');
  if (at < 0 || at === addr.length - 1) return addr;
  // most domains are lower-case already: look before cutting a string
  let i = at + 1;
  for (; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) break;
  }
  if (i === addr.length) return addr;
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

const SLASH_FORM = /^([^/]*)\/([0-9a-f.:]+)/i;
const ANY_FORM = /^([^[(/]*)[[(/]([^\])]+)[\])]:?\d*$/;
const LAST_LABELS = /^(.*)\.([^.]+)\.([^.]{3}|[^.]{2,3}\.[^.]{2})$/;

/** The end of the `]` after a dotted quad (`\d{1,3}` four times, `.` between) at `start`, or -1. */
function dottedQuadEnd(text: string, start: number): number {
  let i = start;
  for (let part = 0; part < 4; part++) {
    const from = i;
    while (i - from < 3 && isDigit(text.charCodeAt(i))) i++;
    if (i === from || text.charCodeAt(i) !== (part < 3 ? 46 : 93)) return -1; // `.` between, `]` after
    i++;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * LAST_LABELS read from the end: `a.b.example.com` -> `example.com`,
 * `x.example.co.uk` -> `example.co.uk`, lower-cased; the name itself when
 * neither shape fits. A name with a line terminator (which `.` in the
 * regex does not match) goes to the regex.
 */
function lastLabels(domain: string): string {
  let d1 = -1; // the last dot, then the two before it
  let d2 = -1;
  let d3 = -1;
  for (let i = domain.length - 1; i >= 0; i--) {
    const c = domain.charCodeAt(i);
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
      const l = LAST_LABELS.exec(domain);
      return l === null ? domain : `${l[2]}.${l[3]}`.toLowerCase();
    }
    if (c !== 46) continue;
    if (d1 < 0) d1 = i;
    else if (d2 < 0) d2 = i;
    else if (d3 < 0) d3 = i;
  }
  const last = domain.length - d1 - 1;
  if (d2 >= 0 && last === 3 && d1 - d2 > 1) return domain.slice(d2 + 1).toLowerCase();
  const middle = d1 - d2 - 1;
  if (d3 >= 0 && last === 2 && (middle === 2 || middle === 3) && d2 - d3 > 1) return domain.slice(d3 + 1).toLowerCase();
  return domain;
}

/**
 * pflogsumm's gimme_domain: the client's domain (last two labels, or three
 * for `co.uk`-like names, lower-cased), or its address when the name is
 * `unknown`; null when the text has no address part. The common
 * `name[192.0.2.1]` is read without a regex.
 */
export function gimmeDomain(client: string): string | null {
  // DOTTED_QUAD: its name part reaches the first `[`, so only that one can start the address
  const open = client.indexOf('[');
  const end = open < 0 ? -1 : dottedQuadEnd(client, open + 1);
  if (end >= 0) {
    const name = client.slice(0, open);
    if (name === '' || name === 'unknown') return client.slice(open + 1, end - 1);
    return lastLabels(name);
  }
  const m = SLASH_FORM.exec(client) ?? ANY_FORM.exec(client);
  if (m === null) return null;
  const domain = m[1]!;
  if (domain === '' || domain === 'unknown') return m[2]!;
  return lastLabels(domain);
}

/** The end of the `\w+` at `start` of `text` (`start` when none). */
export function wordEnd(text: string, start = 0): number {
  let i = start;
  for (;;) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return i;
    i++;
  }
}

/** pflogsumm's client= value (`\w+: client=(.+?)(,|$)` right after the pid), or null. */
export function clientField(frame: LogFrame): string | null {
  if (frame.pid === null || frame.severity !== 'info') return null;
  const text = frame.text;
  const word = wordEnd(text);
  return word === 0 ? null : clientValue(text, word, text.length);
}

/**
 * The client= value of a text whose opening word ends at `word` (clientField
 * of a line with a pid and no severity prefix), or null; the comma is
 * looked for up to `end` only.
 */
export function clientValue(text: string, word: number, end: number): string | null {
  if (!text.startsWith(': client=', word)) return null;
  const from = word + 9;
  let to = from;
  while (to < end && text.charCodeAt(to) !== 44 /* , */) to++;
  return to === from ? null : text.slice(from, to);
}
