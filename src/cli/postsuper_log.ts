/**
 * postsuper_log: every line postsuper logs (and echoes on stderr), in
 * Postfix 3.7's words: one per message named by ID, a count per operation
 * asked for (printed even when it is 0; `message` only for exactly one),
 * and the warnings.
 *
 * See: postfix/src/postsuper/postsuper.c, postfix-compat.md §4.10
 */

const messages = (n: number): string => `${n} message${n === 1 ? '' : 's'}`;

export const POSTSUPER_LOG = {
  removed: (id: string) => `${id}: removed`,
  requeued: (id: string) => `${id}: requeued`,
  held: (id: string) => `${id}: placed on hold`,
  released: (id: string) => `${id}: released from hold`,
  expired: (id: string) => `${id}: expired`,
  requeuedCount: (n: number) => `Requeued: ${messages(n)}`,
  deletedCount: (n: number) => `Deleted: ${messages(n)}`,
  expiredCount: (n: number) => `Force-expired: ${messages(n)}`,
  heldCount: (n: number) => `Placed on hold: ${messages(n)}`,
  releasedCount: (n: number) => `Released from hold: ${messages(n)}`,
  invalidId: (id: string) => `invalid mail queue id: ${id}`,
  bogusFileName: (path: string) => `bogus file name: ${path}`,
  invalidDirectory: (name: string) => `invalid directory name: ${name}`,
  superuserOnly: () => 'use of this command is reserved for the superuser',
  /** affix: a message qmgr is delivering is left to qmgr (see postsuper_ops.ts). */
  stillActive: (id: string) => `${id}: still being delivered -- not changed; try again later`,
} as const;
