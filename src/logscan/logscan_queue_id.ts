/**
 * logscan_queue_id: recognises the queue IDs that open Postfix's log texts
 * (`DFC8A16044F: client=...`, `4jchFw2qPlzBrJw: uid=...`) and splits them
 * off. Short IDs are upper-case hex (microseconds, then the inode number);
 * long IDs are base 52 seconds and microseconds, `z`, and the inode number in
 * base 51. `NOQUEUE` is the word smtpd writes before a message has one.
 *
 * Security: IDs read from a log only name messages in reports; they never
 *   reach a path
 * See: postfix/src/global/mail_queue.c (MQID_SH_*, MQID_LG_*)
 */

declare const logQueueIdBrand: unique symbol;
/** A queue ID as written in a log line (short or long form). */
export type LogQueueId = string & { readonly [logQueueIdBrand]: true };

/** Upper-case hex, 6 or more digits: five for the microseconds, at least one for the inode. */
const SHORT_ID = /^[0-9A-F]{6,}$/;
/** Ten or more base-52 digits, the `z` separator, then the inode in base 51 (no `z`). */
const LONG_ID = /^[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,}z[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-y]+$/;

/** The ID when `text` is a whole short or long queue ID, else null. */
export function parseLogQueueId(text: string): LogQueueId | null {
  if (text.length < 6 || text.length > 40) return null;
  return SHORT_ID.test(text) || LONG_ID.test(text) ? (text as LogQueueId) : null;
}

/** True for the long form (`enable_long_queue_ids = yes`). */
export function isLongLogQueueId(id: LogQueueId): boolean {
  return !SHORT_ID.test(id);
}

export interface QueuePrefix {
  /** The queue ID, or null for `NOQUEUE`. */
  readonly queueId: LogQueueId | null;
  /** The text after `ID: `. */
  readonly rest: string;
}

/**
 * Splits `ID: rest` or `NOQUEUE: rest`. Returns undefined when the text
 * does not start with a queue ID (`connect from ...`, `warning: ...`).
 */
export function splitQueuePrefix(text: string): QueuePrefix | undefined {
  const colon = text.indexOf(': ');
  if (colon < 6 || colon > 40) return undefined;
  // most texts do not start with an ID: look at the characters before cutting any string
  for (let i = 0; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return undefined;
  }
  if (colon === 7 && text.startsWith('NOQUEUE')) return { queueId: null, rest: text.slice(colon + 2) };
  const id = parseLogQueueId(text.slice(0, colon));
  return id === null ? undefined : { queueId: id, rest: text.slice(colon + 2) };
}

/** The queue ID right after `marker` in `text` (`queued as ID`, `orig_id=ID`), or null. */
export function queueIdAfter(text: string, marker: string): LogQueueId | null {
  const at = text.indexOf(marker);
  if (at < 0) return null;
  const m = /^[0-9A-Za-z]+/.exec(text.slice(at + marker.length));
  return m === null ? null : parseLogQueueId(m[0]);
}
