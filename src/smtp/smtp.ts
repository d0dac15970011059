/**
 * smtp: the SMTP and LMTP delivery agents (Postfix's smtp(8) and lmtp(8)),
 * as DeliveryAgents qmgr calls. A factory builds an agent for a master.cf
 * service from its configuration — settings, tables, TLS material, the
 * resolver, the connection cache — and the agent delivers one request at
 * a time per call (calls may overlap; each has its own state).
 *
 *   const agent = await SMTP_AGENT_FACTORIES.smtp({ config, log });
 *   const outcome = await agent.deliver(request);   // one status per recipient
 *   await agent.close();                            // QUIT to cached sessions
 *
 * Parameters: see smtp_settings.ts; smtp_dns_support_level, disable_dns_lookups,
 *   inet_interfaces, proxy_interfaces, minimal_backoff_time; affix_mta_sts_enable,
 *   affix_mta_sts_CAfile, affix_mta_sts_port, affix_mta_sts_timeout (params_smtp_tls.ts)
 * Diagnostics: an unexpected error defers the request's remaining recipients
 *   with `4.3.0 unknown mail transport error` after a `warning:` with the cause
 * Security: talks to the network only; reads no file but its tables and TLS material
 * See: postfix/src/smtp/smtp.c
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { MtaStsClient } from '../auth/auth_mta_sts.ts';
import type { Config } from '../config/config.ts';
import { convertTime } from '../config/param_types.ts';
import type { Params } from '../config/params.ts';
import { createDnsResolver, smtpDnsSupport } from '../dns/dns_config.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { nowMicros } from '../global/deliver_verdict.ts';
import type { Log } from '../log/log.ts';
import { type Maps, openMaps } from '../maps/maps.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest } from '../queue/deliver_request.ts';
import type { SmtpContext } from './smtp_context.ts';
import { smtpConnect } from './smtp_dest.ts';
import { SmtpConnCache } from './smtp_reuse.ts';
import { type SmtpMode, smtpSettings } from './smtp_settings.ts';
import { SmtpState } from './smtp_state.ts';
import { loadTlsMaterial, PEM_CERT } from './smtp_tls.ts';
import { createTlsRpt, tlsRptFlush } from './smtp_tls_rpt.ts';
import { localWhy } from './smtp_trouble.ts';

/** What the daemon frame passes to a delivery agent factory. */
export interface SmtpAgentOptions {
  /** main.cf with the master.cf service's -o overrides. */
  readonly config: Config;
  /** Tagged with the service's syslog_name and program (postfix/smtp). */
  readonly log: Log;
  /** A shared resolver; built from the configuration when absent. */
  readonly dns?: DnsResolver;
  /** Test hooks: clocks and the address shuffle. */
  readonly now?: () => number;
  readonly micros?: () => number;
  readonly random?: () => number;
}

/** A delivery agent that holds connections, so it must be closed. */
export interface SmtpAgent extends DeliveryAgent {
  readonly context: SmtpContext;
  close(): Promise<void>;
}

/** The addresses of this host for loop detection: inet_interfaces (all: every interface) and proxy_interfaces. */
function myAddresses(inet_interfaces: readonly string[], proxy_interfaces: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const word of inet_interfaces.map((w) => w.toLowerCase())) {
    if (word === 'all') {
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(i.address);
    } else if (word === 'loopback-only') {
      out.add('127.0.0.1');
      out.add('::1');
    } else {
      out.add(word.replace(/^\[|\]$/g, ''));
    }
  }
  for (const word of proxy_interfaces) out.add(word.replace(/^\[|\]$/g, ''));
  return out;
}

async function openTable(title: string, value: readonly string[], log: Log): Promise<Maps | null> {
  if (value.length === 0) return null;
  return openMaps(title, value.join(', '), { log, surrogate: true });
}

/** The agent's MTA-STS client: affix's resolver for policy hosts, extra trust anchors, the test port. */
async function mtaStsClient(params: Params, dns: DnsResolver, o: SmtpAgentOptions): Promise<MtaStsClient> {
  let ca: string[] = [];
  if (params.affix_mta_sts_CAfile !== '') {
    try {
      ca = (await readFile(params.affix_mta_sts_CAfile, 'utf8')).match(PEM_CERT) ?? [];
    } catch (err) {
      o.log.warn(
        `cannot load Certification Authority data, CAfile="${params.affix_mta_sts_CAfile}": ${(err as Error).message}`,
      );
    }
  }
  return new MtaStsClient({
    dns,
    port: params.affix_mta_sts_port,
    ca,
    timeout: params.affix_mta_sts_timeout * 1000,
    ...(o.now !== undefined ? { clock: o.now } : {}),
  });
}

/** Builds the agent's context: settings, tables, TLS material, resolver, cache. */
export async function createSmtpContext(mode: SmtpMode, o: SmtpAgentOptions): Promise<SmtpContext> {
  const params = o.config.params;
  const settings = smtpSettings(params, mode);
  const dnsOn =
    mode === 'smtp'
      ? smtpDnsSupport(params) !== 'disabled'
      : settings.smtp_dns_support_level === ''
        ? !params.disable_dns_lookups
        : settings.smtp_dns_support_level !== 'disabled';
  const dns = dnsOn ? (o.dns ?? createDnsResolver(o.config, { warn: (t) => o.log.warn(t) })) : null;
  const mine = myAddresses(params.inet_interfaces, params.proxy_interfaces);
  return {
    settings,
    params,
    log: o.log,
    dns,
    tlsPolicyMaps: await openTable(`${mode}_tls_policy_maps`, settings.smtp_tls_policy_maps, o.log),
    saslPasswordMaps: settings.smtp_sasl_auth_enable
      ? await openTable(`${mode}_sasl_password_maps`, settings.smtp_sasl_password_maps, o.log)
      : null,
    tls: await loadTlsMaterial(settings, o.log),
    mtaSts: mode === 'smtp' && dns !== null && params.affix_mta_sts_enable ? await mtaStsClient(params, dns, o) : null,
    tlsRpt: mode === 'smtp' ? createTlsRpt(params, o.now ?? Date.now) : null,
    cache: new SmtpConnCache(settings.smtp_connection_cache_time_limit),
    minimal_backoff_time: convertTime(o.config.value('minimal_backoff_time'), 's') ?? 300,
    isMyAddress: (address) => mine.has(address),
    now: o.now ?? Date.now,
    micros: o.micros ?? nowMicros,
    random: o.random ?? Math.random,
  };
}

/** The agent for `mode`: smtp(8) or lmtp(8). */
export async function createSmtpAgent(mode: SmtpMode, o: SmtpAgentOptions): Promise<SmtpAgent> {
  const ctx = await createSmtpContext(mode, o);
  return {
    program: mode,
    context: ctx,
    async deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
      const state = new SmtpState(ctx, request);
      try {
        await smtpConnect(state);
      } catch (err) {
        ctx.log.warn(`${request.queueId}: ${mode} delivery failed: ${(err as Error)?.stack ?? String(err)}`);
        state.session?.stream.destroy();
        state.session = null;
        state.marks.clear();
        state.finalServer = true;
        const why = localWhy({ dsn: '4.3.0', text: 'unknown mail transport error' });
        for (const rcpt of state.left.filter((r) => !state.statuses.some((st) => st.recipient === r))) {
          state.report(rcpt, 'deferred', why);
        }
      }
      await tlsRptFlush(ctx.tlsRpt, ctx.log);
      return { statuses: state.statuses, siteFailure: state.siteFailure };
    },
    async close(): Promise<void> {
      ctx.cache.close();
      await tlsRptFlush(ctx.tlsRpt, ctx.log);
      await ctx.tlsPolicyMaps?.close();
      await ctx.saslPasswordMaps?.close();
    },
  };
}

/** Factory signature shared by all delivery agent services (smtp, local, virtual). */
export type SmtpAgentFactory = (options: SmtpAgentOptions) => Promise<SmtpAgent>;

/** The agents of this service by master.cf program name, for the daemon frame. */
export const SMTP_AGENT_FACTORIES: Readonly<Record<'smtp' | 'lmtp', SmtpAgentFactory>> = {
  smtp: (o) => createSmtpAgent('smtp', o),
  lmtp: (o) => createSmtpAgent('lmtp', o),
};
