/**
 * local_state: one recipient of a request as local(8) works through it —
 * the attributes that change as aliases, .forward and :include: files
 * expand it (the current address, user and extension, sender and owner,
 * whose privileges a file or command gets), the duplicate filter, the
 * addresses collected for forwarding, and the status lines logged so far.
 * One request recipient may produce several lines (one per mailbox, file,
 * command, or forwarded copy); qmgr gets one status, the worst of them.
 *
 * Parameters: soft_bounce
 * See: postfix/src/local/local.h (LOCAL_STATE, DELIVER_ATTR, USER_ATTR), deliver_attr.c
 */
import { deliverVerdict, type VerdictKind } from '../global/deliver_verdict.ts';
import type { DeliveryRecipient, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import type { LocalContext } from './local_context.ts';
import type { LocalReason } from './local_reasons.ts';

/** Whose rights a file or command delivery runs with (USER_ATTR). */
export interface UserAttr {
  readonly uid: number;
  readonly gid: number;
  readonly home: string | null;
  readonly logname: string | null;
  readonly shell: string | null;
}

/** How the current address came about (EXPAND_TYPE_*): it decides allow_mail_to_files/commands. */
export type ExpandType = 'alias' | 'forward' | 'include' | null;

/** The attributes of one step of the expansion (DELIVER_ATTR). */
export interface LocalAttr {
  readonly level: number;
  /** The address being delivered now, and the original recipient. */
  readonly address: string;
  readonly original: string;
  /** The local part, case-folded (with extension), the user (without), extension, domain. */
  readonly local: string;
  readonly user: string;
  readonly extension: string | null;
  readonly domain: string;
  readonly sender: string;
  readonly owner: string | null;
  /** What Delivered-To: will say. */
  readonly delivered: string;
  readonly expType: ExpandType;
  readonly expFrom: string | null;
  readonly usr: UserAttr;
}

/**
 * The recursive steps of local delivery, passed in rather than imported,
 * so recipient, alias, token and include processing can call each other
 * without an import cycle (local.ts wires them).
 */
export interface LocalOps {
  /** deliver_recipient(): one address, from the top. */
  recipient(state: LocalState, attr: LocalAttr): Promise<void>;
  /** deliver_token_string(): a list of destinations; returns how many there were. */
  tokens(state: LocalState, attr: LocalAttr, text: string): Promise<number>;
}

export class LocalState {
  readonly ctx: LocalContext;
  readonly ops: LocalOps;
  readonly request: DeliveryRequest;
  readonly top: DeliveryRecipient;
  /** Delivered-To values already in the message (loop detection). */
  readonly deliveredTo: ReadonlySet<string>;
  /** The duplicate filter, shared by the recipients of one request (as Postfix's dup_filter). */
  readonly #seen: Set<string>;
  /** Forwarding: sender → addresses, with the Delivered-To value to add. */
  readonly forwards = new Map<string, { delivered: string; attr: LocalAttr; addresses: string[] }>();
  readonly results: { kind: VerdictKind; dsn: string; text: string }[] = [];
  /** The message went on with NOTIFY=SUCCESS to new recipients: no success notice for this one. */
  notifySuccessHandedOn = false;

  constructor(
    ctx: LocalContext,
    ops: LocalOps,
    request: DeliveryRequest,
    top: DeliveryRecipient,
    deliveredTo: ReadonlySet<string>,
    seen: Set<string> = new Set(),
  ) {
    this.#seen = seen;
    this.ctx = ctx;
    this.ops = ops;
    this.request = request;
    this.top = top;
    this.deliveredTo = deliveredTo;
  }

  /** been_here(): true when `key` was seen before for this recipient (and marks it). */
  beenHere(key: string): boolean {
    if (this.#seen.has(key)) return true;
    this.#seen.add(key);
    return false;
  }

  /** Logs one status line for the current address and remembers it for the final status. */
  report(attr: LocalAttr, kind: VerdictKind, reason: LocalReason): void {
    const verdict = deliverVerdict({
      queueId: this.request.queueId,
      recipient: attr.address,
      original: attr.original,
      relay: 'local',
      times: {
        arrival: this.request.message.envelope.arrival,
        activeAt: this.request.activeAt,
        requestedAt: this.request.requestedAt,
        connSetupDone: null,
        done: this.ctx.micros(),
      },
      kind,
      dsn: reason.dsn,
      text: reason.text,
      soft_bounce: this.ctx.params.soft_bounce,
      verifyOnly: this.request.verifyOnly,
    });
    this.ctx.log.info(verdict.line);
    this.results.push({ kind: verdict.status, dsn: verdict.dsn, text: reason.text });
  }

  sent(attr: LocalAttr, reason: LocalReason): void {
    this.report(attr, 'sent', reason);
  }

  /** bounce_append() or defer_append() by the status class. */
  fail(attr: LocalAttr, reason: LocalReason): void {
    this.report(attr, reason.dsn.startsWith('4') ? 'deferred' : 'bounced', reason);
  }

  /** The one status qmgr gets: deferred if any part was, else bounced if any was, else sent. */
  status(): DeliveryStatus {
    // No result at all: everything this recipient expanded to was delivered already (duplicate filter).
    const duplicate = { kind: 'sent' as const, dsn: '2.0.0', text: 'duplicate delivery suppressed' };
    const pick =
      this.results.find((r) => r.kind === 'deferred') ??
      this.results.find((r) => r.kind === 'bounced') ??
      this.results[this.results.length - 1] ??
      duplicate;
    const top = this.top;
    const recipient = this.notifySuccessHandedOn ? { ...top, notify: top.notify & ~2 || 1 } : top;
    return {
      recipient,
      status: pick.kind,
      dsn: pick.dsn,
      reason: pick.text,
      relay: 'local',
      remoteMta: '',
      diagnostic: '',
      action: pick.kind === 'sent' ? 'delivered' : null,
    };
  }
}
