/**
 * smtpd_ehlo: the EHLO keyword list in Postfix's order, and the keywords a
 * site hides: smtpd_discard_ehlo_keywords, or per client address the
 * result of smtpd_discard_ehlo_keyword_address_maps. A hidden keyword is
 * also refused when used (DSN parameters, BDAT, SMTPUTF8, STARTTLS ...).
 * `silent-discard` suppresses the `discarding EHLO keywords` log line.
 *
 * Parameters: smtpd_discard_ehlo_keywords, smtpd_discard_ehlo_keyword_address_maps,
 *   message_size_limit, disable_vrfy_command, smtputf8_enable, broken_sasl_auth_clients
 * See: postfix/src/global/ehlo_mask.c, postfix/src/smtpd/smtpd.c (ehlo_cmd)
 */
import { SMTPD_LOG } from './smtpd_log.ts';
import type { SmtpdSession } from './smtpd_state.ts';

/** Postfix's EHLO_MASK_* bits, in ehlo_mask_table order (the order str_ehlo_mask() prints). */
export const EHLO_MASK = {
  '8BITMIME': 1 << 0,
  AUTH: 1 << 5,
  ETRN: 1 << 4,
  PIPELINING: 1 << 1,
  SIZE: 1 << 2,
  VERP: 1 << 6,
  VRFY: 1 << 3,
  XCLIENT: 1 << 8,
  XFORWARD: 1 << 9,
  STARTTLS: 1 << 7,
  ENHANCEDSTATUSCODES: 1 << 10,
  DSN: 1 << 11,
  SMTPUTF8: 1 << 12,
  CHUNKING: 1 << 13,
  REQUIRETLS: 1 << 14,
  'SILENT-DISCARD': 1 << 15,
} as const;

export type EhloKeyword = keyof typeof EHLO_MASK;

/** ehlo_mask(): the bits of a keyword list; unknown words are ignored. */
export function ehloMask(words: readonly string[]): number {
  let mask = 0;
  for (const w of words) {
    const bit = EHLO_MASK[w.toUpperCase() as EhloKeyword];
    if (bit !== undefined) mask |= bit;
  }
  return mask;
}

/** str_ehlo_mask(): the keyword names of a mask, space-separated, in table order. */
export function ehloMaskText(mask: number): string {
  return (Object.keys(EHLO_MASK) as EhloKeyword[]).filter((k) => (mask & EHLO_MASK[k]) !== 0).join(' ');
}

/** The discard mask for this client (looked up once, at connect). */
export async function ehloDiscardMask(s: SmtpdSession): Promise<number> {
  const maps = s.ctx.lists.ehloDiscardMaps;
  let words = s.ctx.params.smtpd_discard_ehlo_keywords;
  if (maps !== null) {
    const found = await maps.find(s.peer.addr);
    if (found !== null) words = found.split(/[\s,]+/).filter((w) => w !== '');
  }
  return ehloMask(words);
}

/** True when `keyword` is hidden from this client. */
export function discarded(s: SmtpdSession, keyword: EhloKeyword): boolean {
  return (s.ehloDiscard & EHLO_MASK[keyword]) !== 0;
}

/** The lines of the EHLO reply, first the host name. */
export function ehloLines(s: SmtpdSession): string[] {
  const p = s.ctx.params;
  const mask = s.ehloDiscard;
  if (mask !== 0 && (mask & EHLO_MASK.ENHANCEDSTATUSCODES) === 0 && (mask & EHLO_MASK['SILENT-DISCARD']) === 0) {
    s.ctx.log.info(SMTPD_LOG.discardingEhlo(ehloMaskText(mask)));
  }
  const off = (k: EhloKeyword) => (mask & EHLO_MASK[k]) !== 0;
  const lines = [s.ctx.myhostname];
  if (!off('PIPELINING')) lines.push('PIPELINING');
  if (!off('SIZE')) lines.push(p.message_size_limit > 0 ? `SIZE ${p.message_size_limit}` : 'SIZE');
  if (!off('VRFY') && !p.disable_vrfy_command) lines.push('VRFY');
  if (!off('ETRN')) lines.push('ETRN');
  if (!off('STARTTLS') && s.ctx.tls !== null && s.tls === null) lines.push('STARTTLS');
  if (!off('AUTH') && s.saslMechanisms !== null) {
    lines.push(`AUTH ${s.saslMechanisms}`);
    if (p.broken_sasl_auth_clients) lines.push(`AUTH=${s.saslMechanisms}`);
  }
  if (!off('ENHANCEDSTATUSCODES')) lines.push('ENHANCEDSTATUSCODES');
  if (!off('8BITMIME')) lines.push('8BITMIME');
  if (!off('DSN')) lines.push('DSN');
  if (p.smtputf8_enable && !off('SMTPUTF8')) lines.push('SMTPUTF8');
  if (!off('CHUNKING')) lines.push('CHUNKING');
  return lines;
}
