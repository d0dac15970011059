/**
 * cleanup_headers: what cleanup knows about message headers: Postfix's
 * table of known headers with their roles (sender or recipient addresses,
 * Resent-, MIME), is_header(), and the folding of a rewritten address list.
 *
 * Standards: RFC 5322 section 2.2 (header fields), section 3.6
 * See: postfix/src/global/header_opts.c, is_header.c,
 *   postfix/src/cleanup/cleanup_message.c (cleanup_fold_header)
 */

export interface HeaderOpts {
  /** The canonical spelling: `Message-Id`. */
  readonly name: string;
  /** Addresses of the sender side (From, Sender, Reply-To ...), rewritten as such. */
  readonly sender: boolean;
  /** Addresses of the recipient side (To, Cc, Bcc ...). */
  readonly recip: boolean;
  /** A Resent- header: the missing headers cleanup adds become Resent- ones. */
  readonly resent: boolean;
  /** A MIME header: checked with mime_header_checks even among the primary headers. */
  readonly mime: boolean;
}

const S = 1;
const R = 2;
const RR = 4;
const M = 8;

const TABLE: ReadonlyArray<readonly [string, number]> = [
  ['Apparently-To', R],
  ['Bcc', R],
  ['Cc', R],
  ['Content-Description', M],
  ['Content-Disposition', M],
  ['Content-ID', M],
  ['Content-Length', 0],
  ['Content-Transfer-Encoding', M],
  ['Content-Type', M],
  ['Delivered-To', 0],
  ['Disposition-Notification-To', S],
  ['Date', 0],
  ['Errors-To', S],
  ['From', S],
  ['Mail-Followup-To', S],
  ['Message-Id', 0],
  ['MIME-Version', M],
  ['Received', 0],
  ['Reply-To', S],
  ['Resent-Bcc', R | RR],
  ['Resent-Cc', R | RR],
  ['Resent-Date', RR],
  ['Resent-From', S | RR],
  ['Resent-Message-Id', RR],
  ['Resent-Reply-To', R | RR],
  ['Resent-Sender', S | RR],
  ['Resent-To', R | RR],
  ['Return-Path', S],
  ['Return-Receipt-To', S],
  ['Sender', S],
  ['To', R],
  ['TLS-Required', 0],
  ['Require-TLS-ESMTP', 0],
];

const KNOWN: ReadonlyMap<string, HeaderOpts> = new Map(
  TABLE.map(([name, f]) => [
    name.toLowerCase(),
    { name, sender: (f & S) !== 0, recip: (f & R) !== 0, resent: (f & RR) !== 0, mime: (f & M) !== 0 },
  ]),
);

/** is_header(): `name:` with printable name characters, optional blanks before the colon. */
const HEADER = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;

/** The header's name when `line` starts a header, else null. */
export function headerName(line: string): string | null {
  return HEADER.exec(line)?.[1] ?? null;
}

/** header_opts_find(): the known header `text` starts, or null. */
export function headerOpts(text: string): HeaderOpts | null {
  const name = headerName(text);
  return name === null ? null : (KNOWN.get(name.toLowerCase()) ?? null);
}

/** The value of a header: after the colon, leading blanks removed. */
export function headerValue(text: string): string {
  const colon = text.indexOf(':');
  return text.slice(colon + 1).replace(/^[ \t\r\n]+/, '');
}

/**
 * cleanup_fold_header(): a rewritten address list has one address per
 * line; join lines while the result stays under 70 characters, then start a
 * new line (outHeader() indents it).
 */
export function foldHeader(text: string): string {
  const lines = text.split('\n');
  let out = lines[0] ?? '';
  let lineStart = 0;
  for (const line of lines.slice(1)) {
    if (out.length + 1 + line.length - lineStart < 70) {
      out += ` ${line}`;
    } else {
      out += `\n${line}`;
      lineStart = out.length - line.length;
    }
  }
  return out;
}

/**
 * cleanup_out_header(): the header as stored: lines after the first get a
 * TAB unless they start with a blank; a header longer than
 * header_size_limit is cut at the last line boundary before the limit, or
 * at the limit when that would lose more than 10%.
 */
export function outHeader(text: string, header_size_limit: number): string {
  const out: string[] = [];
  let at = 0;
  for (const line of text.split('\n')) {
    if (at + line.length > header_size_limit) {
      if (at > 0.9 * header_size_limit) break;
      out.push(indent(line.slice(0, header_size_limit - at), out.length));
      break;
    }
    out.push(indent(line, out.length));
    at += line.length + 1;
  }
  return out.join('\n');
}

const indent = (line: string, index: number): string =>
  index === 0 || line.startsWith(' ') || line.startsWith('\t') ? line : `\t${line}`;
