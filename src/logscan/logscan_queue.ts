/**
 * logscan_queue: the lines about a message's life in the queue: qmgr's
 * `ID: from=<s>, size=N, nrcpt=N (queue active)`, `ID: removed`, `ID:
 * from=<s>, status=expired|force-expired, returned to sender`, `ID:
 * status=deferred (bounce failed)`; pickup's `ID: uid=N from=<s>
 * [orig_id=ID]`; bounce's `ID: sender non-delivery notification: NEWID`;
 * postsuper's `ID: placed on hold` and `Deleted: 3 messages`.
 *
 * See: postfix/src/qmgr/qmgr_active.c, postfix/src/pickup/pickup.c,
 *      postfix/src/bounce/bounce_notify_service.c, postfix/src/postsuper/postsuper.c
 */
import type { LogEvent } from './logscan_event.ts';
import { angleField } from './logscan_fields.ts';
import { type LogQueueId, parseLogQueueId, queueIdAfter } from './logscan_queue_id.ts';

const ACTIVE = /^from=<([^>]*)>, size=(\d+)(?:, nrcpt=(\d+))?/;
const EXPIRED = /^from=<([^>]*)>, status=(expired|force-expired), returned to sender$/;

/** qmgr's `from=<s>, size=N, nrcpt=N (queue active)` and the expiry line; null for others. */
export function parseQmgrFrom(queueId: LogQueueId, rest: string): LogEvent | null {
  const a = ACTIVE.exec(rest);
  if (a !== null)
    return {
      kind: 'queue_active',
      queueId,
      from: a[1]!,
      size: Number(a[2]),
      nrcpt: a[3] === undefined ? null : Number(a[3]),
    };
  const e = EXPIRED.exec(rest);
  if (e !== null) return { kind: 'expired', queueId, from: e[1]!, forced: e[2] === 'force-expired' };
  return null;
}

/** `removed` (qmgr, postsuper) or `removed (canceled)` (cleanup, 3.10+). */
export function parseRemoved(queueId: LogQueueId, rest: string): LogEvent | null {
  if (rest === 'removed') return { kind: 'removed', queueId, detail: null };
  if (rest.startsWith('removed (') && rest.endsWith(')'))
    return { kind: 'removed', queueId, detail: rest.slice(9, -1) };
  return null;
}

/** qmgr's `status=deferred (bounce failed)`. */
export function parseMessageStatus(queueId: LogQueueId, rest: string): LogEvent | null {
  const m = /^status=(\S+)(?: \((.*)\))?$/.exec(rest);
  if (m === null) return null;
  return { kind: 'message_status', queueId, status: m[1]!, text: m[2] ?? '' };
}

/** pickup's `uid=N from=<s> [orig_id=ID]` (older versions: `sender=<s>`). */
export function parsePickup(queueId: LogQueueId, rest: string): LogEvent | null {
  if (!rest.startsWith('uid=') && !rest.startsWith('sender=')) return null;
  const uid = /^uid=(\d+)/.exec(rest);
  return {
    kind: 'pickup',
    queueId,
    uid: uid === null ? null : Number(uid[1]),
    from: angleField(rest, 'from') ?? angleField(rest, 'sender') ?? '',
    origQueueId: queueIdAfter(rest, 'orig_id='),
  };
}

const NOTIFICATION = /^(sender|postmaster) (.+) notification: (\S+)$/;

/** bounce's `sender non-delivery notification: NEWID` and its delay/success/postmaster variants. */
export function parseNotification(queueId: LogQueueId, rest: string): LogEvent | null {
  const m = NOTIFICATION.exec(rest);
  if (m === null) return null;
  return { kind: 'notification', queueId, notify: m[1]!, type: m[2]!, newQueueId: parseLogQueueId(m[3]!) };
}

const POSTSUPER_ACTIONS: ReadonlySet<string> = new Set(['placed on hold', 'released from hold', 'requeued', 'expired']);
const POSTSUPER_SUMMARY = /^([A-Z][A-Za-z -]*): (\d+) messages?$/;

/** postsuper's per-message lines (`ID: requeued`; `ID: removed` is a removal) and summaries (`Deleted: 3 messages`). */
export function parsePostsuper(queueId: LogQueueId | null, text: string): LogEvent | null {
  if (queueId !== null) {
    return POSTSUPER_ACTIONS.has(text) ? { kind: 'postsuper', queueId, action: text, count: null } : null;
  }
  const m = POSTSUPER_SUMMARY.exec(text);
  if (m === null) return null;
  return { kind: 'postsuper', queueId: null, action: m[1]!, count: Number(m[2]) };
}
