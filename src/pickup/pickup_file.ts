/**
 * pickup_file: one maildrop file into the queue proper. The file (written
 * by sendmail, or moved there by postsuper -r) is read through the
 * QueueStore, logged as `NEWID: uid=N from=<sender>`, and handed to cleanup
 * with origin `pickup`: the local rewrite context (or the one the message
 * had, for requeued mail), the `Received: by HOST (affix, from userid N)`
 * header, the arrival time it already had, `-t` recipient extraction when
 * sendmail asked for it, and the pending recipients only (a requeued
 * message keeps what was already delivered). Once cleanup has the message
 * on stable storage the maildrop file is removed; after a temporary
 * refusal it stays for the next run; after a permanent one it is removed
 * (Postfix's cleanup would bounce it; affix has no bounce service yet).
 *
 * Parameters: content_filter, receive_override_options, info_log_address_format
 * Diagnostics: the warnings of pickup_log.ts
 * Security: the file is untrusted (local users write maildrop): it is read
 *   with the checksummed reader of the store and goes through cleanup like
 *   any other mail; the uid logged is the one sendmail recorded, which only
 *   the queue's owner can write (maildrop is mode 0700)
 * See: postfix/src/pickup/pickup.c (pickup_file, pickup_copy)
 */
import type { CleanupRequest, CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import { quote822Local } from '../global/quote_822_local.ts';
import { MailError } from '../global/reply.ts';
import type { Log } from '../log/log.ts';
import { QueueFileCorrupt } from '../queue/queue_file_format.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueMessage, QueueStore } from '../queue/queue_store.ts';
import { PICKUP_LOG } from './pickup_log.ts';

/** What pickup works with, under the service's configuration. */
export interface PickupContext {
  readonly config: Config;
  readonly log: Log;
  readonly store: QueueStore;
  readonly cleanup: CleanupService;
  /** The uid pickup runs as: what requeued mail is logged with (Postfix: the mail owner). */
  readonly uid: number;
}

export type PickupOutcome = 'queued' | 'kept' | 'removed' | 'gone';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The request cleanup gets for a maildrop message. */
function cleanupRequest(ctx: PickupContext, m: QueueMessage, queueId: QueueId, uid: number): CleanupRequest {
  const e = m.envelope;
  const extract = e.attributes['extract_recipients'];
  const filter = ctx.config.value('content_filter');
  return {
    queueId,
    sender: e.sender,
    recipients: m.recipients
      .filter((r) => !r.done)
      .map((r) => ({ address: r.recipient.address, orcpt: r.recipient.orcpt, notify: r.recipient.notify })),
    client: e.client,
    origin: 'pickup',
    envid: e.envid,
    ret: e.ret,
    smtputf8: e.smtputf8,
    body8bit: e.body8bit,
    fullName: e.fullName,
    actions: filter === '' ? {} : { filter },
    logContext: 'local',
    rewriteContext: e.rewriteContext,
    arrival: e.arrival,
    uid,
    receive_override_options: ctx.config.params.receive_override_options,
    extractRecipients: extract === undefined ? null : { notify: Number(extract) || 0 },
  };
}

/** pickup_file(): one maildrop message to cleanup; says what became of the file. */
export async function pickupFile(ctx: PickupContext, id: QueueId): Promise<PickupOutcome> {
  const { store, log } = ctx;
  let message: QueueMessage;
  try {
    message = await store.read('maildrop', id);
  } catch (err) {
    if (errno(err) === 'ENOENT') return 'gone';
    if (!(err instanceof QueueFileCorrupt)) throw err;
    log.warn(PICKUP_LOG.corrupt(id, err.message));
    await store.move(id, 'maildrop', 'corrupt').catch(() => undefined);
    return 'removed';
  }
  const e = message.envelope;
  const submitted = e.attributes['uid'];
  const uid = submitted === undefined ? ctx.uid : Number(submitted);
  const newId = ctx.cleanup.newQueueId();
  const from =
    ctx.config.params.info_log_address_format === 'internal' || e.sender === '' ? e.sender : quote822Local(e.sender);
  log.info(submitted === undefined ? PICKUP_LOG.requeued(newId, uid, from, id) : PICKUP_LOG.picked(newId, uid, from));
  try {
    await ctx.cleanup.submit(cleanupRequest(ctx, message, newId, uid), store.content(message));
  } catch (err) {
    if (err instanceof QueueFileCorrupt) {
      log.warn(PICKUP_LOG.corrupt(id, err.message));
      await store.move(id, 'maildrop', 'corrupt').catch(() => undefined);
      return 'removed';
    }
    if (err instanceof MailError && err.reply.code >= 500) {
      log.warn(PICKUP_LOG.rejected(`maildrop/${id}`, newId, `${err.reply.code} ${err.reply.dsn} ${err.reply.text}`));
      await store.remove('maildrop', id);
      return 'removed';
    }
    const reason = err instanceof MailError ? `${err.reply.code} ${err.reply.dsn} ${err.reply.text}` : String(err);
    log.warn(PICKUP_LOG.deferred(`maildrop/${id}`, newId, reason));
    return 'kept';
  }
  await store.remove('maildrop', id);
  return 'queued';
}
