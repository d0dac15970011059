/**
 * discard_agent: Postfix's discard(8) as a DeliveryAgent: every recipient
 * is reported delivered, with the text its nexthop carries (the domain, or
 * what transport_maps wrote after `discard:`), relay=none.
 *
 * Diagnostics: `ID: to=<r>, relay=none, delay=D, delays=a/b/c/d, dsn=2.0.0, status=sent (TEXT)`
 * See: postfix/src/discard/discard.c
 */
import { formatAdhoc } from '../global/log_adhoc.ts';
import type { Log } from '../log/log.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import { agentDelays, dsnSplit } from '../queue/deliver_util.ts';

export function discardAgent(log: Log, clock: () => number = Date.now): DeliveryAgent {
  return {
    program: 'discard',
    async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
      const { dsn, text } = dsnSplit('2.0.0', request.nexthop);
      const now = clock() * 1000;
      const statuses: DeliveryStatus[] = request.recipients.map((recipient) => {
        log.info(
          formatAdhoc({
            queueId: request.queueId,
            recipient: recipient.address,
            original: recipient.original,
            relay: 'none',
            delays: agentDelays(request, now),
            dsn,
            status: 'sent',
            text,
          }),
        );
        return {
          recipient,
          status: 'sent',
          dsn,
          reason: text,
          relay: 'none',
          remoteMta: '',
          diagnostic: '',
          action: 'delivered',
        };
      });
      return { statuses, siteFailure: false };
    },
  };
}
