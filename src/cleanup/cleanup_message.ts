/**
 * cleanup_message: the message content, line by line. Headers are joined
 * with their continuation lines, checked (header_checks for the primary
 * headers, mime_header_checks for MIME headers, nested_header_checks for an
 * attached message), counted (Received:, hopcount_limit), logged
 * (`ID: message-id=<...>`), and their addresses rewritten; at the end of
 * the primary headers the missing Message-Id, Date and From are added where
 * Postfix adds them; body lines go through body_checks up to
 * body_checks_size_limit. Lines are stored with LF ends; a stray CR becomes
 * a blank. Lines that pass unchanged keep their bytes.
 *
 * Parameters: header_size_limit, hopcount_limit, body_checks_size_limit,
 *   always_add_missing_headers, myhostname, enable_long_queue_ids,
 *   header_from_format, cleanup_replace_stray_cr_lf, header_address_token_limit
 * Diagnostics: `ID: message-id=...`, `ID: resent-message-id=...`, check
 *   action lines (cleanup_act.ts); warnings `ID: header_checks map lookup
 *   problem -- message not accepted, try again later` (then 451 4.3.0) and
 *   `ID: message rejected: hopcount exceeded` (554 5.4.0)
 * Security: all of this is untrusted text; it reaches tables only as lookup
 *   keys and logs only through the Log (which makes it printable)
 * See: postfix/src/cleanup/cleanup_message.c, cleanup_out.c
 */

import { quote822Local, unquote822Local } from '../global/quote_822_local.ts';
import { DictLookupError } from '../maps/dict.ts';
import type { Maps } from '../maps/maps.ts';
import { tok822Externalize, tok822Parse, tok822ScanAddr } from '../maps/tok822_parse.ts';
import { type ActOutput, cleanupAct } from './cleanup_act.ts';
import { mapAddress } from './cleanup_addr.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { extractHeader } from './cleanup_extract.ts';
import { foldHeader, type HeaderOpts, headerName, headerOpts, headerValue, outHeader } from './cleanup_headers.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { blockType, type HeaderClass, MimeBoundaries } from './cleanup_mime.ts';
import { type MessageFacts, missingHeaders } from './cleanup_missing.ts';
import { cleanupRewrite } from './cleanup_rewrite.ts';
import { CLEANUP_STAT, type CleanupState } from './cleanup_state.ts';

const LF = Buffer.from('\n');

interface PendingHeader {
  readonly cls: HeaderClass;
  text: string;
  raw: Buffer[];
  truncated: boolean;
}

export class CleanupMessage {
  readonly #ctx: CleanupContext;
  readonly #state: CleanupState;
  readonly #facts: MessageFacts;
  readonly #out: Buffer[] = [];
  #size = 0;
  /** The header class being read, or null in a body. */
  #inHeaders: HeaderClass | null = 'primary';
  #pending: PendingHeader | null = null;
  /** What the header block being read declares (Content-Type). */
  #blockBoundary: string | null = null;
  #blockMessage = false;
  readonly #boundaries = new MimeBoundaries();
  #bodyOffset = 0;

  constructor(ctx: CleanupContext, state: CleanupState, facts: MessageFacts) {
    this.#ctx = ctx;
    this.#state = state;
    this.#facts = facts;
  }

  /** The content as stored, and its size in bytes. */
  get output(): { readonly chunks: readonly Buffer[]; readonly size: number } {
    return { chunks: this.#out, size: this.#size };
  }

  /**
   * One line of content, without its line end. Returns a promise to await
   * before the next line for a header line, or a body line that body_checks
   * look up; null for a body line stored at once (most of a message), which
   * spares a promise per line.
   */
  line(input: Buffer): Promise<void> | null {
    let raw = input;
    if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, raw.length - 1);
    if (this.#ctx.params.cleanup_replace_stray_cr_lf && raw.includes(0x0d)) {
      raw = Buffer.from(raw);
      for (let i = 0; i < raw.length; i++) if (raw[i] === 0x0d) raw[i] = 0x20;
    }
    if (this.#inHeaders !== null) return this.#headerLine(this.#inHeaders, raw, raw.toString('utf8'));
    // A body line is decoded only when something reads its text: an open multipart's boundaries, or body_checks.
    if (!this.#boundaries.active) return this.#body(raw, null);
    const text = raw.toString('utf8');
    if (this.#boundaries.match(text) !== 'part') return this.#body(raw, text);
    const checked = this.#body(raw, text);
    if (checked === null) {
      this.#startBlock('multipart');
      return null;
    }
    return checked.then(() => this.#startBlock('multipart'));
  }

  /** A line while a header block of class `cls` is read: a header, its continuation, or the line that ends the block. */
  async #headerLine(cls: HeaderClass, raw: Buffer, text: string): Promise<void> {
    const pending = this.#pending;
    if (pending !== null && (text.startsWith(' ') || text.startsWith('\t'))) {
      if (pending.text.length + 1 + text.length <= this.#ctx.params.header_size_limit) {
        pending.text += `\n${text}`;
        pending.raw.push(raw);
      } else pending.truncated = true;
      return;
    }
    await this.#flushHeader();
    if (headerName(text) !== null) {
      this.#pending = { cls, text, raw: [raw], truncated: false };
      return;
    }
    await this.#endOfHeaders();
    if (text !== '') this.#inHeaders = null;
    await this.#body(raw, text);
  }

  /** The end of the content. */
  async end(): Promise<void> {
    if (this.#inHeaders !== null) {
      await this.#flushHeader();
      await this.#endOfHeaders();
    }
  }

  #emit(raw: Buffer): void {
    this.#out.push(raw, LF);
    this.#size += raw.length + 1;
  }

  #emitText(text: string): void {
    this.#emit(Buffer.from(text, 'utf8'));
  }

  #startBlock(cls: HeaderClass): void {
    this.#inHeaders = cls;
    this.#blockBoundary = null;
    this.#blockMessage = false;
  }

  /** A header block ended (at a blank line, a non-header line, or the end). */
  async #endOfHeaders(): Promise<void> {
    if (this.#inHeaders === 'primary')
      for (const h of missingHeaders(this.#ctx, this.#state, this.#facts)) this.#emitText(h);
    const boundary = this.#blockBoundary;
    const message = this.#blockMessage;
    if (boundary !== null) this.#boundaries.push(boundary);
    if (message) this.#startBlock('nested');
    else this.#inHeaders = null;
  }

  async #flushHeader(): Promise<void> {
    const h = this.#pending;
    if (h === null) return;
    this.#pending = null;
    const type = blockType(h.text);
    if (type !== null) {
      this.#blockBoundary = type.boundary;
      this.#blockMessage = type.message;
    }
    await this.#header(h);
  }

  /** cleanup_header_callback(): one complete header. */
  async #header(h: PendingHeader): Promise<void> {
    const ctx = this.#ctx;
    const state = this.#state;
    let text = h.text;
    let opts = headerOpts(text);
    let changed = h.truncated;
    const cls: HeaderClass = opts?.mime ? 'multipart' : h.cls;
    if (state.extract && h.cls === 'primary' && opts !== null && extractHeader(state, opts, text) === 'drop') return;
    if (opts?.name === 'Received') state.hopCount++;
    const checks = state.filtering ? this.#checksFor(cls) : null;
    if (checks !== null) {
      const prepend: ActOutput = { prepend: (t) => this.#emitText(outHeader(t, ctx.params.header_size_limit)) };
      const r = await this.#lookup(checks.maps, text);
      if (r !== null) {
        const result = cleanupAct(ctx, state, 'header', text, r, checks.name, prepend);
        if (result.kind === 'drop') return;
        if (result.kind === 'replace') {
          text = result.text;
          opts = headerOpts(text);
          changed = true;
        }
      }
    }
    if (opts === null || h.cls !== 'primary' || cls !== 'primary') {
      this.#outHeader(h, text, changed);
      return;
    }
    const value = headerValue(text);
    state.headersSeen.add(opts.name.toLowerCase());
    if (opts.name === 'Message-Id') {
      ctx.log.info(CLEANUP_LOG.messageId(state.queueId, value));
      const m = /^<[^>]*>/.exec(value);
      if (state.messageId === null && m !== null) state.messageId = m[0];
    }
    if (opts.name === 'Resent-Message-Id') ctx.log.info(CLEANUP_LOG.resentMessageId(state.queueId, value));
    if (opts.name === 'Received' && state.hopCount >= ctx.params.hopcount_limit) {
      ctx.log.warn(CLEANUP_LOG.hopcountExceeded(state.queueId));
      state.errs |= CLEANUP_STAT.HOPS;
    }
    if (!state.ok) return;
    if (opts.resent) state.resent = true;
    const context = state.init.hdrRewriteContext;
    if (context !== null && (opts.sender || opts.recip)) {
      const rewritten = await this.#rewriteAddresses(opts, text);
      if (rewritten !== null) {
        this.#emitText(outHeader(foldHeader(rewritten), ctx.params.header_size_limit));
        return;
      }
    }
    this.#outHeader(h, text, changed);
  }

  #outHeader(h: PendingHeader, text: string, changed: boolean): void {
    const limit = this.#ctx.params.header_size_limit;
    if (!changed && text.length <= limit) {
      for (const raw of h.raw) this.#emit(raw);
    } else {
      this.#emitText(outHeader(text, limit));
    }
  }

  #checksFor(cls: HeaderClass): { readonly maps: Maps; readonly name: string } | null {
    const t = this.#ctx.tables;
    const [maps, name] =
      cls === 'primary'
        ? [t.header_checks, 'header_checks']
        : cls === 'multipart'
          ? [t.mime_header_checks, 'mime_header_checks']
          : [t.nested_header_checks, 'nested_header_checks'];
    return maps === null ? null : { maps, name };
  }

  /** maps_find() on a check table; a table failure refuses the message (451 4.3.0). */
  async #lookup(maps: Maps, key: string): Promise<string | null> {
    try {
      return await maps.find(key);
    } catch (err) {
      if (!(err instanceof DictLookupError)) throw err;
      this.#ctx.log.warn(CLEANUP_LOG.mapProblem(this.#state.queueId, maps.title));
      this.#state.errs |= CLEANUP_STAT.WRITE;
      return null;
    }
  }

  /**
   * cleanup_rewrite_sender()/_recip(): every address of the header in
   * canonical form, mapped and masqueraded; null when nothing changed.
   */
  async #rewriteAddresses(opts: HeaderOpts, text: string): Promise<string | null> {
    const ctx = this.#ctx;
    const state = this.#state;
    const context = state.init.hdrRewriteContext!;
    const cls = opts.sender ? 'header_sender' : 'header_recipient';
    const tree = tok822Parse(text.slice(text.indexOf(':') + 1));
    let changed = false;
    for (let tp = tree; tp !== null; tp = tp.next) {
      if (tp.type !== 'addr') continue;
      const before = unquote822Local(tok822Externalize(tp.head));
      let after = await cleanupRewrite(ctx.rewriter, context, before);
      after = await mapAddress(ctx, state, after, cls);
      if (after === before) continue;
      const fresh = tok822ScanAddr(quote822Local(after));
      for (let t = fresh.head; t !== null; t = t.next) t.owner = tp;
      tp.head = fresh.head;
      tp.tail = fresh.tail;
      changed = true;
    }
    return changed ? `${opts.name}: ${tok822Externalize(tree, { line: true, truncate: true })}` : null;
  }

  /**
   * cleanup_body_callback(): one body line, through body_checks; a promise
   * only when a table is looked up. `text` is the line decoded, or null when
   * it has not been yet.
   */
  #body(raw: Buffer, text: string | null): Promise<void> | null {
    const ctx = this.#ctx;
    const state = this.#state;
    const offset = this.#bodyOffset;
    this.#bodyOffset += raw.length + 1;
    if (!state.ok) return null;
    const limit = ctx.params.body_checks_size_limit;
    const checks = ctx.tables.body_checks;
    if (state.filtering && checks !== null && (limit === 0 || offset < limit))
      return this.#checkedBody(checks, raw, text ?? raw.toString('utf8'));
    this.#emit(raw);
    return null;
  }

  async #checkedBody(checks: Maps, raw: Buffer, text: string): Promise<void> {
    const r = await this.#lookup(checks, text);
    if (r !== null) {
      const result = cleanupAct(this.#ctx, this.#state, 'body', text, r, 'body_checks', {
        prepend: (t) => this.#emitText(t),
      });
      if (result.kind === 'drop') return;
      if (result.kind === 'replace') {
        this.#emitText(result.text);
        return;
      }
    }
    this.#emit(raw);
  }
}
