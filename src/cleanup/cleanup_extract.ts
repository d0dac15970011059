/**
 * cleanup_extract: recipients taken from the message headers, for
 * `sendmail -t` (CleanupRequest.extractRecipients). The addresses of the
 * primary To:, Cc: and Bcc: headers are collected — or, once a Resent-To:,
 * Resent-Cc: or Resent-Bcc: header is seen, those of the Resent- ones only —
 * and added to the envelope recipients given on the command line. Bcc: and
 * Resent-Bcc: headers are removed from such a message, so that blind copies
 * stay blind.
 *
 * Postfix 3.x extracts in sendmail before the message reaches the queue
 * (cleanup's extracted segment); affix does it here, where the headers are
 * parsed anyway, with the same choice of headers and the same internal
 * (unquoted) address form.
 *
 * Security: header text is untrusted; it is only tokenized and returned as
 *   addresses, which go through the usual recipient rewriting
 * See: postfix/src/sendmail/sendmail.c (output_header), postfix/src/global/header_opts.c
 */
import { tok822Internalize, tok822Parse } from '../maps/tok822_parse.ts';
import type { Tok822 } from '../maps/tok822_tree.ts';
import type { HeaderOpts } from './cleanup_headers.ts';
import type { CleanupRecipient } from './cleanup_service.ts';
import type { CleanupState } from './cleanup_state.ts';

/** Headers whose addresses -t takes (HDR_OPT_EXTRACT), by canonical name. */
const EXTRACT = new Set(['To', 'Cc', 'Bcc', 'Resent-To', 'Resent-Cc', 'Resent-Bcc']);
/** Headers removed from a -t message. */
const BLIND = new Set(['Bcc', 'Resent-Bcc']);

/** tok822_grep(tree, TOK822_ADDR): every address token, groups included. */
function addresses(tree: Tok822 | null, out: string[] = []): string[] {
  for (let tp = tree; tp !== null; tp = tp.next) {
    if (tp.type === 'addr') out.push(tok822Internalize(tp.head));
    else if (tp.head !== null) addresses(tp.head, out);
  }
  return out;
}

/**
 * A primary header of a -t message: records its addresses when it is one
 * -t reads; 'drop' when the header must not be stored (Bcc:).
 */
export function extractHeader(state: CleanupState, opts: HeaderOpts, text: string): 'keep' | 'drop' {
  if (!EXTRACT.has(opts.name)) return 'keep';
  const found = addresses(tok822Parse(text.slice(text.indexOf(':') + 1)));
  if (opts.resent) {
    state.resentExtracted ??= [];
    state.resentExtracted.push(...found);
  } else if (state.resentExtracted === null) state.extracted.push(...found);
  return BLIND.has(opts.name) ? 'drop' : 'keep';
}

/** The recipients -t found: the Resent- ones when a Resent- recipient header was seen, else the others. */
export function extractedRecipients(state: CleanupState, notify: number): CleanupRecipient[] {
  const list = state.resentExtracted ?? state.extracted;
  return list.map((address) => ({ address, orcpt: null, notify }));
}
