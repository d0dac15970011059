/**
 * auth_spf: SPF (RFC 7208) for smtpd's restrictions, through mailauth's
 * check_host() with affix's resolver and the lookup limits of section
 * 4.6.4 (10 DNS mechanisms, 2 void lookups). The decision mirrors
 * postfix-policyd-spf-python's defaults, so it can replace it: the HELO
 * identity is checked first (when it is a domain name), then the MAIL FROM
 * identity (`postmaster@HELO` for the null sender); `fail` rejects
 * (reject_spf_fail), `temperror` defers (defer_spf_temperror), anything
 * else lets the next restriction decide. permerror is not acted on, as
 * policyd-spf's PermError_reject = False.
 *
 * Parameters: affix_spf_max_lookups, affix_spf_max_void_lookups,
 *   affix_spf_reject_code, affix_spf_defer_code
 * Standards: RFC 7208 sections 2.3, 2.4, 4.6.4, 8; RFC 7372 (5.7.23, 4.7.24)
 * See: postfix-policyd-spf-python (policyd-spf.conf: HELO_reject, Mail_From_reject,
 *   TempError_Defer)
 */
import { isIP } from 'node:net';
import { spf } from 'mailauth';
import type { Params } from '../config/params.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { authResolver } from './auth_dns.ts';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror';

export interface SpfCheck {
  readonly identity: 'helo' | 'mailfrom';
  /** The domain checked. */
  readonly domain: string;
  readonly result: SpfResult;
  /** mailauth's comment (`domain of x designates 192.0.2.1 as permitted sender`) or the error. */
  readonly comment: string;
  /** The domain's exp= explanation, for a fail. */
  readonly explanation: string | null;
}

export type SpfParams = Pick<
  Params,
  'affix_spf_max_lookups' | 'affix_spf_max_void_lookups' | 'affix_spf_reject_code' | 'affix_spf_defer_code'
>;

export interface SpfInput {
  readonly ip: string;
  /** The HELO/EHLO argument, or null. */
  readonly helo: string | null;
  /** MAIL FROM, '' for the null sender. */
  readonly sender: string;
  /** The authserv-id / receiving host, for %{r}. */
  readonly mta: string;
  readonly dns: DnsResolver;
  readonly params: SpfParams;
}

const RESULTS = new Set<string>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

/** check_host() for one identity. */
async function checkHost(input: SpfInput, identity: 'helo' | 'mailfrom', sender: string): Promise<SpfCheck> {
  const r = await spf({
    sender,
    ip: input.ip,
    helo: input.helo ?? undefined,
    mta: input.mta,
    resolver: authResolver(input.dns) as never,
    maxResolveCount: input.params.affix_spf_max_lookups,
    maxVoidCount: input.params.affix_spf_max_void_lookups,
  });
  const result = RESULTS.has(r.status.result) ? (r.status.result as SpfResult) : 'temperror';
  return {
    identity,
    domain: r.domain,
    result,
    comment: r.status.comment ?? '',
    explanation: r.explanation ?? null,
  };
}

/** True for a HELO argument SPF can check: a domain name, not an address literal. */
export function heloCheckable(helo: string | null): helo is string {
  return helo !== null && !helo.startsWith('[') && isIP(helo) === 0 && helo.includes('.');
}

/**
 * The SPF checks policyd-spf would make: HELO first; MAIL FROM unless the
 * HELO check already failed. The last element decides.
 */
export async function spfChecks(input: SpfInput): Promise<SpfCheck[]> {
  const checks: SpfCheck[] = [];
  if (heloCheckable(input.helo)) {
    const helo = await checkHost(input, 'helo', `postmaster@${input.helo}`);
    checks.push(helo);
    if (helo.result === 'fail') return checks;
  }
  if (input.sender !== '') checks.push(await checkHost(input, 'mailfrom', input.sender));
  else if (checks.length === 0 && input.helo !== null) checks.push(await checkHost(input, 'mailfrom', ''));
  return checks;
}

/** What a restriction does with the checks: a refusal to send, or null (DUNNO). */
export interface SpfRefusal {
  readonly code: number;
  readonly dsn: string;
  /** `Helo command` or `Sender address`, for `<x>: Sender address rejected: ...`. */
  readonly what: 'helo' | 'mailfrom';
  readonly name: string;
  readonly text: string;
}

/** reject_spf_fail / defer_spf_temperror applied to the checks. */
export function spfRestriction(
  restriction: 'reject_spf_fail' | 'defer_spf_temperror',
  checks: readonly SpfCheck[],
  params: SpfParams,
  sender: string,
  helo: string | null,
): SpfRefusal | null {
  const decisive =
    restriction === 'reject_spf_fail'
      ? checks.find((c) => c.result === 'fail')
      : checks.find((c) => c.result === 'temperror');
  if (decisive === undefined) return null;
  const name = decisive.identity === 'helo' ? (helo ?? '') : sender;
  if (restriction === 'reject_spf_fail') {
    const exp = decisive.explanation === null ? '' : `: ${decisive.explanation}`;
    return {
      code: params.affix_spf_reject_code,
      dsn: '5.7.23',
      what: decisive.identity,
      name,
      text: `SPF fail - not authorized${exp}`,
    };
  }
  return {
    code: params.affix_spf_defer_code,
    dsn: '4.7.24',
    what: decisive.identity,
    name,
    text: `SPF temperror - ${decisive.comment || 'DNS lookup failure'}`,
  };
}
