/**
 * pickup_log: every line pickup logs, in Postfix's words: the one per
 * message it hands to cleanup (`ID: uid=N from=<sender>`, with
 * `orig_id=OLD` for mail requeued by postsuper -r), and the warnings for
 * files it cannot take.
 *
 * See: postfix/src/pickup/pickup.c, postfix-compat.md §4.9
 */

export const PICKUP_LOG = {
  /** `from=<...>` shows the sender as given, in external form; the null sender as `<>`. */
  picked: (id: string, uid: number, from: string) => `${id}: uid=${uid} from=<${from}>`,
  requeued: (id: string, uid: number, from: string, origId: string) =>
    `${id}: uid=${uid} from=<${from}> orig_id=${origId}`,
  /** A maildrop file that cannot be read as a queue file: moved to corrupt, not lost. */
  corrupt: (id: string, reason: string) => `maildrop/${id}: ${reason} -- moved to the corrupt queue`,
  /** cleanup refused the message for good (no bounce service yet: the sender is not told). */
  rejected: (path: string, id: string, reply: string) => `${path}: error writing ${id}: ${reply}`,
  /** A temporary failure: the file stays for the next run. */
  deferred: (path: string, id: string, reason: string) => `${path}: error writing ${id}: ${reason}`,
} as const;
