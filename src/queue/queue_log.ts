/**
 * queue_log: the log lines of queue start-up recovery (queue_recover.ts),
 * in Postfix's shape (the commit log's two are affix's own). The daemon that recovers (qmgr) logs them under its
 * own name.
 *
 * See: postfix/src/qmgr/qmgr_move.c, postfix/src/postsuper/postsuper.c
 */

export const QUEUE_LOG = {
  /** A message whose file was never completed: the writer crashed, no client got a 250 for it. */
  removedUnfinished: (queue: string, name: string) => `${queue}/${name}: removed unfinished queue file`,
  /** postsuper's words for a file that cannot be a queue file. */
  bogusFileName: (queue: string, name: string) => `bogus file name: ${queue}/${name}`,
  /** qmgr_active_corrupt()'s words. */
  savingCorrupt: (name: string, queue: string) =>
    `saving corrupt file "${name}" from queue "${queue}" to queue "corrupt"`,
  /** The commit log (queue_commit_replay.ts) held a message whose file a crash lost or damaged. */
  restored: (id: string) => `${id}: queue file restored from the commit log`,
  /** The commit log recorded the removal of a message whose file a crash left behind. */
  removedAgain: (id: string) => `${id}: removed again: the commit log records its removal`,
  moveFailed: (id: string, from: string, to: string, reason: string) =>
    `qmgr_move: rename ${id} from ${from} to ${to}: ${reason}`,
} as const;
