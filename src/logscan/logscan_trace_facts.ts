/**
 * logscan_trace_facts: what a traced message's lines add up to: its
 * message-id, sender, size, how it came in (smtpd client or pickup), each
 * recipient's last status with the number of attempts, and where it ended
 * (removed, expired, still queued as far as this log goes). The doctor's
 * test send reads the outcome from here.
 */
import type { LogEntry } from './logscan_event.ts';
import type { TracedMessage } from './logscan_trace.ts';
import type { TraceLink } from './logscan_trace_find.ts';

export interface RecipientOutcome {
  readonly to: string;
  readonly origTo: string | null;
  /** The last status logged: sent, deferred, bounced ... */
  readonly status: string;
  readonly dsn: string | null;
  readonly text: string;
  readonly relay: string;
  /** Delivery lines logged for this recipient (1 = first try). */
  readonly attempts: number;
  /** The entry of the last attempt. */
  readonly last: LogEntry;
}

export interface MessageFacts {
  readonly queueId: string;
  readonly messageId: string | null;
  readonly from: string | null;
  readonly size: number | null;
  readonly nrcpt: number | null;
  /** `smtpd from localhost[127.0.0.1]`, `pickup (uid 5002)`, or null when the log does not show it. */
  readonly receivedBy: string | null;
  readonly recipients: readonly RecipientOutcome[];
  /** `removed`, `expired, then removed`, `on hold`, `requeued ...`, or `in queue` when the log ends with it queued. */
  readonly end: string;
}

/** The facts of `m`; `links` (from the trace) tell where a message went on that its own lines do not. */
export function messageFacts(m: TracedMessage, links: readonly TraceLink[] = []): MessageFacts {
  let messageId: string | null = null;
  let from: string | null = null;
  let size: number | null = null;
  let nrcpt: number | null = null;
  let receivedBy: string | null = null;
  let end = 'in queue';
  const recipients = new Map<string, RecipientOutcome>();
  for (const entry of m.entries) {
    const e = entry.event;
    if (e.queueId !== m.queueId) continue;
    switch (e.kind) {
      case 'message_id':
        if (!e.resent) messageId = e.messageId;
        break;
      case 'queue_active':
        from = e.from;
        size = e.size;
        nrcpt = e.nrcpt;
        break;
      case 'client':
        receivedBy = `${entry.frame.tag} from ${e.client.namaddr}`;
        break;
      case 'pickup':
        receivedBy = `pickup (uid ${e.uid ?? '?'})`;
        from ??= e.from;
        break;
      case 'delivery': {
        const key = `${e.to}\n${e.origTo ?? ''}`;
        const before = recipients.get(key);
        recipients.set(key, {
          to: e.to,
          origTo: e.origTo,
          status: e.status,
          dsn: e.dsn,
          text: e.text,
          relay: e.relay,
          attempts: (before?.attempts ?? 0) + 1,
          last: entry,
        });
        break;
      }
      case 'expired':
        end = e.forced ? 'force-expired' : 'expired';
        break;
      case 'removed':
        end = end === 'in queue' || end === 'on hold' ? 'removed' : `${end}, then removed`;
        break;
      case 'postsuper':
        if (e.action === 'requeued') end = 'requeued (postsuper -r: continues under a new queue ID)';
        else if (e.action === 'placed on hold') end = 'on hold';
        else if (e.action === 'released from hold') end = 'in queue';
        break;
    }
  }
  const requeued = links.find((l) => l.from === m.queueId && l.relation === 'requeued as');
  if (requeued !== undefined && (end === 'in queue' || end.startsWith('requeued'))) end = `requeued as ${requeued.to}`;
  return { queueId: m.queueId, messageId, from, size, nrcpt, receivedBy, recipients: [...recipients.values()], end };
}
