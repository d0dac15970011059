/**
 * auth_inbound: the checks on a message from an untrusted client, at end
 * of data: SPF (MAIL FROM and HELO), DKIM, DMARC and ARC through mailauth's
 * authenticate() with affix's resolver, and the header fields that report
 * them — Received-SPF: and Authentication-Results: with our authserv-id —
 * folded with LF as the queue stores them (always with an arc= result,
 * see auth_arc), plus the DMARC verdict smtpd acts on and a one-line
 * summary for the log.
 *
 * Parameters: affix_authserv_id, affix_spf_max_lookups, affix_spf_max_void_lookups
 *   (and auth_dmarc's)
 * Diagnostics: a failure of the checks themselves (a bug, not a DNS error,
 *   which is temperror) is returned as `error`, and the message goes on unchecked
 * Security: the content, HELO and MAIL FROM are untrusted; the header fields
 *   are built by mailauth from parsed values and contain no CR or LF of their own
 * Standards: RFC 8601 (Authentication-Results), RFC 7208 section 9.1 (Received-SPF)
 */
import { authenticate } from 'mailauth';
import type { Params } from '../config/params.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { type ArcOutcome, arcOutcome, arcSummary, withArcNone } from './auth_arc.ts';
import type { DmarcOutcome, DmarcPolicy } from './auth_dmarc.ts';
import { authResolver } from './auth_dns.ts';

export interface InboundInput {
  readonly ip: string;
  readonly helo: string | null;
  /** MAIL FROM, '' for the null sender. */
  readonly sender: string;
  /** The message as received (LF line ends, the client's content only). */
  readonly content: Buffer;
  readonly dns: DnsResolver;
  readonly params: Pick<Params, 'affix_authserv_id' | 'affix_spf_max_lookups' | 'affix_spf_max_void_lookups'>;
}

export interface InboundResult {
  /** Received-SPF: and Authentication-Results:, top first, LF-folded, no final LF. */
  readonly fields: readonly string[];
  readonly spf: string;
  readonly dkim: readonly string[];
  readonly dmarc: DmarcOutcome | null;
  readonly arc: ArcOutcome;
  /** `spf=pass dkim=pass(d=example.org) dmarc=pass(p=reject from=example.org) arc=pass(i=1)`. */
  readonly summary: string;
}

const POLICIES = new Set(['none', 'quarantine', 'reject']);

/** Runs the checks; throws only for a failure of the checks themselves. */
export async function checkInbound(input: InboundInput): Promise<InboundResult> {
  const wire = Buffer.from(input.content.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
  const r = await authenticate(wire, {
    ip: input.ip,
    helo: input.helo ?? undefined,
    sender: input.sender,
    mta: input.params.affix_authserv_id,
    resolver: authResolver(input.dns) as never,
    disableBimi: true,
    maxResolveCount: input.params.affix_spf_max_lookups,
    maxVoidCount: input.params.affix_spf_max_void_lookups,
  } as Parameters<typeof authenticate>[1]);
  const arc = arcOutcome(r.arc as Parameters<typeof arcOutcome>[0]);
  const dmarcInfo = r.dmarc === false ? null : ((r.dmarc as { info?: string }).info ?? null);
  const fields = r.headers
    .split(/\r\n(?![ \t])/)
    .filter((f) => f !== '')
    .map((f) => (arc.result === 'none' && /^authentication-results:/i.test(f) ? withArcNone(f, dmarcInfo) : f))
    .map((f) => f.replace(/\r\n/g, '\n'));
  const spf = r.spf === false ? 'none' : r.spf.status.result;
  const dkim = r.dkim.results.map((d) => `${d.status.result}${d.signingDomain ? `(d=${d.signingDomain})` : ''}`);
  const d = r.dmarc;
  const dmarc: DmarcOutcome | null =
    d === false
      ? null
      : {
          result: d.status.result,
          from: d.status.header?.from ?? d.domain,
          policy: (POLICIES.has(d.policy) ? d.policy : 'none') as DmarcPolicy,
          record: d.rr ?? '',
        };
  const dkimText = dkim.length === 0 ? 'none' : dkim.join(',');
  const dmarcText = dmarc === null ? 'none' : `${dmarc.result}(p=${dmarc.policy} from=${dmarc.from})`;
  return {
    fields,
    spf,
    dkim,
    dmarc,
    arc,
    summary: `spf=${spf} dkim=${dkimText} dmarc=${dmarcText} arc=${arcSummary(arc)}`,
  };
}
