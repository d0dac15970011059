/**
 * auth_tlsrpt: SMTP TLS Reporting (RFC 8460) — counts the outcome of each
 * TLS session per policy domain and policy (MTA-STS, TLSA, none found) and
 * per failure (result type, sending and receiving address, MX host), per
 * UTC day, and writes each finished day as one aggregate report per policy
 * domain, in the RFC's JSON, to a directory. Sending the reports (to the
 * domain's `rua`) is left to the administrator.
 *
 * Diagnostics: write errors are returned, the counts are kept for a retry
 * Security: names and addresses come from DNS and the peer; they are JSON
 *   strings in the report, and file names use only the checked policy domain
 * Standards: RFC 8460 sections 4 and 5.3 (file naming)
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type TlsRptPolicyType = 'sts' | 'tlsa' | 'no-policy-found';

/** RFC 8460 section 4.3 result types. */
export type TlsRptResultType =
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure'
  | 'tlsa-invalid'
  | 'dnssec-invalid'
  | 'dane-required'
  | 'sts-policy-fetch-error'
  | 'sts-policy-invalid'
  | 'sts-webpki-invalid';

export interface TlsRptPolicy {
  readonly type: TlsRptPolicyType;
  readonly domain: string;
  /** The policy as text lines (MTA-STS policy file lines, or TLSA records `3 1 1 ab..`). */
  readonly strings: readonly string[];
  /** MTA-STS mx patterns, or the MX host of a TLSA policy. */
  readonly mxHost: readonly string[];
}

export interface TlsRptFailure {
  readonly resultType: TlsRptResultType;
  readonly sendingMtaIp?: string;
  readonly receivingMxHostname?: string;
  readonly receivingIp?: string;
  readonly failureReasonCode?: string;
}

interface PolicyCounts {
  readonly policy: TlsRptPolicy;
  success: number;
  failure: number;
  readonly failures: Map<string, { detail: TlsRptFailure; count: number }>;
}

export interface TlsRptReporter {
  readonly organization: string;
  readonly contact: string;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class TlsRptCollector {
  /** day -> policy domain -> policy key -> counts */
  readonly #days = new Map<string, Map<string, Map<string, PolicyCounts>>>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** One TLS session's outcome under `policy`; `failure` null for a success. */
  record(policy: TlsRptPolicy, failure: TlsRptFailure | null): void {
    const d = day(this.#clock());
    const domains = this.#days.get(d) ?? new Map<string, Map<string, PolicyCounts>>();
    this.#days.set(d, domains);
    const domain = policy.domain.toLowerCase();
    const policies = domains.get(domain) ?? new Map<string, PolicyCounts>();
    domains.set(domain, policies);
    const key = JSON.stringify([policy.type, policy.strings, policy.mxHost]);
    let counts = policies.get(key);
    if (counts === undefined) {
      counts = { policy, success: 0, failure: 0, failures: new Map() };
      policies.set(key, counts);
    }
    if (failure === null) {
      counts.success++;
      return;
    }
    counts.failure++;
    const fkey = JSON.stringify(failure);
    const f = counts.failures.get(fkey);
    if (f === undefined) counts.failures.set(fkey, { detail: failure, count: 1 });
    else f.count++;
  }

  /** The report for one policy domain on one day (`YYYY-MM-DD`), or null when nothing was recorded. */
  report(date: string, domain: string, reporter: TlsRptReporter, reportId: string = randomUUID()): object | null {
    const policies = this.#days.get(date)?.get(domain.toLowerCase());
    if (policies === undefined) return null;
    return {
      'organization-name': reporter.organization,
      'date-range': { 'start-datetime': `${date}T00:00:00Z`, 'end-datetime': `${date}T23:59:59Z` },
      'contact-info': reporter.contact,
      'report-id': reportId,
      policies: [...policies.values()].map((c) => ({
        policy: {
          'policy-type': c.policy.type,
          ...(c.policy.type === 'no-policy-found' ? {} : { 'policy-string': [...c.policy.strings] }),
          'policy-domain': c.policy.domain.toLowerCase(),
          ...(c.policy.mxHost.length > 0 ? { 'mx-host': [...c.policy.mxHost] } : {}),
        },
        summary: { 'total-successful-session-count': c.success, 'total-failure-session-count': c.failure },
        ...(c.failures.size > 0
          ? {
              'failure-details': [...c.failures.values()].map(({ detail, count }) => ({
                'result-type': detail.resultType,
                ...(detail.sendingMtaIp ? { 'sending-mta-ip': detail.sendingMtaIp } : {}),
                ...(detail.receivingMxHostname ? { 'receiving-mx-hostname': detail.receivingMxHostname } : {}),
                ...(detail.receivingIp ? { 'receiving-ip': detail.receivingIp } : {}),
                'failed-session-count': count,
                ...(detail.failureReasonCode ? { 'failure-reason-code': detail.failureReasonCode } : {}),
              })),
            }
          : {}),
      })),
    };
  }

  /**
   * Writes the reports of every day before today to `dir` as
   * `ORG!POLICY-DOMAIN!BEGIN!END!ID.json` (RFC 8460 section 5.3) and forgets
   * them; resolves to the files written.
   */
  async writeFinished(dir: string, reporter: TlsRptReporter): Promise<string[]> {
    const today = day(this.#clock());
    const written: string[] = [];
    for (const [date, domains] of [...this.#days.entries()].sort()) {
      if (date >= today) continue;
      for (const domain of [...domains.keys()]) {
        const id = randomUUID();
        const begin = Date.parse(`${date}T00:00:00Z`) / 1000;
        // The organization is configured text: keep it from naming another directory or field.
        const org = reporter.organization.replace(/[/!\\]/g, '_');
        const file = join(dir, `${org}!${domain}!${begin}!${begin + 86399}!${id}.json`);
        await writeFile(file, `${JSON.stringify(this.report(date, domain, reporter, id), null, 2)}\n`, { mode: 0o640 });
        written.push(file);
        // Forget each report once written, so a failure later in the loop does not write it twice.
        domains.delete(domain);
      }
      this.#days.delete(date);
    }
    return written;
  }
}
