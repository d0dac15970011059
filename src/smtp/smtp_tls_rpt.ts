/**
 * smtp_tls_rpt: the smtp client's side of TLS-RPT (RFC 8460, an affix
 * extension): each TLS session to a destination with a DANE (TLSA) or
 * MTA-STS policy is counted as a success or a failure with its result
 * type, per policy domain and UTC day (auth_tlsrpt.ts), and each finished
 * day is written as one JSON aggregate report per policy domain into
 * affix_tlsrpt_report_directory, checked after every delivery and at close.
 * Reports are not sent. Counts of the current day live in memory: a stop
 * before midnight UTC loses them.
 *
 * Parameters: affix_tlsrpt_report_directory, affix_tlsrpt_organization, affix_tlsrpt_contact
 * Diagnostics: `warning: TLS-RPT: cannot write reports to DIR: ERROR` (the counts are kept)
 * Security: the policy domain names the report file, so only a plain host
 *   name is recorded
 * See: RFC 8460 sections 4 and 5.3
 */
import {
  TlsRptCollector as Collector,
  type TlsRptCollector,
  type TlsRptFailure,
  type TlsRptPolicy,
  type TlsRptReporter,
} from '../auth/auth_tlsrpt.ts';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { TlsPolicy } from './smtp_tls_level.ts';

export interface SmtpTlsRpt {
  readonly collector: TlsRptCollector;
  readonly dir: string;
  readonly reporter: TlsRptReporter;
}

/** The TLS-RPT state of an agent, or null when affix_tlsrpt_report_directory is empty. */
export function createTlsRpt(params: Params, now: () => number): SmtpTlsRpt | null {
  const dir = params.affix_tlsrpt_report_directory;
  if (dir === '') return null;
  return {
    collector: new Collector(now),
    dir,
    reporter: { organization: params.affix_tlsrpt_organization, contact: params.affix_tlsrpt_contact },
  };
}

const PLAIN_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+\.?$/i;

/** The TLS-RPT policy a session ran under: its TLSA records, its MTA-STS policy, or none worth reporting. */
export function tlsRptPolicy(domain: string, policy: TlsPolicy, host: string): TlsRptPolicy | null {
  if (!PLAIN_DOMAIN.test(domain)) return null;
  if (policy.tlsa !== undefined && policy.tlsa.length > 0) {
    return {
      type: 'tlsa',
      domain,
      strings: policy.tlsa.map((r) => `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex')}`),
      mxHost: [host],
    };
  }
  if (policy.sts !== undefined) {
    return {
      type: 'sts',
      domain,
      strings: policy.sts.policy.text.split(/\r?\n/).filter((l) => l.trim() !== ''),
      mxHost: [...policy.sts.policy.mx],
    };
  }
  return null;
}

/** The policy a failed MTA-STS policy fetch is reported under (RFC 8460 section 4.3.2.2). */
export function tlsRptNoStsPolicy(domain: string): TlsRptPolicy | null {
  return PLAIN_DOMAIN.test(domain) ? { type: 'sts', domain, strings: [], mxHost: [] } : null;
}

/** Counts one session (or one failure to get a policy) for `domain`. */
export function tlsRptRecord(rpt: SmtpTlsRpt | null, policy: TlsRptPolicy | null, failure: TlsRptFailure | null): void {
  if (rpt === null || policy === null) return;
  rpt.collector.record(policy, failure);
}

/** Writes the reports of finished days; a failure is logged and retried next time. */
export async function tlsRptFlush(rpt: SmtpTlsRpt | null, log: Log): Promise<void> {
  if (rpt === null) return;
  try {
    await rpt.collector.writeFinished(rpt.dir, rpt.reporter);
  } catch (err) {
    log.warn(`TLS-RPT: cannot write reports to ${rpt.dir}: ${(err as Error).message}`);
  }
}
