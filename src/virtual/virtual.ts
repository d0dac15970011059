/**
 * virtual: the virtual mailbox delivery agent (Postfix's virtual(8)) for
 * the domains in virtual_mailbox_domains, as a DeliveryAgent: one mailbox
 * per address (mbox or Maildir), no aliases, no .forward, no commands;
 * each write as the mailbox's uid/gid (a child process when affix runs as
 * root); with affix's per-mailbox quota (virtual_mailbox_quota_maps).
 *
 *   const agent = await VIRTUAL_AGENT_FACTORIES.virtual({ config, log });
 *   const outcome = await agent.deliver(request);
 *
 * Parameters: see params_virtual.ts; message_size_limit, soft_bounce
 * Diagnostics: fatal `configuration error: virtual_mailbox_limit is smaller than
 *   message_size_limit` (and `... is limited but message_size_limit is unlimited`) at start
 * Security: sensitive — writes mailboxes; see virtual_mailbox.ts
 * See: postfix/src/virtual/virtual.c, recipient.c, unknown.c
 */
import type { Config } from '../config/config.ts';
import { deliverVerdict, nowMicros } from '../global/deliver_verdict.ts';
import type { Log } from '../log/log.ts';
import { type Maps, openMaps } from '../maps/maps.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import type { VirtualContext } from './virtual_context.ts';
import { deliverVirtualMailbox, type VirtualVerdict } from './virtual_mailbox.ts';
import { VIRTUAL_REASON } from './virtual_reasons.ts';

export interface VirtualAgentOptions {
  readonly config: Config;
  /** Tagged postfix/virtual (or the service's syslog_name). */
  readonly log: Log;
  readonly now?: () => number;
  readonly micros?: () => number;
}

export interface VirtualAgent extends DeliveryAgent {
  readonly context: VirtualContext;
  close(): Promise<void>;
}

async function openTable(title: string, value: readonly string[], log: Log): Promise<Maps | null> {
  if (value.length === 0) return null;
  return openMaps(title, value.join(', '), { log, surrogate: true });
}

/** Delivered-To: values of the message header, case-folded (loop detection). */
async function deliveredTo(request: DeliveryRequest): Promise<Set<string>> {
  const out = new Set<string>();
  let head = '';
  const stream = request.content();
  try {
    for await (const chunk of stream) {
      head += (chunk as Buffer).toString('latin1');
      if (/\n\n/.test(head) || head.startsWith('\n') || head.length > 1_000_000) break;
    }
  } finally {
    stream.destroy();
  }
  for (const m of (head.split(/\n\n/)[0] ?? '').matchAll(/^Delivered-To:[ \t]*(.*)$/gim))
    out.add(m[1]!.trim().toLowerCase());
  return out;
}

export async function createVirtualContext(o: VirtualAgentOptions): Promise<VirtualContext> {
  const p = o.config.params;
  if (p.virtual_mailbox_limit > 0 && p.message_size_limit === 0) {
    o.log.fatal('configuration error: virtual_mailbox_limit is limited but message_size_limit is unlimited');
  }
  if (p.virtual_mailbox_limit > 0 && p.virtual_mailbox_limit < p.message_size_limit) {
    o.log.fatal('configuration error: virtual_mailbox_limit is smaller than message_size_limit');
  }
  return {
    params: p,
    log: o.log,
    mailboxMaps: await openTable('virtual_mailbox_maps', p.virtual_mailbox_maps, o.log),
    uidMaps: await openTable('virtual_uid_maps', p.virtual_uid_maps, o.log),
    gidMaps: await openTable('virtual_gid_maps', p.virtual_gid_maps, o.log),
    quotaMaps: await openTable('virtual_mailbox_quota_maps', p.virtual_mailbox_quota_maps, o.log),
    now: o.now ?? Date.now,
    micros: o.micros ?? nowMicros,
  };
}

export async function createVirtualAgent(o: VirtualAgentOptions): Promise<VirtualAgent> {
  const ctx = await createVirtualContext(o);
  return {
    program: 'virtual',
    context: ctx,
    async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
      const loop = await deliveredTo(request);
      const statuses: DeliveryStatus[] = [];
      for (const rcpt of request.recipients) {
        let v: VirtualVerdict | null;
        try {
          v = loop.has(rcpt.address.toLowerCase())
            ? { kind: 'bounced', reason: VIRTUAL_REASON.loop(rcpt.address) }
            : await deliverVirtualMailbox(ctx, request, rcpt);
        } catch (err) {
          ctx.log.warn(
            `${request.queueId}: virtual delivery to ${rcpt.address} failed: ${(err as Error)?.stack ?? String(err)}`,
          );
          v = { kind: 'deferred', reason: { dsn: '4.3.0', text: 'unknown mail transport error' } };
        }
        v ??= { kind: 'bounced', reason: VIRTUAL_REASON.unknownUser(rcpt.address.toLowerCase()) };
        const verdict = deliverVerdict({
          queueId: request.queueId,
          recipient: rcpt.address,
          original: rcpt.original,
          relay: 'virtual',
          times: {
            arrival: request.message.envelope.arrival,
            activeAt: request.activeAt,
            requestedAt: request.requestedAt,
            connSetupDone: null,
            done: ctx.micros(),
          },
          kind: v.kind,
          dsn: v.reason.dsn,
          text: v.reason.text,
          soft_bounce: ctx.params.soft_bounce,
          verifyOnly: request.verifyOnly,
        });
        ctx.log.info(verdict.line);
        statuses.push({
          recipient: rcpt,
          status: verdict.status,
          dsn: verdict.dsn,
          reason: v.reason.text,
          relay: 'virtual',
          remoteMta: '',
          diagnostic: '',
          action: verdict.status === 'sent' ? 'delivered' : null,
        });
      }
      return { statuses, siteFailure: false };
    },
    async close(): Promise<void> {
      for (const m of [ctx.mailboxMaps, ctx.uidMaps, ctx.gidMaps, ctx.quotaMaps]) await m?.close();
    },
  };
}

export type VirtualAgentFactory = (options: VirtualAgentOptions) => Promise<VirtualAgent>;

/** The agents of this service by master.cf program name, for the daemon frame. */
export const VIRTUAL_AGENT_FACTORIES: Readonly<Record<'virtual', VirtualAgentFactory>> = {
  virtual: createVirtualAgent,
};
