/**
 * cleanup_service: the one entrance to the queue, as smtpd, pickup
 * (sendmail) and bounce see it. A caller names the message (a queue ID
 * from newQueueId(), so smtpd can log `ID: client=...` at the first
 * accepted RCPT), hands over the envelope and streams the content; cleanup
 * rewrites addresses, runs header and body checks, writes the queue file
 * and resolves once the message is on stable storage — or throws a
 * MailError carrying the reply the client must get.
 *
 * See: postfix/src/cleanup/cleanup.c, postfix/src/global/cleanup_user.h
 */
import type { AuthHeaders } from '../auth/auth_cleanup.ts';
import type { QueueClient } from '../queue/queue_envelope.ts';
import type { QueueId } from '../queue/queue_id.ts';

/** A recipient as the client gave it, with its DSN requests. */
export interface CleanupRecipient {
  readonly address: string;
  /** DSN ORCPT (`rfc822;user@example.org`), or null. */
  readonly orcpt: string | null;
  /** DSN NOTIFY mask (queue_envelope.ts DSN_NOTIFY), 0 when not given. */
  readonly notify: number;
}

/** What smtpd's access checks decided for the whole message (access(5) actions). */
export interface CleanupActions {
  /** HOLD: put the message on hold, with this reason (logged). */
  readonly hold?: string;
  /** DISCARD: accept and drop, with this reason (logged). */
  readonly discard?: string;
  /** REDIRECT: deliver to this address instead of the recipients. */
  readonly redirect?: string;
  /** FILTER: route through this transport:destination (content filter); also the submitting service's content_filter. */
  readonly filter?: string;
  /**
   * affix extension (issue 7): Authentication-Results: and Received-SPF:
   * from smtpd's checks, known only at end of data; cleanup puts them on
   * top and drops forged fields that claim the same authserv-id.
   */
  readonly authHeaders?: AuthHeaders;
}

export interface CleanupRequest {
  readonly queueId: QueueId;
  /** Envelope sender, '' for `<>`. */
  readonly sender: string;
  readonly recipients: readonly CleanupRecipient[];
  readonly client: QueueClient | null;
  /** local (sendmail, bounces): Postfix's rewrite_context and missing-header rules differ. */
  readonly origin: 'smtpd' | 'pickup' | 'bounce';
  readonly envid: string | null;
  readonly ret: 'FULL' | 'HDRS' | null;
  readonly smtputf8: boolean;
  readonly body8bit: boolean;
  /** `sendmail -F` full name, or ''. */
  readonly fullName: string;
  readonly actions: CleanupActions;
  /** For logs: `from local` or the client's `name[addr]`, and the proto/helo parts. */
  readonly logContext: string;
  // Added for cleanup (issue 4); all optional, so existing callers need not change.
  /**
   * Whose rules apply to headers: `local` (missing headers added, header
   * addresses completed with $myorigin) or `remote`. smtpd sets it from
   * local_header_rewrite_clients (Postfix's smtpd_check_rewrite());
   * default: remote for smtpd, local for pickup and bounce.
   */
  readonly rewriteContext?: 'local' | 'remote';
  /** When the transaction started (MAIL FROM), µs since the epoch; default: when submit() is called. */
  readonly arrival?: number;
  /** pickup: the submitting user's uid, for `Received: by HOST (mail_name, from userid N)`. */
  readonly uid?: number;
  /** The submitting service's receive_override_options (no_address_mappings, no_header_body_checks ...). */
  readonly receive_override_options?: readonly string[];
  // Added for sendmail and pickup (issue 4).
  /**
   * sendmail -t: the recipients of the To:, Cc: and Bcc: headers (the
   * Resent- ones when present) are added, with this DSN NOTIFY mask, and
   * Bcc: headers are removed (cleanup_extract.ts).
   */
  readonly extractRecipients?: { readonly notify: number } | null;
}

export type CleanupOutcome = 'queued' | 'held' | 'discarded';

export interface CleanupResult {
  readonly queueId: QueueId;
  readonly outcome: CleanupOutcome;
}

export interface CleanupService {
  newQueueId(): QueueId;
  /**
   * Queues one message. `content` is the message as received, line ends
   * normalised to LF, smtpd's `Received:` header first. Resolves when the
   * message is durable; throws MailError (e.g. 552 5.3.4 message size,
   * 550 5.7.1 header check, 451 4.3.0 queue file write error).
   */
  submit(request: CleanupRequest, content: AsyncIterable<Buffer>): Promise<CleanupResult>;
  /**
   * The free-space check smtpd makes at MAIL FROM: throws MailError
   * `452 4.3.1 Insufficient system storage` (after a warning) when the queue
   * has less than queue_minfree or 1.5 × message_size_limit bytes free.
   * Optional so that test doubles need not have it.
   */
  checkSpace?(): Promise<void>;
}
