/**
 * logscan_smtpd: the lines smtpd writes about a session: `connect from`,
 * `ID: client=` (with sasl_method, sasl_username ...), the restriction
 * results `ID|NOQUEUE: reject: RCPT from client: reply; from=<s> to=<r>
 * proto=P helo=<h>` (also warn, hold, discard, reject_warning, milter-*;
 * postscreen writes the same with commas), `lost connection|timeout|too
 * many errors after CMD from client` and `disconnect from client ehlo=1
 * rcpt=0/1 commands=3/4` with its command statistics.
 *
 * See: postfix/src/smtpd/smtpd.c (smtpd_proto, done_cmd_stats), postfix/src/smtpd/smtpd_check.c
 */
import type { CommandCount, LogEvent } from './logscan_event.ts';
import { parsePeer, parseReply, splitEnvelope } from './logscan_fields.ts';
import type { LogQueueId } from './logscan_queue_id.ts';

/** `connect from namaddr`; null when `text` is another line. */
export function parseConnect(text: string): LogEvent | null {
  if (!text.startsWith('connect from ')) return null;
  return { kind: 'connect', queueId: null, client: parsePeer(text.slice(13)) };
}

const COMMAND_STAT = /^([a-z_-]+)=(\d+)(?:\/(\d+))?$/;

/** `disconnect from namaddr ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4 [notes=...]`. */
export function parseDisconnect(text: string): LogEvent | null {
  if (!text.startsWith('disconnect from ')) return null;
  const words = text.slice(16).split(' ');
  const client = parsePeer(words[0] ?? '');
  const commands: CommandCount[] = [];
  let notes: string | null = null;
  for (const word of words.slice(1)) {
    if (word.startsWith('notes=')) {
      notes = word.slice(6);
      continue;
    }
    const m = COMMAND_STAT.exec(word);
    if (m === null) continue;
    const ok = Number(m[2]);
    commands.push({ command: m[1]!, ok, total: m[3] === undefined ? ok : Number(m[3]) });
  }
  return { kind: 'disconnect', queueId: null, client, commands, notes };
}

/** `client=namaddr, sasl_method=PLAIN, sasl_username=alice` after the queue ID. */
export function parseClient(queueId: LogQueueId, rest: string): LogEvent {
  const parts = rest.slice(7).split(', ');
  const attrs: Record<string, string> = {};
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq > 0) attrs[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { kind: 'client', queueId, client: parsePeer(parts[0] ?? ''), attrs };
}

const LOST = /^(lost connection|timeout|too many errors) after (\S+)(?: \((\d+) bytes\))? from (\S+)$/;

/** `lost connection after DATA (3 bytes) from namaddr`, also timeout and too many errors. */
export function parseLostConnection(queueId: LogQueueId | null, text: string): LogEvent | null {
  const c = text.charCodeAt(0);
  if (c !== 108 && c !== 116) return null; // l, t
  const m = LOST.exec(text);
  if (m === null) return null;
  return {
    kind: 'lost_connection',
    queueId,
    what: m[1]!,
    after: m[2]!,
    bytes: m[3] === undefined ? null : Number(m[3]),
    client: parsePeer(m[4]!),
  };
}

/** `reject: RCPT from namaddr: text` (the action, then the SMTP command in upper case). */
const CHECK = /^([a-z][a-z_-]*): ([A-Z][A-Z-]*) from (\S+?): (.*)$/s;

/** A restriction or milter result after `ID: ` or `NOQUEUE: `; null when `rest` is not one. */
export function parseSmtpdCheck(queueId: LogQueueId | null, rest: string): LogEvent | null {
  const m = CHECK.exec(rest);
  if (m === null) return null;
  const { text, envelope } = splitEnvelope(m[4]!);
  const reply = parseReply(text);
  return {
    kind: 'smtpd_check',
    queueId,
    action: m[1]!,
    stage: m[2]!,
    client: parsePeer(m[3]!),
    reply,
    text: reply === null ? text : reply.text,
    envelope,
  };
}
