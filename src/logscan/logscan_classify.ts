/**
 * logscan_classify: one word for what a line means to an admin watching
 * the log: delivered, deferred, bounced, expired, rejected, held,
 * discarded, warning, error (error, fatal, panic), received, queued,
 * removed, notice (notifications, postsuper, daemon starts and reloads),
 * connection, tls, other. `affix logs tail` colours by it.
 *
 * See: logscan_event.ts
 */
import type { LogEntry } from './logscan_event.ts';

export const LINE_CLASSES = [
  'delivered',
  'deferred',
  'bounced',
  'expired',
  'rejected',
  'held',
  'discarded',
  'warning',
  'error',
  'received',
  'queued',
  'removed',
  'notice',
  'connection',
  'tls',
  'other',
] as const;

export type LineClass = (typeof LINE_CLASSES)[number];

/** The class of a restriction or content-check action word. */
function actionClass(action: string): LineClass {
  if (action === 'reject' || action === 'milter-reject') return 'rejected';
  if (action === 'hold' || action === 'milter-hold') return 'held';
  if (action === 'discard' || action === 'milter-discard') return 'discarded';
  if (action === 'reject_warning' || action === 'warn' || action === 'warning') return 'warning';
  return 'notice';
}

export function classifyEntry(entry: LogEntry): LineClass {
  const e = entry.event;
  switch (e.kind) {
    case 'delivery':
      if (e.status === 'sent' || e.status === 'deliverable') return 'delivered';
      if (e.status === 'deferred' || e.status === 'SOFTBOUNCE') return 'deferred';
      if (e.status === 'bounced' || e.status === 'undeliverable') return 'bounced';
      return 'other';
    case 'expired':
      return 'expired';
    case 'smtpd_check':
    case 'content_check':
      return actionClass(e.action);
    case 'diagnostic':
      return entry.frame.severity === 'warning' ? 'warning' : 'error';
    case 'client':
    case 'pickup':
    case 'message_id':
      return 'received';
    case 'queue_active':
      return 'queued';
    case 'removed':
      return 'removed';
    case 'message_status':
      return e.status === 'deferred' ? 'deferred' : 'notice';
    case 'notification':
    case 'postsuper':
    case 'daemon':
      return 'notice';
    case 'connect':
    case 'disconnect':
    case 'lost_connection':
    case 'connect_failure':
    case 'postscreen':
      return 'connection';
    case 'tls':
      return 'tls';
    default:
      return 'other';
  }
}
