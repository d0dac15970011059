/**
 * logscan_delivery: the delivery status line every agent writes through
 * log_adhoc(): `ID: to=<rcpt>[, orig_to=<orig>], relay=R[, conn_use=N],
 * delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=STATUS (TEXT)`. The text is
 * split further when it quotes the remote server (`host X said: 550 5.1.1
 * ... (in reply to RCPT TO command)`) or names the next hop's queue ID
 * (`250 2.0.0 Ok: queued as ID`, local's `forwarded as ID`).
 *
 * See: postfix/src/global/log_adhoc.c, postfix/src/smtp/smtp_chat.c (smtp_chat_resp text),
 *      ../shared/reference/postfix-compat.md sections 4.5-4.7
 */
import type { Delays, LogEvent, RemoteReply } from './logscan_event.ts';
import { decimal, parseReply } from './logscan_fields.ts';
import type { LogQueueId } from './logscan_queue_id.ts';

/** `a/b/c/d` as Delays, or null when malformed. */
export function parseDelays(text: string): Delays | null {
  const parts = text.split('/');
  if (parts.length !== 4) return null;
  const n = parts.map(decimal);
  if (n.some((x) => x === null)) return null;
  return { beforeQmgr: n[0]!, inQmgr: n[1]!, connSetup: n[2]!, transmission: n[3]! };
}

const SAID = /^host (\S+) said: (.*?)(?: \(in reply to (.+) command\))?$/s;
const REFUSED = /^host (\S+) refused to talk to me: (.*)$/s;

/** `host X said: REPLY (in reply to CMD command)` or `host X refused to talk to me: REPLY`. */
export function parseRemoteReply(text: string): RemoteReply | null {
  if (!text.startsWith('host ')) return null;
  const said = SAID.exec(text);
  if (said !== null) {
    const reply = parseReply(said[2]!);
    return { host: said[1]!, reply, text: reply?.text ?? said[2]!, inReplyTo: said[3] ?? null };
  }
  const refused = REFUSED.exec(text);
  if (refused === null) return null;
  const reply = parseReply(refused[2]!);
  return { host: refused[1]!, reply, text: reply?.text ?? refused[2]!, inReplyTo: null };
}

const NEXT_ID = /(?:queued as|forwarded as) ([0-9A-Za-z]+)\)?$/;

/** The fields of one line; the parts few readers need (delays, the remote reply) are read on first use. */
class Delivery {
  readonly kind = 'delivery' as const;
  readonly queueId: LogQueueId;
  readonly to: string;
  readonly origTo: string | null;
  readonly relay: string;
  readonly connUse: number | null;
  readonly delay: number;
  readonly dsn: string | null;
  readonly status: string;
  readonly text: string;
  readonly fieldOrder: string;
  readonly #delaysText: string | null;

  constructor(queueId: LogQueueId, f: Fields, status: string, text: string) {
    this.queueId = queueId;
    this.to = f.to;
    this.origTo = f.origTo;
    this.relay = f.relay;
    this.connUse = f.connUse === null ? null : decimal(f.connUse);
    this.delay = decimal(f.delay) ?? Number.NaN;
    this.dsn = f.dsn;
    this.status = status;
    this.text = text;
    this.fieldOrder = f.order;
    this.#delaysText = f.delays;
  }

  get delays(): Delays | null {
    return this.#delaysText === null ? null : parseDelays(this.#delaysText);
  }

  get remote(): RemoteReply | null {
    return parseRemoteReply(this.text);
  }

  get nextQueueId(): string | null {
    return NEXT_ID.exec(this.text)?.[1] ?? null;
  }
}

interface Fields {
  to: string;
  origTo: string | null;
  relay: string;
  connUse: string | null;
  delay: string;
  delays: string | null;
  dsn: string | null;
  /** The field names in the order written. */
  order: string;
  /** The rest after `status=`. */
  status: string;
}

/** Reads `name=value, ` pairs up to `status=`, whose value is the rest of the line. */
function readFields(rest: string): Fields | null {
  const f: Fields = {
    to: '',
    origTo: null,
    relay: '',
    connUse: null,
    delay: '',
    delays: null,
    dsn: null,
    order: '',
    status: '',
  };
  let pos = 0;
  while (pos < rest.length) {
    const eq = rest.indexOf('=', pos);
    if (eq < 0) return null;
    const name = rest.slice(pos, eq);
    f.order = f.order === '' ? name : `${f.order} ${name}`;
    if (name === 'status') {
      f.status = rest.slice(eq + 1);
      return f;
    }
    let value: string;
    let end: number;
    if (rest.charCodeAt(eq + 1) === 60 /* < */) {
      end = rest.indexOf('>, ', eq + 1);
      if (end < 0) return null;
      value = rest.slice(eq + 2, end);
      end += 1;
    } else {
      end = rest.indexOf(', ', eq + 1);
      if (end < 0) return null;
      value = rest.slice(eq + 1, end);
    }
    switch (name) {
      case 'to':
        f.to = value;
        break;
      case 'orig_to':
        f.origTo = value;
        break;
      case 'relay':
        f.relay = value;
        break;
      case 'conn_use':
        f.connUse = value;
        break;
      case 'delay':
        f.delay = value;
        break;
      case 'delays':
        f.delays = value;
        break;
      case 'dsn':
        f.dsn = value;
        break;
    }
    pos = end + 2;
  }
  return null;
}

/** A delivery status line after `ID: ` (`rest` starts with `to=<`); null when malformed. */
export function parseDelivery(queueId: LogQueueId, rest: string): LogEvent | null {
  const f = readFields(rest);
  if (f === null || !f.order.startsWith('to')) return null;
  const sp = f.status.indexOf(' ');
  const status = sp < 0 ? f.status : f.status.slice(0, sp);
  let text = sp < 0 ? '' : f.status.slice(sp + 1);
  if (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1);
  return new Delivery(queueId, f, status, text);
}
