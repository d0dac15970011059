/**
 * smtp_state: one delivery request as the client works through it — the
 * recipients still to do, each marked during a session as "keep" (try
 * the next server) or "drop" (done: sent, bounced, or finally deferred),
 * the last error (Postfix's DSN_BUF), the flags that say whether the
 * current server is the last one to try, and the statuses for qmgr. Each
 * final status is logged here, once, through deliver_verdict.
 *
 * Parameters: soft_bounce
 * See: postfix/src/smtp/smtp.h (SMTP_STATE, SMTP_RCPT_*), smtp_rcpt.c, smtp_state.c
 */
import { deliverVerdict, type VerdictKind } from '../global/deliver_verdict.ts';
import type { DeliveryRecipient, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import type { SmtpContext } from './smtp_context.ts';
import type { SmtpSession } from './smtp_session.ts';

/** Why the current attempt failed (DSN_BUF): status, reason, and the server's part if it spoke. */
export interface SmtpWhy {
  readonly dsn: string;
  readonly text: string;
  /** The remote MTA's host name when its reply caused this (DSN_BY_LOCAL_MTA: null). */
  readonly mta: string | null;
  /** The reply text, lines joined by spaces. */
  readonly reply: string | null;
}

export class SmtpState {
  readonly ctx: SmtpContext;
  readonly request: DeliveryRequest;
  /** Recipients not yet dropped (SMTP_RCPT_LEFT). */
  left: DeliveryRecipient[];
  /** Marks of the current session, by recipient index. */
  readonly marks = new Map<number, 'keep' | 'drop'>();
  readonly statuses: DeliveryStatus[] = [];
  why: SmtpWhy | null = null;
  session: SmtpSession | null = null;
  /** The server being tried is the last one: soft errors are final (SMTP_MISC_FLAG_FINAL_SERVER). */
  finalServer = false;
  finalNexthop = false;
  /** A session completed its transaction, so a later host's failure does not throttle (COMPLETE_SESSION). */
  completeSession = false;
  /** The destination failed as a whole (hop_status): qmgr throttles it. */
  siteFailure = false;
  /** Loop detection applies (port 25 SMTP). */
  loopDetect = false;
  /** The domain or host being tried, for loop texts and SASL lookups. */
  dest = '';
  /** Connection set-up and delivery completion, µs since the epoch. */
  connSetupDone: number | null = null;
  deliverDone: number | null = null;

  constructor(ctx: SmtpContext, request: DeliveryRequest) {
    this.ctx = ctx;
    this.request = request;
    this.left = [...request.recipients];
  }

  /** Recipients not yet marked in this session. */
  unmarked(): DeliveryRecipient[] {
    return this.left.filter((r) => !this.marks.has(r.index));
  }

  keep(rcpt: DeliveryRecipient): void {
    this.marks.set(rcpt.index, 'keep');
  }

  drop(rcpt: DeliveryRecipient): void {
    this.marks.set(rcpt.index, 'drop');
  }

  /** smtp_rcpt_cleanup(): forget dropped recipients, unmark the kept ones for the next server. */
  cleanup(): void {
    this.left = this.left.filter((r) => this.marks.get(r.index) !== 'drop');
    this.marks.clear();
  }

  /** The relay as log lines show it: `host[addr]:port`, or `none` before a connection. */
  get relay(): string {
    return this.session?.namaddrport ?? 'none';
  }

  /**
   * Logs and records the final status of `rcpt` and drops it. Returns the
   * status qmgr gets (a bounce under soft_bounce comes back `deferred`).
   */
  report(
    rcpt: DeliveryRecipient,
    kind: VerdictKind,
    why: SmtpWhy,
    action: DeliveryStatus['action'] = null,
  ): VerdictKind {
    const request = this.request;
    const session = this.session;
    const verdict = deliverVerdict({
      queueId: request.queueId,
      recipient: rcpt.address,
      original: rcpt.original,
      relay: this.relay,
      ...(session !== null && session.reuseCount > 0 ? { connUse: session.reuseCount + 1 } : {}),
      times: {
        arrival: request.message.envelope.arrival,
        activeAt: request.activeAt,
        requestedAt: request.requestedAt,
        connSetupDone: this.connSetupDone,
        done: this.deliverDone ?? this.ctx.micros(),
      },
      kind,
      dsn: why.dsn,
      text: why.text,
      soft_bounce: this.ctx.params.soft_bounce,
      verifyOnly: request.verifyOnly,
    });
    this.ctx.log.info(verdict.line);
    this.statuses.push({
      recipient: rcpt,
      status: verdict.status,
      dsn: verdict.dsn,
      reason: why.text,
      relay: this.relay,
      remoteMta: why.mta === null ? '' : `dns;${why.mta}`,
      diagnostic: why.reply === null ? '' : `smtp;${why.reply}`,
      action: verdict.status === 'sent' ? action : null,
    });
    this.drop(rcpt);
    return verdict.status;
  }
}
