/**
 * deliver_verdict: what every delivery agent does with its verdict for one
 * recipient before it tells qmgr — the rules of Postfix's sent(),
 * defer_append() and bounce_append(): soft_bounce keeps a would-be bounce
 * as a deferral (status class 4, logged `SOFTBOUNCE`), address verification
 * logs `deliverable`/`undeliverable` instead, and the status line is built
 * by log_adhoc with the delays the agent measured. Pure: the agent logs the
 * line and builds its DeliveryStatus from the result.
 *
 * Parameters: soft_bounce (value passed in)
 * See: postfix/src/global/bounce.c (bounce_append_intern), defer.c, sent.c,
 *   postfix/src/global/log_adhoc.c
 */
import { formatAdhoc } from './log_adhoc.ts';

export type VerdictKind = 'sent' | 'deferred' | 'bounced';

/** The times an agent knows, microseconds since the epoch (null: not reached). */
export interface DeliveryTimes {
  readonly arrival: number;
  readonly activeAt: number;
  readonly requestedAt: number;
  /** Connection set-up done (network agents only). */
  readonly connSetupDone: number | null;
  /** Delivery done (for several recipients: one time, so their lines agree). */
  readonly done: number;
}

/** delays=a/b/c/d as log_adhoc() computes them, negative spans clamped to 0. */
export function adhocDelays(t: DeliveryTimes): [number, number, number, number] {
  const span = (to: number, from: number) => Math.max(0, to - from);
  const a = span(t.activeAt, t.arrival);
  const b = span(t.requestedAt, t.activeAt);
  if (t.connSetupDone === null) return [a, b, 0, span(t.done, t.requestedAt)];
  return [a, b, span(t.connSetupDone, t.requestedAt), span(t.done, t.connSetupDone)];
}

export interface VerdictInput {
  readonly queueId: string;
  readonly recipient: string;
  readonly original: string;
  readonly relay: string;
  /** Times this connection was used, this delivery included (conn_use= when ≥ 2). */
  readonly connUse?: number;
  readonly times: DeliveryTimes;
  readonly kind: VerdictKind;
  readonly dsn: string;
  readonly text: string;
  readonly soft_bounce: boolean;
  /** Address verification (sendmail -bv): log deliverable/undeliverable. */
  readonly verifyOnly: boolean;
}

export interface Verdict {
  /** What qmgr gets: a soft-bounced recipient is deferred. */
  readonly status: VerdictKind;
  /** The status code after soft_bounce (`5.1.1` becomes `4.1.1`). */
  readonly dsn: string;
  /** The status line, without the syslog frame. */
  readonly line: string;
}

/** Applies soft_bounce and the verify words, and formats the status line. */
export function deliverVerdict(v: VerdictInput): Verdict {
  let status = v.kind;
  let dsn = v.dsn;
  let word: string = v.kind;
  if (v.verifyOnly) {
    word = v.kind === 'sent' ? 'deliverable' : 'undeliverable';
  } else if (v.kind === 'bounced' && v.soft_bounce) {
    status = 'deferred';
    dsn = `4${dsn.slice(1)}`;
    word = 'SOFTBOUNCE';
  }
  const line = formatAdhoc({
    queueId: v.queueId,
    recipient: v.recipient,
    original: v.original,
    relay: v.relay,
    ...(v.connUse === undefined ? {} : { connUse: v.connUse }),
    delays: adhocDelays(v.times),
    dsn,
    status: word,
    text: v.text,
  });
  return { status, dsn, line };
}

/** Microseconds since the epoch, with sub-millisecond precision where the platform has it. */
export function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
