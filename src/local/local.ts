/**
 * local: the local delivery agent (Postfix's local(8)) for the domains in
 * mydestination, as a DeliveryAgent. For each recipient: aliases,
 * .forward, mailbox (mbox or Maildir, or mailbox_command or
 * mailbox_transport), luser_relay or `unknown user`; files and commands
 * named in aliases and .forward files; forwarding to other addresses
 * through cleanup. Deliveries run with the recipient's rights (a child
 * process per write when affix runs as root).
 *
 *   const agent = await LOCAL_AGENT_FACTORIES.local({ config, log, cleanup, pass });
 *   const outcome = await agent.deliver(request);
 *
 * Parameters: see params_local.ts; alias_maps, mydestination, myorigin,
 *   message_size_limit, default_privs
 * Diagnostics: fatal `configuration error: mailbox_size_limit is smaller than
 *   message_size_limit` (and `... is limited but message_size_limit is unlimited`) at start
 * Security: sensitive — acts as the recipient; never writes or runs as root
 *   on behalf of an ordinary user; see local_include.ts for the files it reads
 * See: postfix/src/local/local.c
 */
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import { nowMicros } from '../global/deliver_verdict.ts';
import type { Log } from '../log/log.ts';
import { type Maps, openMaps } from '../maps/maps.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest, DeliveryStatus } from '../queue/deliver_request.ts';
import type { LocalContext, LocalPass } from './local_context.ts';
import { forwardFinish } from './local_forward.ts';
import { PasswdFile } from './local_passwd.ts';
import { deliverRecipient } from './local_recipient.ts';
import { type LocalAttr, type LocalOps, LocalState } from './local_state.ts';
import { deliverTokenString } from './local_token.ts';

export interface LocalAgentOptions {
  /** main.cf with the master.cf service's -o overrides. */
  readonly config: Config;
  /** Tagged postfix/local (or the service's syslog_name). */
  readonly log: Log;
  /** Where forwarded mail is queued; without it, forwarding defers. */
  readonly cleanup?: CleanupService;
  /** The agents of other transports, for mailbox_transport and fallback_transport. */
  readonly pass?: LocalPass;
  /** Test hooks. */
  readonly passwdFile?: string;
  readonly now?: () => number;
  readonly micros?: () => number;
}

export interface LocalAgent extends DeliveryAgent {
  readonly context: LocalContext;
  close(): Promise<void>;
}

const OPS: LocalOps = { recipient: deliverRecipient, tokens: deliverTokenString };

async function openTable(title: string, value: readonly string[], log: Log): Promise<Maps | null> {
  if (value.length === 0) return null;
  return openMaps(title, value.join(', '), { log, surrogate: true });
}

/** The Delivered-To: values in the message header, case-folded (delivered_hdr_find()). */
async function deliveredToHeaders(request: DeliveryRequest): Promise<Set<string>> {
  const found = new Set<string>();
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
  const header = head.split(/\n\n/)[0] ?? '';
  for (const m of header.matchAll(/^Delivered-To:[ \t]*(.*(?:\n[ \t].*)*)$/gim)) {
    found.add(m[1]!.replace(/\s+/g, ' ').trim().toLowerCase());
  }
  return found;
}

/** The start-up checks of local(8) on the size limits. */
function checkLimits(config: Config, log: Log): void {
  const p = config.params;
  if (p.mailbox_size_limit > 0 && p.message_size_limit === 0) {
    log.fatal('configuration error: mailbox_size_limit is limited but message_size_limit is unlimited');
  }
  if (p.mailbox_size_limit > 0 && p.mailbox_size_limit < p.message_size_limit) {
    log.fatal('configuration error: mailbox_size_limit is smaller than message_size_limit');
  }
}

export async function createLocalContext(o: LocalAgentOptions): Promise<LocalContext> {
  const p = o.config.params;
  checkLimits(o.config, o.log);
  const passwd = new PasswdFile(o.passwdFile);
  const privs = await passwd.byName(p.default_privs).catch(() => null);
  if (privs === null || privs.uid === 0) o.log.fatal(`unknown default_privs user: ${p.default_privs}`);
  const destinations = new Set(
    p.mydestination.filter((d) => !d.includes(':') && !d.startsWith('/')).map((d) => d.toLowerCase()),
  );
  return {
    config: o.config,
    params: p,
    log: o.log,
    aliasMaps: await openTable('alias_maps', p.alias_maps, o.log),
    mailboxTransportMaps: await openTable('mailbox_transport_maps', p.mailbox_transport_maps, o.log),
    mailboxCommandMaps: await openTable('mailbox_command_maps', p.mailbox_command_maps, o.log),
    passwd,
    cleanup: o.cleanup ?? null,
    pass: o.pass ?? null,
    raw: {
      forward_path: o.config.raw('forward_path') ?? '',
      luser_relay: o.config.raw('luser_relay') ?? '',
      mailbox_command: o.config.raw('mailbox_command') ?? '',
      command_execution_directory: o.config.raw('command_execution_directory') ?? '',
    },
    defaultPrivs: { uid: privs.uid, gid: privs.gid },
    isLocalDomain: (domain) => destinations.has(domain.toLowerCase()),
    now: o.now ?? Date.now,
    micros: o.micros ?? nowMicros,
  };
}

/** local(8) as a DeliveryAgent. */
export async function createLocalAgent(o: LocalAgentOptions): Promise<LocalAgent> {
  const ctx = await createLocalContext(o);
  return {
    program: 'local',
    context: ctx,
    async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
      const deliveredTo = await deliveredToHeaders(request);
      const statuses: DeliveryStatus[] = [];
      const seen = new Set<string>();
      for (const rcpt of request.recipients) {
        const state = new LocalState(ctx, OPS, request, rcpt, deliveredTo, seen);
        const attr: LocalAttr = {
          level: 0,
          address: rcpt.address,
          original: rcpt.original,
          local: '',
          user: '',
          extension: null,
          domain: '',
          sender: request.message.envelope.sender,
          owner: null,
          delivered: rcpt.address,
          expType: null,
          expFrom: null,
          usr: { uid: 0, gid: 0, home: null, logname: null, shell: null },
        };
        try {
          await deliverRecipient(state, attr);
          await forwardFinish(state, attr);
        } catch (err) {
          ctx.log.warn(
            `${request.queueId}: local delivery to ${rcpt.address} failed: ${(err as Error)?.stack ?? String(err)}`,
          );
          state.fail(attr, { dsn: '4.3.0', text: 'unknown mail transport error' });
        }
        statuses.push(state.status());
      }
      return { statuses, siteFailure: false };
    },
    async close(): Promise<void> {
      await ctx.aliasMaps?.close();
      await ctx.mailboxTransportMaps?.close();
      await ctx.mailboxCommandMaps?.close();
    },
  };
}

export type LocalAgentFactory = (options: LocalAgentOptions) => Promise<LocalAgent>;

/** The agents of this service by master.cf program name, for the daemon frame. */
export const LOCAL_AGENT_FACTORIES: Readonly<Record<'local', LocalAgentFactory>> = {
  local: createLocalAgent,
};
