/**
 * deliver_request: the contract between qmgr and the delivery agents
 * (smtp, lmtp, local, virtual, error, discard ...). qmgr hands an agent a
 * batch of recipients of one message for one (transport, nexthop); the
 * agent tries them, logs one status line per recipient through
 * global/log_adhoc.ts, and returns a status for each. qmgr then marks the
 * sent and bounced ones done and writes the defer and bounce logs.
 * qmgr never imports an agent: the daemon frame binds agents to master.cf
 * transports by program name.
 *
 * See: postfix/src/global/deliver_request.h, deliver_completed.c
 */
import type { Readable } from 'node:stream';
import type { QueueId } from './queue_id.ts';
import type { QueueMessage } from './queue_store.ts';

export interface DeliveryRecipient {
  /** Index of the recipient in the queued message (for markDone and the logs). */
  readonly index: number;
  readonly address: string;
  /** As the client gave it (`orig_to=` when it differs). */
  readonly original: string;
  readonly orcpt: string | null;
  readonly notify: number;
}

export interface DeliveryRequest {
  readonly queueId: QueueId;
  readonly message: QueueMessage;
  /** A fresh stream of the content (LF line ends) at each call. */
  readonly content: () => Readable;
  /** master.cf service name of the transport: `smtp`, `relay`, `local`, `virtual`, `error` ... */
  readonly transport: string;
  /** Where to: a domain, `[host]:port`, a socket, or the error text for `error`. */
  readonly nexthop: string;
  readonly recipients: readonly DeliveryRecipient[];
  /** When the message entered the active queue, and when this request was made, µs since the epoch (for delays=a/b). */
  readonly activeAt: number;
  readonly requestedAt: number;
  /** Verify-only (sendmail -bv): report deliverable/undeliverable, deliver nothing. */
  readonly verifyOnly: boolean;
}

export type DeliveryStatusWord = 'sent' | 'deferred' | 'bounced';

export interface DeliveryStatus {
  readonly recipient: DeliveryRecipient;
  readonly status: DeliveryStatusWord;
  /** RFC 3463 status code, e.g. `2.0.0`, `4.4.1`, `5.1.1`. */
  readonly dsn: string;
  /** The text in parentheses of the status line, e.g. `250 2.0.0 Ok: queued as X` or `connect to ...: Connection refused`. */
  readonly reason: string;
  /** `host[addr]:port`, `local`, `virtual`, `none` ... */
  readonly relay: string;
  /** For DSNs: `dns;host` of the remote MTA and its `smtp;550 ...` diagnostic, or ''. */
  readonly remoteMta: string;
  readonly diagnostic: string;
  /** For success DSNs (NOTIFY=SUCCESS): delivered, relayed or expanded. */
  readonly action: 'delivered' | 'relayed' | 'expanded' | null;
}

export interface DeliveryOutcome {
  readonly statuses: readonly DeliveryStatus[];
  /**
   * The destination itself failed (connection refused, timeout, bad
   * greeting): qmgr's concurrency feedback and dead-destination rule use it.
   */
  readonly siteFailure: boolean;
  /**
   * The queue file turned out damaged while the agent read it (its content
   * checksum failed): qmgr moves the message to corrupt, as when a Postfix
   * agent marks a queue file corrupt. Absent: false.
   */
  readonly corrupt?: boolean;
}

export interface DeliveryAgent {
  /** The program name master.cf runs: smtp, lmtp, local, virtual, error, discard. */
  readonly program: string;
  deliver(request: DeliveryRequest): Promise<DeliveryOutcome>;
}
