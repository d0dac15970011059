/**
 * smtp_tls_sts: MTA-STS (RFC 8461) in the smtp client, an affix extension
 * (affix_mta_sts_enable). For an MX delivery whose TLS level comes from
 * main.cf (not smtp_tls_policy_maps, not DANE), the recipient domain's
 * policy is looked up once per delivery (cached for max_age by the
 * agent's MtaStsClient). `enforce`: only MX hosts the policy lists are
 * tried, each at level `secure` with the MX host name as the name to match
 * (a trusted chain and that name, else the server is not used); `testing`:
 * delivery goes on as without a policy (at least `may`), and what enforce
 * would have refused is logged as a warning and counted for TLS-RPT.
 *
 * Parameters: affix_mta_sts_enable (and those of smtp.ts that build the client)
 * Diagnostics: `warning: MTA-STS policy lookup for DOMAIN: REASON` (delivery goes
 *   on without a policy, RFC 8461 section 5); `warning: MTA-STS policy of DOMAIN
 *   (testing): ...; delivering anyway`; skipped hosts through smtp_dest's
 *   `TLS policy lookup for DEST/HOST: MX host HOST is not allowed by the MTA-STS policy of DOMAIN`
 * Security: a policy only ever raises the level of a destination
 * See: RFC 8461 sections 4 and 5, RFC 8460 section 4.3
 */
import { mtaStsMxAllowed } from '../auth/auth_mta_sts.ts';
import type { SmtpContext } from './smtp_context.ts';
import { SMTP_REASON } from './smtp_reasons.ts';
import type { HostTlsPolicy } from './smtp_tls_dane.ts';
import { TLS_LEVEL_RANK, type TlsPolicy, type TlsStsState } from './smtp_tls_level.ts';
import { tlsRptNoStsPolicy, tlsRptPolicy, tlsRptRecord } from './smtp_tls_rpt.ts';

/** The MTA-STS policy in force for mail to `domain`, or null (none, mode none, or not to be had). */
export async function stsSitePolicy(ctx: SmtpContext, domain: string): Promise<TlsStsState | null> {
  if (ctx.mtaSts === null) return null;
  const found = await ctx.mtaSts.lookup(domain);
  if (found.status === 'none') return null;
  if (found.status === 'error') {
    ctx.log.warn(`MTA-STS policy lookup for ${domain}: ${found.reason}`);
    tlsRptRecord(ctx.tlsRpt, tlsRptNoStsPolicy(domain), { resultType: found.resultType });
    return null;
  }
  return found.policy.mode === 'none' ? null : { domain, policy: found.policy };
}

/** Whether an MTA-STS policy may decide this server's level (main.cf level, no DANE records, weaker than verify). */
export function stsApplies(policy: TlsPolicy): boolean {
  return (
    policy.fromTable !== true && policy.tlsa === undefined && TLS_LEVEL_RANK[policy.level] <= TLS_LEVEL_RANK.encrypt
  );
}

/** The server's policy under the domain's MTA-STS policy. */
export function stsHostPolicy(ctx: SmtpContext, policy: TlsPolicy, sts: TlsStsState, host: string): HostTlsPolicy {
  const allowed = mtaStsMxAllowed(sts.policy, host);
  if (sts.policy.mode === 'enforce') {
    if (!allowed) {
      const withSts = { ...policy, sts };
      tlsRptRecord(ctx.tlsRpt, tlsRptPolicy(sts.domain, withSts, host), {
        resultType: 'validation-failure',
        receivingMxHostname: host,
        failureReasonCode: 'mx-not-in-policy',
      });
      return { ok: false, why: SMTP_REASON.stsMxNotAllowed(host, sts.domain) };
    }
    return { ok: true, policy: { ...policy, level: 'secure', match: [host], sts } };
  }
  if (!allowed) {
    ctx.log.warn(
      `MTA-STS policy of ${sts.domain} (testing): MX host ${host} is not listed in the policy; delivering anyway`,
    );
  }
  const level = TLS_LEVEL_RANK[policy.level] < TLS_LEVEL_RANK.may ? 'may' : policy.level;
  return { ok: true, policy: { ...policy, level, sts } };
}
