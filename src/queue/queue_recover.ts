/**
 * queue_recover: what qmgr does with the queue when it starts, after a
 * clean stop or a crash. Messages whose files were never completed (the
 * writer died before the sync, so no client got a 250 for them) are
 * removed; entries that cannot be messages (bad names, directories) are
 * moved to corrupt with a warning; messages left in active (a delivery was
 * under way) go back to incoming, time-stamped now, to be scheduled again.
 * Damaged content is found later, when qmgr reads the message, and that
 * message goes to corrupt then; the daemon carries on either way.
 *
 * Diagnostics: warnings `incoming/ID: removed unfinished queue file`,
 *   `bogus file name: active/NAME` and `saving corrupt file ...`
 * Security: touches only the queue through QueueStore; never maildrop,
 *   which other processes write
 * See: postfix/src/qmgr/qmgr.c (qmgr_post_init), qmgr_move.c,
 *   postfix/src/postsuper/postsuper.c (temporary file removal)
 */
import type { Log } from '../log/log.ts';
import { QUEUE_LOG } from './queue_log.ts';
import type { QueueName, QueueStore } from './queue_store.ts';

/** The queues recovery looks at, in this order. */
const SWEPT: readonly QueueName[] = ['incoming', 'active', 'deferred', 'hold'];

export interface RecoveryReport {
  readonly removed: number;
  readonly quarantined: number;
  /** Messages moved from active back to incoming. */
  readonly requeued: number;
}

/** Logs what the store's own recovery (a commit log replay) did, once. */
export function logReplay(store: QueueStore, log: Log): void {
  const replay = store.takeReplayReport?.() ?? null;
  for (const id of replay?.restored ?? []) log.warn(QUEUE_LOG.restored(id));
  for (const id of replay?.removed ?? []) log.warn(QUEUE_LOG.removedAgain(id));
}

/** Sweeps the queues and puts active messages back in incoming; `now` is ms since the epoch. */
export async function recoverQueues(store: QueueStore, log: Log, now: number): Promise<RecoveryReport> {
  let removed = 0;
  let quarantined = 0;
  logReplay(store, log);
  for (const queue of SWEPT) {
    const result = await store.sweep(queue);
    for (const name of result.removed) log.warn(QUEUE_LOG.removedUnfinished(queue, name));
    for (const name of result.quarantined) {
      log.warn(QUEUE_LOG.bogusFileName(queue, name));
      log.warn(QUEUE_LOG.savingCorrupt(name, queue));
    }
    removed += result.removed.length;
    quarantined += result.quarantined.length;
  }
  let requeued = 0;
  for await (const entry of store.list('active')) {
    try {
      await store.move(entry.id, 'active', 'incoming', now);
      requeued++;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') throw err;
      log.warn(QUEUE_LOG.moveFailed(entry.id, 'active', 'incoming', e.message));
    }
  }
  return { removed, quarantined, requeued };
}
