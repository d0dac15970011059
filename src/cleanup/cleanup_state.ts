/**
 * cleanup_state: what cleanup knows about the one message it is working
 * on: its error flags (Postfix's CLEANUP_STAT_*), the reason a check gave,
 * the actions asked for (hold, discard, filter, redirect), the headers seen
 * so far, and the sender and last recipient that log lines name.
 *
 * See: postfix/src/cleanup/cleanup.h (CLEANUP_STATE), cleanup_state.c,
 *   postfix/src/global/cleanup_user.h
 */

import { quote822Local } from '../global/quote_822_local.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { ActContext } from './cleanup_log.ts';
import { CLEANUP_REPLY, reasonReply } from './cleanup_replies.ts';
import type { RewriteContextName } from './cleanup_rewrite.ts';

/** CLEANUP_STAT_*: why a message cannot be queued. */
export const CLEANUP_STAT = {
  BAD: 1 << 0,
  WRITE: 1 << 1,
  SIZE: 1 << 2,
  CONT: 1 << 3,
  HOPS: 1 << 4,
  RCPT: 1 << 6,
  DEFER: 1 << 8,
} as const;

export interface CleanupStateInit {
  readonly queueId: QueueId;
  /** `host[addr]` or `local`. */
  readonly origin: string;
  readonly proto: string | null;
  readonly helo: string | null;
  /** CLEANUP_FLAG_FILTER: header and body checks apply. */
  readonly filter: boolean;
  /** CLEANUP_FLAG_MAP_OK: canonical, masquerade and virtual alias mapping apply. */
  readonly mapOk: boolean;
  /** Where header addresses are rewritten, and missing headers added; null: neither. */
  readonly hdrRewriteContext: RewriteContextName | null;
  /** info_log_address_format = internal keeps addresses unquoted in logs. */
  readonly logInternal: boolean;
}

export class CleanupState {
  readonly queueId: QueueId;
  readonly init: CleanupStateInit;
  errs = 0;
  /** `5.7.1 text`: what a check's REJECT or an alias error said. */
  reason: string | null = null;
  hold = false;
  discard = false;
  /** FILTER transport:destination, REDIRECT address. */
  filterTo: string | null = null;
  redirect: string | null = null;
  /** BCC action addresses, added as recipients at the end. */
  readonly bcc: string[] = [];
  /** header_checks and body_checks still apply (REJECT, DISCARD, REDIRECT turn them off). */
  filtering: boolean;
  sender: string | null = null;
  recipient: string | null = null;
  /** Lower-cased names of the primary headers seen. */
  readonly headersSeen = new Set<string>();
  /** A Resent- header was seen: missing headers become Resent- ones. */
  resent = false;
  hopCount = 0;
  /** The first Message-Id value, `<...>`. */
  messageId: string | null = null;
  // Added for sendmail -t (cleanup_extract.ts).
  /** sendmail -t: take recipients from the headers. */
  extract = false;
  /** Addresses of To:, Cc:, Bcc: seen before any Resent- recipient header. */
  readonly extracted: string[] = [];
  /** Addresses of the Resent- recipient headers; null until one is seen. */
  resentExtracted: string[] | null = null;

  constructor(init: CleanupStateInit) {
    this.queueId = init.queueId;
    this.init = init;
    this.filtering = init.filter;
  }

  /** CLEANUP_OUT_OK(): no error yet that stops processing. */
  get ok(): boolean {
    return (this.errs & (CLEANUP_STAT.BAD | CLEANUP_STAT.WRITE | CLEANUP_STAT.DEFER | CLEANUP_STAT.SIZE)) === 0;
  }

  /** The context of an action log line. */
  act(): ActContext {
    return {
      queueId: this.queueId,
      origin: this.init.origin,
      sender: this.sender === null ? null : this.logAddress(this.sender),
      recipient: this.recipient === null ? null : this.logAddress(this.recipient),
      proto: this.init.proto,
      helo: this.init.helo,
    };
  }

  /** info_log_addr_form: external (quoted local part) unless info_log_address_format = internal. */
  logAddress(address: string): string {
    return this.init.logInternal || address === '' ? address : quote822Local(address);
  }

  /**
   * The reply for the errors raised, most severe first, as smtpd picks it
   * after DATA: defer, internal error, size, hops, content, write.
   */
  reply() {
    const e = this.errs;
    if (e & CLEANUP_STAT.DEFER)
      return this.reason === null ? CLEANUP_REPLY.service_unavailable : reasonReply(this.reason);
    if (e & CLEANUP_STAT.BAD) return CLEANUP_REPLY.internal_error(e);
    if (e & CLEANUP_STAT.SIZE) return CLEANUP_REPLY.too_big;
    if (e & CLEANUP_STAT.HOPS) return CLEANUP_REPLY.too_many_hops;
    if (e & CLEANUP_STAT.CONT) return this.reason === null ? CLEANUP_REPLY.content_rejected : reasonReply(this.reason);
    if (e & CLEANUP_STAT.WRITE) return CLEANUP_REPLY.write_error;
    if (e & CLEANUP_STAT.RCPT) return CLEANUP_REPLY.no_recipients;
    return CLEANUP_REPLY.internal_error(e);
  }
}
