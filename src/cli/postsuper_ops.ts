/**
 * postsuper_ops: what postsuper does to messages, by queue ID (`-d ID`) and
 * to whole queues (`-d ALL`): delete (with the defer, bounce and trace
 * logs), requeue into maildrop (time stamps reset, logs kept), hold,
 * release to deferred, force expiry (the group-execute mark), expire and
 * release. Like Postfix it works on the queue directly, looking an ID up in
 * the named queues in order and trying twice when a rename races with qmgr.
 *
 * With the daemon running, files in `active` are qmgr's: it has read the
 * message, agents are delivering it, and it will mark recipients done in
 * that file. Moving or deleting it then would lose those marks (a message
 * held mid-delivery would be delivered twice once released). So while the
 * daemon runs postsuper never touches `active`: it waits until qmgr is done
 * with the message (it then sits in deferred, or is gone) and acts there.
 * Every other move is one rename, which qmgr's own renames can only win or
 * lose as a whole (qmgr moves from incoming and deferred to active only);
 * a file still being written (cleanup's, in incoming) is never touched.
 *
 * Diagnostics: the lines of postsuper_log.ts
 * Security: IDs from the command line or stdin pass parseQueueId before
 *   they name anything; runs as root or the queue's owner only
 * See: postfix/src/postsuper/postsuper.c (delete_one ... exp_rel_one, super)
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from '../log/log.ts';
import type { FsQueueStore } from '../queue/queue_fs_store.ts';
import { queueFiles } from '../queue/queue_fs_super.ts';
import { parseQueueId, type QueueId } from '../queue/queue_id.ts';
import { LOG_KINDS, type LogKind, type QueueName } from '../queue/queue_store.ts';
import { POSTSUPER_LOG } from './postsuper_log.ts';

/** Queue and log directories postsuper knows, in the order of its default list. */
export const SUPER_QUEUES = [
  'defer',
  'bounce',
  'maildrop',
  'incoming',
  'active',
  'deferred',
  'hold',
  'trace',
] as const satisfies readonly (QueueName | LogKind)[];
export type SuperQueue = (typeof SUPER_QUEUES)[number];

export type Operation = 'delete' | 'requeue' | 'hold' | 'release' | 'expire' | 'expireRelease';

export interface SuperCounts {
  requeued: number;
  deleted: number;
  expired: number;
  held: number;
  released: number;
}

export interface SuperContext {
  readonly store: FsQueueStore;
  readonly log: Log;
  /** The daemon runs: active is qmgr's (see the header). */
  readonly live: boolean;
  readonly counts: SuperCounts;
  /** How long to wait for qmgr to finish with an active message, ms. */
  readonly activeWait: number;
}

const isMessageQueue = (q: SuperQueue): q is SuperQueue & QueueName => !(LOG_KINDS as readonly string[]).includes(q);
const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** The queues an operation by ID looks in (postsuper's per-operation exclusions). */
function queuesFor(op: Operation, queues: readonly SuperQueue[]): QueueName[] {
  return queues.filter(isMessageQueue).filter((q) => {
    if (op === 'delete') return true;
    if (op === 'release') return q === 'hold';
    if (op === 'hold') return q !== 'maildrop' && q !== 'hold';
    return q !== 'maildrop';
  });
}

/** Waits until qmgr no longer has `id` in active; false when it still has it after the wait. */
async function activeDone(ctx: SuperContext, id: QueueId): Promise<boolean> {
  const deadline = Date.now() + ctx.activeWait;
  while ((await ctx.store.stat('active', id)) !== null) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** One step of an operation on `id` in `queue`: true when it was done there. */
async function apply(ctx: SuperContext, op: Operation, queue: QueueName, id: QueueId): Promise<boolean> {
  const { store, log, counts } = ctx;
  switch (op) {
    case 'delete': {
      for (const kind of LOG_KINDS) await store.removeLog(kind, id);
      if ((await store.stat(queue, id)) === null) return false;
      await store.remove(queue, id);
      log.info(POSTSUPER_LOG.removed(id));
      counts.deleted++;
      return true;
    }
    case 'requeue':
      await store.move(id, queue, 'maildrop', Date.now());
      log.info(POSTSUPER_LOG.requeued(id));
      counts.requeued++;
      return true;
    case 'hold':
      await store.move(id, queue, 'hold');
      log.info(POSTSUPER_LOG.held(id));
      counts.held++;
      return true;
    case 'release':
      await store.move(id, 'hold', 'deferred');
      log.info(POSTSUPER_LOG.released(id));
      counts.released++;
      return true;
    case 'expire':
    case 'expireRelease': {
      const entry = await store.stat(queue, id);
      if (entry === null || entry.forceExpire) return false; // gone, or already expired
      await store.setForceExpire(queue, id, true);
      log.info(POSTSUPER_LOG.expired(id));
      counts.expired++;
      return true;
    }
  }
}

/** delete_one() ... exp_rel_one(): `op` on the message `text` names, in the first of `queues` that has it. */
export async function operateOne(
  ctx: SuperContext,
  op: Operation,
  text: string,
  queues: readonly SuperQueue[],
): Promise<void> {
  const id = parseQueueId(text);
  if (id === null) {
    ctx.log.warn(POSTSUPER_LOG.invalidId(text));
    return;
  }
  if (op === 'expireRelease') {
    await operateOne(ctx, 'expire', id, queues);
    await operateOne(ctx, 'release', id, queues);
    return;
  }
  const candidates = queuesFor(op, queues);
  for (let tries = 0; tries < 2; tries++) {
    for (const queue of candidates) {
      if ((await ctx.store.stat(queue, id)) === null) continue;
      if (queue === 'active' && ctx.live) {
        if (!(await activeDone(ctx, id))) {
          ctx.log.warn(POSTSUPER_LOG.stillActive(id));
          return;
        }
        return operateOne(
          ctx,
          op,
          id,
          queues.filter((q) => q !== 'active'),
        );
      }
      try {
        if (await apply(ctx, op, queue, id)) return;
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        // lost a race with qmgr: look again
      }
    }
  }
}

/** super() for one mass operation: `op` on every message of `queues`. */
export async function operateAll(ctx: SuperContext, op: Operation, queues: readonly SuperQueue[]): Promise<void> {
  const { store } = ctx;
  // With the daemon up, log directories come last: a log stays while its message is still queued.
  const ordered = ctx.live ? [...queues.filter(isMessageQueue), ...queues.filter((q) => !isMessageQueue(q))] : queues;
  for (const queue of ordered) {
    if (!isMessageQueue(queue)) {
      // Log directories: only -d ALL touches them (every file goes).
      if (op !== 'delete') continue;
      for await (const f of queueFiles(store, queue)) {
        const id = parseQueueId(f.name);
        if (ctx.live && id !== null && (await stillQueued(store, id))) continue;
        await rm(f.path, { force: true });
      }
      continue;
    }
    if (queue === 'maildrop' && op !== 'delete') continue;
    const waitFor: QueueId[] = [];
    for await (const f of queueFiles(store, queue)) {
      const id = parseQueueId(f.name);
      if (!f.regular || id === null) continue;
      if (ctx.live && !f.complete) continue; // being written by cleanup or sendmail
      if (ctx.live && queue === 'active') {
        waitFor.push(id);
        continue;
      }
      await mass(ctx, op, queue, id, f.path, f.complete);
    }
    for (const id of waitFor) {
      if (!(await activeDone(ctx, id))) {
        ctx.log.warn(POSTSUPER_LOG.stillActive(id));
        continue;
      }
      // Done with by qmgr: removed, or deferred now.
      if ((await store.stat('deferred', id)) !== null) await mass(ctx, op, 'deferred', id, null, true);
    }
  }
}

/** True when some message queue still holds `id`. */
async function stillQueued(store: FsQueueStore, id: QueueId): Promise<boolean> {
  for (const q of ['maildrop', 'incoming', 'active', 'deferred', 'hold'] as const) {
    if ((await store.stat(q, id)) !== null) return true;
  }
  return false;
}

/** One file of a mass operation; only complete messages count, as READY_MESSAGE() in Postfix. */
async function mass(
  ctx: SuperContext,
  op: Operation,
  queue: QueueName,
  id: QueueId,
  path: string | null,
  complete: boolean,
): Promise<void> {
  const { store, counts } = ctx;
  try {
    switch (op) {
      case 'delete':
        if (path !== null) await store.removeFile(path, queue, id);
        else await store.remove(queue, id);
        if (complete) counts.deleted++;
        return;
      case 'requeue':
        if (!complete) return;
        await store.move(id, queue, 'maildrop', Date.now());
        counts.requeued++;
        return;
      case 'hold':
        if (!complete || queue === 'hold') return;
        await store.move(id, queue, 'hold');
        counts.held++;
        return;
      case 'release':
        if (queue !== 'hold') return;
        await store.move(id, 'hold', 'deferred');
        counts.released++;
        return;
      case 'expire':
      case 'expireRelease': {
        const entry = await store.stat(queue, id);
        if (entry !== null && !entry.forceExpire) {
          await store.setForceExpire(queue, id, true);
          counts.expired++;
        }
        if (op === 'expireRelease' && queue === 'hold') {
          await store.move(id, 'hold', 'deferred');
          counts.released++;
        }
        return;
      }
    }
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err; // qmgr took it meanwhile
  }
}
