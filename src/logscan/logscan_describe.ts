/**
 * logscan_describe: a parsed line in plain words, for timelines and for
 * `affix logs tail`: what happened (received from, queued, delivered to,
 * deferred, bounced, removed ...), and a delivery's `delays=a/b/c/d` as the
 * four stages Postfix measures: waiting before the queue manager (receiving
 * and cleanup, or the deferred queue), in the active queue, connection
 * setup, and transmission.
 *
 * See: postfix/src/global/log_adhoc.c (delays), postfix/html/postconf.5.html (delay_logging_resolution_limit)
 */
import type { Delays, LogEntry, LogEvent } from './logscan_event.ts';

/** `0.04 s`, `82 s`, `2.1 min`, `3.5 h`, `2.0 days`. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '? s';
  if (s < 100) return `${Number(s.toPrecision(2))} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

const DELAY_STAGES: readonly (readonly [keyof Delays, string, string])[] = [
  ['beforeQmgr', 'waiting before the queue manager', 'for a retry: the time in the deferred queue'],
  ['inQmgr', 'in the active queue', 'the transport was busy (its concurrency or rate limits)'],
  ['connSetup', 'connection setup', 'the server was slow or unreachable (DNS, connect, greeting, HELO or TLS)'],
  ['transmission', 'transmission', 'sending the message was slow (its size, or a slow server)'],
];

/** What the four parts of `delays=a/b/c/d` measure, said once under a timeline. */
export const DELAYS_LEGEND =
  'delays: "waiting before the queue manager" is receiving the message and cleanup, or for a retry the time in the deferred queue; ' +
  '"in the active queue" is the wait for a delivery agent; "connection setup" is DNS lookup, connect, greeting, HELO and TLS; ' +
  '"transmission" is sending the message.';

/**
 * `delay=82, delays=72/0.02/10/0` in words: the total as the sum of its
 * stages, and when the total is worth a remark (>= 1 s), the stage that
 * took most and what that usually means.
 */
export function explainDelays(delay: number, delays: Delays | null): string {
  if (delays === null) return `${formatSeconds(delay)} since the message arrived`;
  const parts = DELAY_STAGES.map(([k, words]) => `${formatSeconds(delays[k])} ${words}`);
  let text = `${formatSeconds(delay)} = ${parts.join(' + ')}`;
  if (delay >= 1) {
    const [key, words, meaning] = DELAY_STAGES.reduce((a, b) => (delays[b[0]] > delays[a[0]] ? b : a));
    const share = Math.min(100, Math.round((delays[key] / delay) * 100));
    text += `; most of it (${share}%) ${words}: ${meaning}`;
  }
  return text;
}

type Delivery = Extract<LogEvent, { kind: 'delivery' }>;

/** `delivered to <carol@example.test> via local: delivered to mailbox` and the other statuses. */
export function describeDelivery(e: Delivery): string {
  const to = e.origTo === null ? `<${e.to}>` : `<${e.to}> (originally <${e.origTo}>)`;
  const dsn = e.dsn === null ? '' : ` [${e.dsn}]`;
  const via = e.relay === 'none' ? 'no connection made' : `via ${e.relay}`;
  switch (e.status) {
    case 'sent':
      return `delivered to ${to}, ${via}${dsn}: ${e.text}`;
    case 'deferred':
      return `DEFERRED for ${to}, ${via}${dsn}: ${e.text} (will be retried)`;
    case 'bounced':
      return `BOUNCED for ${to}, ${via}${dsn}: ${e.text}`;
    case 'deliverable':
    case 'undeliverable':
      return `address verification: ${to} is ${e.status}${dsn}: ${e.text}`;
    default:
      return `${e.status} for ${to}, ${via}${dsn}: ${e.text}`;
  }
}

/** One line of a timeline: what the entry says, in words (the raw text for lines without a kind). */
export function describeEntry(entry: LogEntry): string {
  const e = entry.event;
  const text = entry.frame.text;
  switch (e.kind) {
    case 'connect':
      return `connection from ${e.client.namaddr}`;
    case 'disconnect': {
      const failed = e.commands.filter((c) => c.ok < c.total && c.command !== 'commands').map((c) => c.command);
      return `disconnected ${e.client.namaddr}${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}`;
    }
    case 'client': {
      const user = e.attrs['sasl_username'];
      return `received from ${e.client.namaddr}${user === undefined ? '' : `, authenticated as ${user}`}`;
    }
    case 'pickup':
      return `received from local submission (uid ${e.uid ?? '?'}, from=<${e.from}>)${e.origQueueId === null ? '' : `, requeued from ${e.origQueueId}`}`;
    case 'message_id':
      return `${e.resent ? 'resent-' : ''}message-id=${e.messageId}`;
    case 'queue_active':
      return `queued: from=<${e.from}>, ${e.size} bytes, ${e.nrcpt ?? '?'} recipient(s); in the active queue`;
    case 'delivery':
      return describeDelivery(e);
    case 'notification':
      return `${e.notify} ${e.type} notification sent as ${e.newQueueId ?? '?'}`;
    case 'expired':
      return `${e.forced ? 'force-expired (postsuper -f)' : 'expired (maximal_queue_lifetime)'}, returned to sender <${e.from}>`;
    case 'removed':
      return `removed from the queue${e.detail === null ? '' : ` (${e.detail})`}${entry.frame.program === 'postsuper' ? ' by postsuper' : ''}`;
    case 'smtpd_check':
      return `${e.action.toUpperCase()} at ${e.stage} from ${e.client.namaddr}: ${e.reply === null ? '' : `${e.reply.code}${e.reply.dsn === null ? '' : ` ${e.reply.dsn}`} `}${e.text}`;
    case 'content_check':
      return `${e.action.toUpperCase()} by ${e.part} check${e.content === '' ? '' : ` (${e.content})`}${e.text === null ? '' : `: ${e.text}`}`;
    case 'message_status':
      return `message ${e.status}${e.text === '' ? '' : ` (${e.text})`}`;
    case 'postsuper':
      return `postsuper: ${e.action}${e.count === null ? '' : ` (${e.count})`}`;
    case 'tls':
      return `${e.trust} TLS ${e.direction} ${e.peer}: ${e.protocol} ${e.cipher}`;
    case 'lost_connection':
      return `${e.what} after ${e.after}${e.bytes === null ? '' : ` (${e.bytes} bytes)`} from ${e.client.namaddr}`;
    case 'diagnostic':
      return `${entry.frame.severity}: ${text}`;
    default:
      return text;
  }
}
