/**
 * quote_822_local: converts an address between its internal form (what
 * affix stores and looks up: `"a b"@x` is `a b@x`) and its external form (RFC
 * 822 text: the local part quoted unless it is a dot-string). A source route
 * (`@a,@b:`) is left alone, and the local part ends at the last `@`.
 * The one implementation: maps (mail_addr_find keys), rewrite, cleanup,
 * smtpd, qmgr, bounce, pickup and mail_copy all use it, as Postfix's do.
 *
 * Standards: RFC 822 section 6.1 (local-part = dot-string / quoted-string)
 * See: postfix/src/global/quote_822_local.c, quote_flags.c
 */

/** QUOTE_FLAG_*: how quote822Local() treats the address. */
export interface QuoteFlags {
  /** 8bitclean: leave non-ASCII characters alone instead of quoting and escaping them. */
  readonly '8bitclean'?: boolean;
  /** expose_at: `@` in the local part is ordinary text (no quoting for it). */
  readonly expose_at?: boolean;
  /** bare_localpart: the whole text is a local part, with no `@domain`. */
  readonly bare_localpart?: boolean;
}

/** QUOTE_FLAG_DEFAULT. */
export const QUOTE_FLAG_DEFAULT: QuoteFlags = { '8bitclean': true };

const QUOTE_FLAG_NAMES = ['8bitclean', 'expose_at', 'append', 'bare_localpart'] as const;

/**
 * quote_flags_from_string(): `8bitclean|bare_localpart` to flags, names in any
 * case; null for an unknown name. `append` is accepted and means nothing here,
 * because quote822Local() returns a new string.
 */
export function quoteFlagsFromString(text: string): QuoteFlags | null {
  const flags: Record<string, boolean> = {};
  for (const word of text.split('|')) {
    if (word === '') continue;
    const name = QUOTE_FLAG_NAMES.find((n) => n === word.toLowerCase());
    if (name === undefined) return null;
    flags[name] = true;
  }
  return flags as QuoteFlags;
}

/** quote_flags_to_string(): the flags joined with `|`, in Postfix's order. */
export function quoteFlagsToString(flags: QuoteFlags): string {
  return QUOTE_FLAG_NAMES.filter((n) => n !== 'append' && flags[n] === true).join('|');
}

/** Characters that can never appear unquoted in a dot-string (`@` is handled apart). */
const SPECIALS = '()<>,;:\\"[]';

function isControl(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** is_822_dot_string(): atoms separated by single dots. */
function is822DotString(local: string, flags: QuoteFlags): boolean {
  if (local === '' || local[0] === '.') return false;
  for (let i = 0; i < local.length; i++) {
    const ch = local[i]!;
    const code = ch.charCodeAt(0);
    if (ch === '.' && local[i + 1] === '.') return false;
    if (code > 127 && !flags['8bitclean']) return false;
    if (ch === ' ' || isControl(code)) return false;
    if (SPECIALS.includes(ch) || (ch === '@' && !flags.expose_at)) return false;
  }
  return local[local.length - 1] !== '.';
}

/** make_822_quoted_string(): the local part in quotes, `"`, `\` and CR escaped. */
function make822QuotedString(local: string, flags: QuoteFlags): string {
  let out = '"';
  for (const ch of local) {
    const code = ch.charCodeAt(0);
    if ((code > 127 && !flags['8bitclean']) || ch === '"' || ch === '\\' || ch === '\r') out += '\\';
    out += ch;
  }
  return `${out}"`;
}

/** Where the local part of `mbox` starts: after a source route `@...:`, else at 0. */
function localStart(mbox: string): number {
  const colon = mbox[0] === '@' ? mbox.indexOf(':') : -1;
  return colon < 0 ? 0 : colon + 1;
}

/** quote_822_local_flags(): the external form of an internal-form address. */
export function quote822Local(mbox: string, flags: QuoteFlags = QUOTE_FLAG_DEFAULT): string {
  const start = localStart(mbox);
  const at = flags.bare_localpart ? -1 : mbox.lastIndexOf('@');
  const end = at < start ? mbox.length : at;
  const local = mbox.slice(start, end);
  if (is822DotString(local, flags)) return mbox;
  return mbox.slice(0, start) + make822QuotedString(local, flags) + mbox.slice(end);
}

/**
 * unquote_822_local(): the internal form of an external-form address. Quotes
 * and backslashes are removed up to the last `@` outside quotes; what follows
 * that `@` is copied as it is.
 */
export function unquote822Local(mbox: string): string {
  const start = localStart(mbox);
  let out = mbox.slice(0, start);
  let inQuote = false;
  let bareAt: { readonly outAt: number; readonly srcAt: number } | null = null;
  for (let i = start; i < mbox.length; i++) {
    let ch = mbox[i]!;
    if (ch === '"') {
      inQuote = !inQuote;
      continue;
    }
    if (ch === '@') {
      if (!inQuote) bareAt = { outAt: out.length, srcAt: i };
    } else if (ch === '\\') {
      if (i + 1 >= mbox.length) continue;
      ch = mbox[++i]!;
    }
    out += ch;
  }
  return bareAt === null ? out : out.slice(0, bareAt.outAt) + mbox.slice(bareAt.srcAt);
}
