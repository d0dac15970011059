/**
 * bounce_context: what the bounce service works with — its configuration
 * (main.cf plus the service's -o overrides), its log (postfix/bounce), the
 * queue the logs and originals are read from, the cleanup service the
 * notifications are queued through, the templates, and a clock — built
 * once per service start or reload and passed in (no module state).
 *
 * bounce may not import cleanup (they share a layer), so the cleanup
 * service is described here by the part bounce uses; the daemon frame
 * hands over its CleanupService, which has that shape.
 *
 * See: postfix/src/bounce/bounce.c (pre_jail_init, post_jail_init), postfix/src/global/post_mail.c
 */
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import type { BounceTemplates } from './bounce_templates.ts';

/** A notification as cleanup takes it: the subset of CleanupRequest (src/cleanup/cleanup_service.ts) bounce fills in. */
export interface BounceCleanupRequest {
  readonly queueId: QueueId;
  /** '' (a notice to the sender) or double-bounce@$myhostname (a notice to the postmaster). */
  readonly sender: string;
  readonly recipients: readonly { readonly address: string; readonly orcpt: null; readonly notify: 0 }[];
  readonly client: null;
  readonly origin: 'bounce';
  readonly envid: null;
  readonly ret: null;
  readonly smtputf8: boolean;
  readonly body8bit: boolean;
  readonly fullName: '';
  readonly actions: Readonly<Record<string, never>>;
  readonly logContext: string;
  readonly arrival: number;
}

/** The part of CleanupService bounce uses. */
export interface BounceCleanup {
  newQueueId(): QueueId;
  /** Resolves once the notification is durable; throws (a MailError) when cleanup refuses it. */
  submit(request: BounceCleanupRequest, content: AsyncIterable<Buffer>): Promise<{ readonly queueId: QueueId }>;
}

export interface BounceContext {
  readonly config: Config;
  readonly params: Params;
  /** Tagged postfix/bounce. */
  readonly log: Log;
  readonly store: QueueStore;
  readonly cleanup: BounceCleanup;
  readonly templates: BounceTemplates;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
}
