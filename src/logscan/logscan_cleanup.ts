/**
 * logscan_cleanup: the lines cleanup writes about a message: `ID:
 * message-id=<...>` (and resent-message-id), the header/body check and
 * milter actions (`ID: reject: header Subject: x from client; from=<s>
 * to=<r> proto=ESMTP helo=<h>: 5.7.1 text`, `ID: milter-reject:
 * END-OF-MESSAGE from client: 5.7.1 text; from=<s> ...`), and 3.10's `ID:
 * removed (canceled)`.
 *
 * See: postfix/src/cleanup/cleanup_message.c (cleanup_act_log), postfix/src/cleanup/cleanup_milter.c
 */
import type { LogEvent } from './logscan_event.ts';
import { splitEnvelope } from './logscan_fields.ts';
import type { LogQueueId } from './logscan_queue_id.ts';

/** `message-id=<x>` or `resent-message-id=<x>` after the queue ID; null for other texts. */
export function parseMessageId(queueId: LogQueueId, rest: string): LogEvent | null {
  if (rest.startsWith('message-id=')) return { kind: 'message_id', queueId, messageId: rest.slice(11), resent: false };
  if (rest.startsWith('resent-message-id='))
    return { kind: 'message_id', queueId, messageId: rest.slice(18), resent: true };
  return null;
}

/**
 * `action: header|body CONTENT from CLIENT; from=<s> to=<r> proto=P helo=<h>: text`
 * (cleanup_act_log: the sender is always known by then, so `; from=<` anchors the split).
 */
const CONTENT_CHECK =
  /^([a-z][a-z_-]*): (header|body|mime-header|nested-header) (.*?) from (\S+); from=<([^>]*)>(?: to=<([^>]*)>)?(?: proto=(\S+))?(?: helo=<([^>]*)>)?(?:: (.*))?$/s;

/** A milter or END-OF-MESSAGE action, written as smtpd writes its checks. */
const STAGE_CHECK = /^([a-z][a-z_-]*): ([A-Z][A-Z-]*) from (\S+?): (.*)$/s;

/** A header/body check or milter action after `ID: `; null when `rest` is neither. */
export function parseContentCheck(queueId: LogQueueId, rest: string): LogEvent | null {
  const m = CONTENT_CHECK.exec(rest);
  if (m !== null) {
    return {
      kind: 'content_check',
      queueId,
      action: m[1]!,
      part: m[2]!,
      content: m[3]!,
      client: m[4]!,
      envelope: { from: m[5]!, to: m[6] ?? null, proto: m[7] ?? null, helo: m[8] ?? null },
      text: m[9] ?? null,
    };
  }
  const s = STAGE_CHECK.exec(rest);
  if (s === null) return null;
  const split = splitEnvelope(s[4]!);
  return {
    kind: 'content_check',
    queueId,
    action: s[1]!,
    part: s[2]!,
    content: '',
    client: s[3]!,
    envelope: split.envelope,
    text: split.text,
  };
}
