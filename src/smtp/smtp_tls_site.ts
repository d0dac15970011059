/**
 * smtp_tls_site: the TLS policy of each server of one site (a nexthop or
 * fallback relay), from the site's policy (smtp_tls_policy.ts): `dane` and
 * `dane-only` resolved per server (smtp_tls_dane.ts), then, for an MX
 * delivery with affix_mta_sts_enable, the domain's MTA-STS policy
 * (smtp_tls_sts.ts). What is asked of the DNS once per site (the MX
 * RRset's DNSSEC status, the MTA-STS policy) is asked at most once.
 *
 * See: postfix/src/smtp/smtp_tls_policy.c (policy_create: per nexthop, host and port)
 */
import type { SmtpAddr } from './smtp_addr.ts';
import type { SmtpContext } from './smtp_context.ts';
import { daneHostPolicy, type HostTlsPolicy, mxSecure } from './smtp_tls_dane.ts';
import { type TlsPolicy, type TlsStsState, tlsDaneBased } from './smtp_tls_level.ts';
import { stsApplies, stsHostPolicy, stsSitePolicy } from './smtp_tls_sts.ts';

export interface SmtpTlsSiteInit {
  readonly policy: TlsPolicy;
  /** The nexthop as written, and its domain. */
  readonly dest: string;
  readonly domain: string;
  readonly port: number;
  /** The servers come from the domain's MX lookup (smtp, DNS on, not a [literal]). */
  readonly viaMx: boolean;
}

export class SmtpTlsSite {
  readonly #ctx: SmtpContext;
  readonly #init: SmtpTlsSiteInit;
  #mxSecure: Promise<boolean | null> | null = null;
  #sts: Promise<TlsStsState | null> | null = null;

  constructor(ctx: SmtpContext, init: SmtpTlsSiteInit) {
    this.#ctx = ctx;
    this.#init = init;
  }

  /** The policy for one server, or why it must be skipped. */
  async forHost(addr: SmtpAddr): Promise<HostTlsPolicy> {
    const ctx = this.#ctx;
    const { dest, domain, port, viaMx } = this.#init;
    let policy = this.#init.policy;
    if (policy.invalid) return { ok: true, policy };
    if (tlsDaneBased(policy.level)) {
      this.#mxSecure ??= viaMx ? mxSecure(ctx, domain) : Promise.resolve(null);
      const dane = await daneHostPolicy(ctx, policy, {
        dest,
        host: addr.host,
        address: addr.address,
        port,
        mxSecure: await this.#mxSecure,
      });
      if (!dane.ok) return dane;
      policy = dane.policy;
    }
    if (viaMx && ctx.mtaSts !== null && stsApplies(policy)) {
      this.#sts ??= stsSitePolicy(ctx, domain);
      const sts = await this.#sts;
      if (sts !== null) return stsHostPolicy(ctx, policy, sts, addr.host);
    }
    return { ok: true, policy };
  }
}
