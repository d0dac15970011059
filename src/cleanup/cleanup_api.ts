/**
 * cleanup_api: the CleanupService smtpd, pickup and bounce submit mail
 * through. One submit() is one message: the envelope is rewritten and
 * expanded (cleanup_addr.ts), the content goes line by line through
 * cleanup_message.ts, and only a message without errors is written, to
 * incoming (or hold), through QueueStore.create(), which resolves once the
 * file and its directory entry are on stable storage. Then qmgr is told.
 * A refused message leaves nothing behind and throws MailError with the
 * reply smtpd sends.
 *
 * The processed content is kept in memory until the end of the message
 * (it is bounded by message_size_limit), so that actions found late (a
 * body_checks HOLD) decide where the file goes before it is written.
 *
 * Parameters: message_size_limit, queue_minfree, delay_warning_time,
 *   remote_header_rewrite_domain, receive_override_options (from the request),
 *   mail_name, myhostname, info_log_address_format
 * Diagnostics: warnings `ID: queue file size limit exceeded` (552 5.3.4),
 *   `ID: write queue file: REASON` (451 4.3.0), `not enough free space in
 *   mail queue: N bytes < 1.5*message size limit` (452 4.3.1);
 *   info `ID: removed (canceled)` / `ID: removed (discarded)`
 * Security: the only writer of new queue files; content and addresses are
 *   untrusted and reach the file only through QueueStore
 * See: postfix/src/cleanup/cleanup_api.c, cleanup.c, cleanup_final.c,
 *   postfix/src/pickup/pickup.c (the local Received: header)
 */
import { finishAuthentication } from '../auth/auth_cleanup.ts';
import { mailDate } from '../global/mail_date.ts';
import { MailError } from '../global/reply.ts';
import { DSN_NOTIFY, type QueueEnvelope } from '../queue/queue_envelope.ts';
import type { QueueId } from '../queue/queue_id.ts';
import { cleanupRecipients, cleanupSender } from './cleanup_addr.ts';
import type { CleanupContext } from './cleanup_context.ts';
import { extractedRecipients } from './cleanup_extract.ts';
import { CLEANUP_LOG } from './cleanup_log.ts';
import { CleanupMessage } from './cleanup_message.ts';
import { CLEANUP_REPLY } from './cleanup_replies.ts';
import type { CleanupRequest, CleanupResult, CleanupService } from './cleanup_service.ts';
import { CLEANUP_STAT, CleanupState } from './cleanup_state.ts';

export class CleanupServer implements CleanupService {
  #ctx: CleanupContext;

  constructor(ctx: CleanupContext) {
    this.#ctx = ctx;
  }

  /** The context after `postfix reload`; messages in progress keep the old one. */
  setContext(ctx: CleanupContext): void {
    this.#ctx = ctx;
  }

  get context(): CleanupContext {
    return this.#ctx;
  }

  newQueueId(): QueueId {
    return this.#ctx.store.newId();
  }

  async checkSpace(): Promise<void> {
    const ctx = this.#ctx;
    const p = ctx.params;
    const free = await ctx.store.freeSpace();
    if (
      (p.queue_minfree > 0 && p.queue_minfree >= free) ||
      (p.message_size_limit > 0 && p.message_size_limit * 1.5 >= free)
    ) {
      ctx.log.warn(CLEANUP_LOG.notEnoughSpace(free));
      throw new MailError(CLEANUP_REPLY.insufficient_storage);
    }
  }

  async submit(request: CleanupRequest, content: AsyncIterable<Buffer>): Promise<CleanupResult> {
    const ctx = this.#ctx;
    const p = ctx.params;
    const id = request.queueId;
    const overrides = new Set(request.receive_override_options ?? []);
    const rewriteContext = request.rewriteContext ?? (request.origin === 'smtpd' ? 'remote' : 'local');
    const state = new CleanupState({
      queueId: id,
      origin: request.logContext.replace(/^from /, ''),
      proto: request.client === null ? null : request.client.protocol,
      helo: request.client === null || request.client.helo === '' ? null : request.client.helo,
      filter: request.origin !== 'bounce' && !overrides.has('no_header_body_checks'),
      mapOk: !overrides.has('no_address_mappings'),
      hdrRewriteContext: rewriteContext === 'local' ? 'local' : p.remote_header_rewrite_domain === '' ? null : 'remote',
      logInternal: p.info_log_address_format === 'internal',
    });
    const arrival = request.arrival ?? ctx.clock() * 1000;
    const sender = await cleanupSender(ctx, state, request.sender);
    const recipients = await cleanupRecipients(ctx, state, request.recipients);

    const message = new CleanupMessage(ctx, state, { arrival: Math.floor(arrival / 1000), fullName: request.fullName });
    if (request.origin === 'pickup') {
      await message.line(Buffer.from(`Received: by ${p.myhostname} (${p.mail_name}, from userid ${request.uid ?? 0})`));
      await message.line(Buffer.from(`\tid ${id}; ${mailDate(Math.floor(arrival / 1000))}`));
    }
    state.extract = request.extractRecipients != null;
    await this.#readContent(ctx, state, message, content);
    await message.end();
    // smtpd's actions may change until the end of data (end-of-data restrictions): read them only now.
    const a = request.actions;
    if (a.hold !== undefined) state.hold = true;
    if (a.discard !== undefined) state.discard = true;
    if (a.redirect !== undefined) state.redirect = a.redirect;
    if (a.filter !== undefined) state.filterTo = a.filter;
    if (request.extractRecipients != null && state.ok) {
      // sendmail -t: the header recipients join those of the command line, duplicates dropped.
      const extra = extractedRecipients(state, request.extractRecipients.notify);
      const seen = new Set(recipients.map((r) => r.address.toLowerCase()));
      for (const r of await cleanupRecipients(ctx, state, extra)) {
        if (!seen.has(r.address.toLowerCase())) {
          seen.add(r.address.toLowerCase());
          recipients.push(r);
        }
      }
    }
    if (state.bcc.length > 0 && state.ok) {
      const extra = state.bcc.map((address) => ({ address, orcpt: null, notify: DSN_NOTIFY.NEVER }));
      const seen = new Set(recipients.map((r) => r.address.toLowerCase()));
      for (const r of await cleanupRecipients(ctx, state, extra))
        if (!seen.has(r.address.toLowerCase())) recipients.push(r);
    }
    if (recipients.length === 0 && state.ok) state.errs |= CLEANUP_STAT.RCPT;

    if (state.discard) {
      ctx.log.info(CLEANUP_LOG.removed(id, 'discarded'));
      return { queueId: id, outcome: 'discarded' };
    }
    if (state.errs !== 0) {
      ctx.log.info(CLEANUP_LOG.removed(id, 'canceled'));
      throw new MailError(state.reply());
    }
    const envelope: QueueEnvelope = {
      sender,
      arrival,
      client: request.client,
      envid: request.envid,
      ret: request.ret,
      warnAt: p.delay_warning_time > 0 ? arrival + p.delay_warning_time * 1e6 : null,
      smtputf8: request.smtputf8,
      body8bit: request.body8bit,
      rewriteContext,
      fullName: request.fullName,
      attributes: {},
      filter: state.filterTo,
      redirect: state.redirect,
    };
    const queue = state.hold ? 'hold' : 'incoming';
    const out = message.output;
    // affix extension (issue 7): Authentication-Results: from smtpd, then DKIM signing, after all header rewriting.
    const auth = finishAuthentication({
      queueId: id,
      origin: request.origin,
      client: request.client,
      signer: ctx.tables.dkim ?? null,
      headers: a.authHeaders ?? null,
      content: Buffer.concat(out.chunks as Buffer[], out.size),
      log: ctx.log,
      now: Math.floor(ctx.clock() / 1000),
    });
    if (!auth.ok) {
      ctx.log.info(CLEANUP_LOG.removed(id, 'canceled'));
      throw new MailError(auth.reply);
    }
    try {
      await ctx.store.create(id, queue, envelope, recipients, auth.content);
    } catch (err) {
      ctx.log.warn(CLEANUP_LOG.writeError(id, (err as Error).message));
      ctx.log.info(CLEANUP_LOG.removed(id, 'canceled'));
      throw new MailError(CLEANUP_REPLY.write_error, { cause: err });
    }
    if (queue === 'incoming') ctx.notifyQmgr(id);
    return { queueId: id, outcome: state.hold ? 'held' : 'queued' };
  }

  /** Feeds the content line by line; past message_size_limit it reads on but keeps nothing. */
  async #readContent(
    ctx: CleanupContext,
    state: CleanupState,
    message: CleanupMessage,
    content: AsyncIterable<Buffer>,
  ): Promise<void> {
    const limit = ctx.params.message_size_limit;
    let size = 0;
    let carry: Buffer | null = null;
    for await (const chunk of content) {
      size += chunk.length;
      if (limit > 0 && size > limit) {
        if ((state.errs & CLEANUP_STAT.SIZE) === 0) {
          ctx.log.warn(CLEANUP_LOG.sizeExceeded(state.queueId));
          state.errs |= CLEANUP_STAT.SIZE;
        }
        carry = null;
        continue;
      }
      let buf: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        // Most body lines are stored at once (null); a header or a checked line is awaited.
        const pending = message.line(buf.subarray(start, nl));
        if (pending !== null) await pending;
        start = nl + 1;
      }
      buf = buf.subarray(start);
      carry = buf.length > 0 ? Buffer.from(buf) : null;
    }
    if (carry !== null && (state.errs & CLEANUP_STAT.SIZE) === 0) await message.line(carry);
  }
}
