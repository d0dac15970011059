/**
 * smtpd_message: what DATA and BDAT share — opening the message at
 * cleanup with smtpd's own Received: header (and PREPEND headers above
 * it), passing content records on while enforcing message_size_limit and
 * the bare-LF rule, and at the end running smtpd_end_of_data_restrictions,
 * waiting until cleanup has the message on stable storage, and choosing
 * the reply: `250 2.0.0 Ok: queued as ID` only then. After an error smtpd
 * keeps reading the content and refuses the message as a whole.
 *
 * Parameters: message_size_limit, smtpd_forbid_bare_newline_reject_code,
 *   smtpd_tls_received_header, smtpd_sasl_authenticated_header, mail_name
 * Diagnostics: `warning: ID: queue file size limit exceeded`;
 *   `ID: reject: END-OF-MESSAGE from ...: bare <LF> received; ...`
 * Security: content is client data, passed on in bounded batches; CR and LF
 *   never enter a header smtpd writes
 * See: postfix/src/smtpd/smtpd.c (common_pre_message_handling, receive_data_message,
 *      common_post_message_handling)
 */

import { inboundChecked, smtpdAuthChecks } from '../auth/auth_smtpd.ts';
import type { CleanupRequest } from '../cleanup/cleanup_service.ts';
import { MailError } from '../global/reply.ts';
import { ContentAbort, ContentChannel } from './smtpd_channel.ts';
import { chatReply } from './smtpd_chat.ts';
import { smtpdCheckEod } from './smtpd_check.ts';
import { SMTPD_LOG } from './smtpd_log.ts';
import { receivedHeader } from './smtpd_received.ts';
import { logWhatsup, reject } from './smtpd_reject.ts';
import { SMTPD_REPLY, type SmtpdReply } from './smtpd_replies.ts';
import { rewriteContextFor } from './smtpd_rewrite_ctx.ts';
import type { MessageOutcome, OpenMessage, SmtpdSession } from './smtpd_state.ts';

/** Bytes collected before they are handed to cleanup. */
const BATCH = 32 * 1024;

type Outcome = MessageOutcome;

export class MessageInProgress implements OpenMessage {
  readonly channel: ContentChannel;
  readonly #s: SmtpdSession;
  #batch: Buffer[] = [];
  #batchLength = 0;
  /** CLEANUP_STAT_* that happened so far. */
  readonly errors = new Set<'size' | 'bare_lf'>();
  readonly outcome: Promise<Outcome>;
  /** affix extension (issue 7): the client's content, kept for the checks at end of data; null: not checked. */
  authCopy: Buffer[] | null = null;

  constructor(s: SmtpdSession, channel: ContentChannel, outcome: Promise<Outcome>) {
    this.#s = s;
    this.channel = channel;
    this.outcome = outcome;
  }

  /** One content record (a line without its end, or part of a long line); a promise only when a batch goes to cleanup. */
  record(data: Buffer, eol: boolean, bareLf: boolean): Promise<void> | null {
    const s = this.#s;
    this.sawLine(bareLf);
    if (this.errors.size > 0) return null;
    const limit = s.ctx.params.message_size_limit;
    if (limit > 0 && limit - s.actSize < data.length + 2) {
      s.ctx.log.warn(SMTPD_LOG.sizeExceeded(s.queueId));
      this.#fail('size');
      return null;
    }
    s.actSize += data.length + 2;
    this.#batch.push(data);
    this.#batchLength += data.length + 1;
    if (eol) this.#batch.push(LF);
    return this.#batchLength >= BATCH ? this.flush() : null;
  }

  /** A line ended (in a bare LF or not): reject or note it as smtpd_forbid_bare_newline says. */
  sawLine(bareLf: boolean): void {
    if (!bareLf) return;
    if (this.#s.bareLf === 'reject') {
      if (!this.errors.has('bare_lf')) this.#fail('bare_lf');
    } else if (this.#s.bareLf === 'note') {
      this.#s.noteBareLf = true;
    }
  }

  #fail(why: 'size' | 'bare_lf'): void {
    this.errors.add(why);
    this.#batch = [];
    this.#batchLength = 0;
    this.channel.abort(new ContentAbort(why));
  }

  /** Hands the collected records to cleanup. */
  async flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    const data = Buffer.concat(this.#batch);
    this.#batch = [];
    this.#batchLength = 0;
    this.authCopy?.push(data);
    await this.channel.push(data);
  }

  end(): void {
    this.channel.end();
  }

  /** Stops the message (RSET, lost client); cleanup queues nothing. */
  abort(why: string): void {
    this.channel.abort(new ContentAbort(why));
  }
}

const LF = Buffer.from('\n');

function cleanupRequest(s: SmtpdSession, rewriteContext: 'local' | 'remote'): CleanupRequest {
  const t = s.txn;
  if (t.stage !== 'mail' || t.queueId === null) throw new Error('cleanupRequest: no transaction with a queue ID');
  const saved = s.saved;
  return {
    queueId: t.queueId,
    sender: t.mail.sender,
    recipients: t.rcpts.map((r) => ({ address: r.address, orcpt: r.orcpt, notify: r.notify })),
    client: {
      name: s.peer.name,
      address: s.peer.addr,
      port: s.peer.port,
      helo: s.helo ?? '',
      protocol: s.protocol,
      saslMethod: s.sasl?.method ?? '',
      saslUsername: s.sasl?.username ?? '',
      saslSender: s.sasl?.sender ?? '',
    },
    origin: 'smtpd',
    envid: t.mail.envid,
    ret: t.mail.ret,
    smtputf8: t.mail.smtputf8,
    body8bit: t.mail.body === '8BITMIME',
    fullName: '',
    // Read when the content has ended: end-of-data restrictions may still add HOLD or DISCARD.
    actions: {
      get hold() {
        return saved.hold ?? undefined;
      },
      get discard() {
        return saved.discard ?? undefined;
      },
      get redirect() {
        return saved.redirect ?? undefined;
      },
      get filter() {
        return saved.filter ?? undefined;
      },
      get authHeaders() {
        return saved.authHeaders;
      },
    },
    logContext: s.peer.namaddr,
    rewriteContext,
    arrival: t.mail.arrival,
    receive_override_options: s.ctx.params.receive_override_options,
  };
}

/** common_pre_message_handling(): opens the message at cleanup and writes the headers smtpd adds. */
export async function startMessage(s: SmtpdSession): Promise<OpenMessage> {
  const t = s.txn;
  const cleanup = s.ctx.cleanup;
  if (t.stage !== 'mail' || t.queueId === null || cleanup === null) {
    throw new MailError(SMTPD_REPLY.write_error);
  }
  const request = cleanupRequest(s, await rewriteContextFor(s));
  const channel = new ContentChannel();
  const outcome = (async (): Promise<Outcome> => {
    try {
      const r = await cleanup.submit(request, channel.content());
      return { ok: true, queueId: r.queueId };
    } catch (error) {
      return { ok: false, error };
    }
  })();
  const message = new MessageInProgress(s, channel, outcome);
  s.message = message;
  // affix extension (issue 7): keep the content for SPF/DKIM/DMARC/ARC at end of data.
  const client = { address: s.peer.addr, name: s.peer.name, saslUsername: s.sasl?.username ?? null };
  if (inboundChecked(s.ctx.params, client)) message.authCopy = [];
  const p = s.ctx.params;
  const lines = [
    ...s.saved.prepend,
    ...receivedHeader({
      helo: s.helo,
      clientName: s.peer.name,
      rfcAddr: s.peer.rfcAddr,
      myhostname: s.ctx.myhostname,
      mailName: p.mail_name,
      protocol: s.protocol,
      smtputf8: t.mail.smtputf8,
      tlsLines: s.tls !== null && p.smtpd_tls_received_header ? s.tls.receivedLines : null,
      tls: s.tls !== null,
      authHeaderUser: s.sasl !== null && p.smtpd_sasl_authenticated_header ? s.sasl.username : null,
      sasl: s.sasl !== null,
      queueId: t.queueId,
      recipient: t.rcpts.length === 1 ? s.recipientForLog : null,
      arrival: t.mail.arrival / 1000,
    }),
  ];
  await message.channel.push(Buffer.from(`${lines.join('\n')}\n`, 'utf8'));
  return message;
}

/** The reply for a message that was not queued. */
function failureReply(s: SmtpdSession, m: OpenMessage, error: unknown): SmtpdReply {
  if (m.errors.has('bare_lf')) {
    logWhatsup(s, 'reject', 'bare <LF> received');
    return SMTPD_REPLY.bare_lf(s.ctx.params.smtpd_forbid_bare_newline_reject_code, s.ctx.myhostname);
  }
  if (error instanceof MailError) return error.reply;
  if (m.errors.has('size')) return SMTPD_REPLY.message_too_big;
  s.ctx.log.warn(
    `${s.queueId ?? 'NOQUEUE'}: cleanup service failed: ${error instanceof Error ? error.message : error}`,
  );
  return SMTPD_REPLY.write_error;
}

/** affix extension (issue 7): runs the checks; a DMARC refusal (logged as `reject: END-OF-MESSAGE`), or null. */
async function inboundAuth(s: SmtpdSession, m: OpenMessage): Promise<SmtpdReply | null> {
  const t = s.txn;
  if (!(m instanceof MessageInProgress) || m.authCopy === null || t.stage !== 'mail') return null;
  const client = { address: s.peer.addr, name: s.peer.name, saslUsername: s.sasl?.username ?? null };
  const v = await smtpdAuthChecks({
    queueId: s.queueId ?? 'NOQUEUE',
    client,
    helo: s.helo,
    sender: t.mail.sender,
    content: Buffer.concat(m.authCopy),
    dns: s.ctx.dns,
    params: s.ctx.params,
    log: s.ctx.log,
  });
  s.saved.authHeaders = v.headers;
  if (v.hold !== null && s.saved.hold === null) {
    logWhatsup(s, 'hold', v.hold);
    s.saved.hold = v.hold;
  }
  return v.reject === null ? null : reject(s, null, 'policy', v.reject.code, v.reject.dsn, v.reject.text);
}

/**
 * common_post_message_handling(): end-of-data restrictions, commit, reply,
 * reset. Resolves true when the message was queued.
 */
export async function finishMessage(s: SmtpdSession, m: OpenMessage, bdat: boolean): Promise<boolean> {
  s.where = 'END-OF-MESSAGE';
  await m.flush();
  if (m.errors.size === 0) {
    // affix extension (issue 7): inbound checks and the DMARC policy (src/auth/auth_smtpd.ts).
    const auth = await inboundAuth(s, m);
    const err = auth ?? (await smtpdCheckEod(s));
    if (err !== null) {
      m.abort('end-of-data restriction');
      await m.outcome;
      await chatReply(s, err);
      s.resetTransaction();
      return false;
    }
    m.end();
  }
  const outcome = await m.outcome;
  const size = s.actSize;
  let ok = false;
  if (outcome.ok && m.errors.size === 0) {
    s.errorCount = 0;
    s.junkCommands = 0;
    await chatReply(s, bdat ? SMTPD_REPLY.bdat_queued(size, outcome.queueId) : SMTPD_REPLY.queued(outcome.queueId));
    ok = true;
  } else {
    await chatReply(s, failureReply(s, m, outcome.ok ? null : outcome.error));
  }
  s.message = null;
  s.resetTransaction();
  return ok;
}
