/**
 * qmgr_showq: what Postfix's showq daemon reports of the queue, one message
 * at a time: the queues maildrop, active, incoming, deferred and hold in
 * that order, and per complete message its queue, ID, arrival time, content
 * size, force-expire mark, sender, and the recipients still to be
 * delivered — first those of the defer log with the reason they were
 * deferred, then the pending recipients of the queue file that the defer
 * log did not name. Addresses are in quoted external form with
 * non-printable characters replaced by `?`; the null sender and an empty
 * recipient show as empty_address_recipient. postqueue formats these
 * records; the showq service (qmgr_showq_service.ts) streams them.
 *
 * The store's scan() reads each message's envelope and defer log in one
 * pass (`blocking`: synchronously, in slices); a store without it is
 * read by list() and read(), a few messages ahead (`lookahead`). Either way
 * listing 100,000 messages keeps a handful of them in memory, not the queue.
 *
 * Parameters: empty_address_recipient, smtputf8_enable (what printable keeps)
 * Diagnostics: none; a message that vanishes or cannot be read while the
 *   listing runs is left out, as showq does
 * Security: reads the queue through QueueStore only; every address it
 *   returns is printable
 * See: postfix/src/showq/showq.c (showq_report, showq_reasons)
 */

import { quote822Local } from '../global/quote_822_local.ts';
import { printable } from '../log/log_printable.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { DeliveryLogEntry, QueueListEntry, QueueMessage, QueueName, QueueStore } from '../queue/queue_store.ts';

/** The queues showq lists, in its order. */
export const SHOWQ_QUEUES = ['maildrop', 'active', 'incoming', 'deferred', 'hold'] as const;
export type ShowqQueue = (typeof SHOWQ_QUEUES)[number];

export interface ShowqRecipient {
  readonly address: string;
  /** Why delivery was deferred (the defer log's reason), or '' when unknown. */
  readonly reason: string;
}

/** One message as showq reports it. */
export interface ShowqMessage {
  readonly queue: ShowqQueue;
  readonly id: QueueId;
  /** Arrival, seconds since the epoch. */
  readonly arrival: number;
  /** Bytes of content (headers and body). */
  readonly size: number;
  /** postsuper -e/-f asked for expiry at the next attempt. */
  readonly forcedExpire: boolean;
  readonly sender: string;
  readonly recipients: readonly ShowqRecipient[];
}

export interface ShowqOptions {
  readonly empty_address_recipient: string;
  readonly smtputf8_enable: boolean;
  /** Messages read ahead of the one being reported (default 16), when the store cannot scan. */
  readonly lookahead?: number;
  /**
   * Synchronous reads in slices of a few milliseconds (QueueStore.scan), the
   * event loop running between them: several times faster than reading
   * through the thread pool.
   */
  readonly blocking?: boolean;
}

/** The external, printable form of an address, as showq sends it. */
function showAddress(address: string, o: ShowqOptions): string {
  return printable(quote822Local(address === '' ? o.empty_address_recipient : address), o.smtputf8_enable);
}

/** showq_report(): the report of a message read back with its defer log. */
function report(
  entry: QueueListEntry,
  message: QueueMessage,
  deferred: readonly DeliveryLogEntry[],
  o: ShowqOptions,
): ShowqMessage {
  const recipients: ShowqRecipient[] = [];
  const listed = new Set<string>();
  if (entry.queue !== 'maildrop') {
    for (const d of deferred) {
      const address = showAddress(d.recipient, o);
      listed.add(address);
      recipients.push({ address, reason: printable(d.reason, o.smtputf8_enable) });
    }
  }
  for (const r of message.recipients) {
    if (r.done) continue;
    const address = showAddress(r.recipient.address, o);
    if (listed.has(address)) continue;
    recipients.push({ address, reason: '' });
  }
  const arrival = Math.floor(message.envelope.arrival / 1e6);
  return {
    queue: entry.queue as ShowqQueue,
    id: entry.id,
    arrival: arrival > 0 ? arrival : Math.floor(entry.mtime / 1000),
    size: message.size,
    forcedExpire: entry.forceExpire,
    sender: showAddress(message.envelope.sender, o),
    recipients,
  };
}

/** One message by list() and read(), or null when it is gone or unreadable. */
export async function showqReport(
  store: QueueStore,
  entry: QueueListEntry,
  o: ShowqOptions,
): Promise<ShowqMessage | null> {
  let message: QueueMessage;
  try {
    message = await store.read(entry.queue, entry.id);
  } catch {
    return null; // moved on (ENOENT) or damaged: showq skips what it cannot open
  }
  const deferred = entry.queue === 'maildrop' ? [] : await store.readLog('defer', entry.id).catch(() => []);
  return report(entry, message, deferred, o);
}

/** Every listed queue's complete messages, in showq's order. */
async function* entries(store: QueueStore, queues: readonly QueueName[]): AsyncIterable<QueueListEntry> {
  for (const queue of queues) yield* store.list(queue);
}

/** list() and read() a few messages ahead: for stores that cannot scan. */
async function* byListing(
  store: QueueStore,
  o: ShowqOptions,
  queues: readonly ShowqQueue[],
): AsyncGenerator<ShowqMessage> {
  const lookahead = Math.max(1, o.lookahead ?? 16);
  const pending: Promise<ShowqMessage | null>[] = [];
  for await (const entry of entries(store, queues)) {
    pending.push(showqReport(store, entry, o));
    if (pending.length >= lookahead) {
      const m = await pending.shift()!;
      if (m !== null) yield m;
    }
  }
  while (pending.length > 0) {
    const m = await pending.shift()!;
    if (m !== null) yield m;
  }
}

/**
 * showq_service(): the reports of every message of `queues` (default: all
 * five, in showq's order), in order, one message in memory at a time.
 */
export async function* showqMessages(
  store: QueueStore,
  o: ShowqOptions,
  queues: readonly ShowqQueue[] = SHOWQ_QUEUES,
): AsyncGenerator<ShowqMessage> {
  if (store.scan === undefined) {
    yield* byListing(store, o, queues);
    return;
  }
  for (const queue of queues) {
    const log = queue === 'maildrop' ? undefined : 'defer';
    for await (const item of store.scan(queue, { log, blocking: o.blocking })) {
      if (item.message !== null) yield report(item.entry, item.message, item.log, o);
    }
  }
}
