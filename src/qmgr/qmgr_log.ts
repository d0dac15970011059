/**
 * qmgr_log: every line qmgr logs, in Postfix's words: `ID: from=<s>,
 * size=N, nrcpt=N (queue active)`, `ID: removed`, `ID: from=<s>,
 * status=expired, returned to sender`, `ID: status=deferred (bounce
 * failed)`, the corrupt-file and start-up warnings, the clog warnings, and
 * the delivery status lines qmgr writes itself (global/log_adhoc.ts).
 *
 * See: postfix/src/global/opened.c, postfix/src/qmgr/qmgr_active.c, qmgr.c,
 *   qmgr_entry.c, qmgr_feedback.c, postfix/src/global/bounce.c
 */
import { type AdhocLine, formatAdhoc } from '../global/log_adhoc.ts';

export const QMGR_LOG = {
  opened: (id: string, sender: string, size: number, nrcpt: number) =>
    `${id}: from=<${sender}>, size=${size}, nrcpt=${nrcpt} (queue active)`,
  removed: (id: string) => `${id}: removed`,
  expired: (id: string, sender: string, status: 'expired' | 'force-expired') =>
    `${id}: from=<${sender}>, status=${status}, returned to sender`,
  bounceFailed: (id: string) => `${id}: status=deferred (bounce failed)`,
  /** Why the bounce service refused (the bounce daemon's own warning, in one process). */
  bounceService: (id: string, reason: string) => `${id}: bounce service failure: ${reason}`,
  corruptReason: (queue: string, id: string, reason: string) => `${queue}/${id}: ${reason}`,
  savingCorrupt: (id: string) => `saving corrupt file "${id}" from queue "active" to queue "corrupt"`,
  renameFailed: (id: string, from: string, to: string, reason: string) =>
    `qmgr_active_feed: ${id}: rename from ${from} to ${to}: ${reason}`,
  deferFailed: (id: string, from: string, to: string, reason: string) =>
    `qmgr_active_defer: rename ${id} from ${from} to ${to}: ${reason}`,
  bounceLifetime: () => 'bounce_queue_lifetime is larger than maximal_queue_lifetime - adjusting bounce_queue_lifetime',
  recipientLimit: () =>
    'qmgr_message_recipient_limit is smaller than qmgr_message_active_limit - adjusting qmgr_message_recipient_limit',
  badFeedback: (name: string, value: string) => `${name}: ignoring malformed or unreasonable feedback: ${value}`,
  logUpdateError: (id: string, kind: string, reason: string) => `${id}: ${kind} logfile update error: ${reason}`,
  queueFileUpdateError: (id: string, reason: string) => `${id}: update queue file: ${reason}`,
  /** A bug or an unexpected system error in the scheduler; the message stays queued. */
  internalError: (what: string) => `qmgr: internal error: ${what}`,
  agentFailure: (transport: string, reason: string) => `transport ${transport} failure -- ${reason}`,
  clog: (nexthop: string, length: number, active: number) =>
    `mail for ${nexthop} is using up ${length} of ${active} active queue entries`,
  clogSlow: () => 'this may slow down other mail deliveries',
  clogOff: () => 'to turn off these warnings specify: qmgr_clog_warn_time = 0',
  /** A status line qmgr writes itself (deferred for a dead transport, a discarded double bounce). */
  adhoc: (line: AdhocLine) => formatAdhoc(line),
} as const;
