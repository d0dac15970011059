/**
 * error_agent: Postfix's error(8) as a DeliveryAgent. Run as the `error`
 * service it bounces every recipient, run as `retry` it defers them, in
 * both cases with the status and text its nexthop carries (`5.1.1 test
 * domain always fails`, or `4.4.1 delivery temporarily suspended: ...` from
 * qmgr for a dead destination). Each recipient gets the usual status line
 * with relay=none.
 *
 * Diagnostics: `ID: to=<r>, relay=none, delay=D, delays=a/b/c/d, dsn=X.Y.Z,
 *   status=bounced|deferred (TEXT)`
 * See: postfix/src/error/error.c, postfix/src/global/dsn_util.c (dsn_split)
 */
import { formatAdhoc } from '../global/log_adhoc.ts';
import type { Log } from '../log/log.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import { agentDelays, dsnSplit } from '../queue/deliver_util.ts';

/** error(8) in `error` (bounce) or `retry` (defer) mode; `clock` gives ms since the epoch. */
export function errorAgent(log: Log, mode: 'error' | 'retry', clock: () => number = Date.now): DeliveryAgent {
  const bounce = mode === 'error';
  return {
    program: 'error',
    async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
      const { dsn, text } = dsnSplit(bounce ? '5.0.0' : '4.0.0', request.nexthop);
      const now = clock() * 1000;
      const statuses: DeliveryStatus[] = request.recipients.map((recipient) => {
        const status = bounce ? 'bounced' : 'deferred';
        log.info(
          formatAdhoc({
            queueId: request.queueId,
            recipient: recipient.address,
            original: recipient.original,
            relay: 'none',
            delays: agentDelays(request, now),
            dsn,
            status,
            text,
          }),
        );
        return { recipient, status, dsn, reason: text, relay: 'none', remoteMta: '', diagnostic: '', action: null };
      });
      return { statuses, siteFailure: false };
    },
  };
}
