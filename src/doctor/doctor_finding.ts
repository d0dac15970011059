/**
 * doctor_finding: what `affix doctor` reports. A Finding is one problem
 * (or one thing found in order): its severity, the check family that
 * found it, the evidence (log lines, queue IDs, DNS answers, certificate
 * fields), the cause in plain words and the fix (the main.cf line, the
 * DNS record to publish, the command to run). The exit status follows the
 * worst severity: 0 clean, 1 warnings, 2 errors.
 */

/** Worst first. `critical` is an error that endangers others (an open relay). */
export const SEVERITIES = ['critical', 'error', 'warning', 'info', 'ok'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The check families, in the order they run and are listed (`affix doctor CHECK` runs one). */
export const CHECK_NAMES = [
  'relay',
  'tls',
  'rdns',
  'dnsbl',
  'domain',
  'mailbox',
  'queue',
  'log',
  'send-test',
  'score',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** Other words admins use for a check. */
export const CHECK_ALIASES: Readonly<Record<string, CheckName>> = {
  'open-relay': 'relay',
  starttls: 'tls',
  certificate: 'tls',
  ptr: 'rdns',
  'reverse-dns': 'rdns',
  fcrdns: 'rdns',
  helo: 'rdns',
  blacklist: 'dnsbl',
  blocklist: 'dnsbl',
  rbl: 'dnsbl',
  spf: 'domain',
  dkim: 'domain',
  dmarc: 'domain',
  mx: 'domain',
  dns: 'domain',
  'mailbox-full': 'mailbox',
  'user-unknown': 'mailbox',
  deferred: 'queue',
  qshape: 'queue',
  logs: 'log',
  health: 'log',
  sendtest: 'send-test',
  test: 'send-test',
  deliverability: 'score',
};

/** The one-line title of each check family in the report. */
export const CHECK_TITLES: Readonly<Record<CheckName, string>> = {
  relay: 'relay access and open relay',
  tls: 'TLS certificates and TLS failures',
  rdns: 'reverse DNS, FCrDNS and HELO',
  dnsbl: 'blacklists (DNSBL)',
  domain: 'SPF, DKIM, DMARC, MX',
  mailbox: 'mailbox full and user unknown',
  queue: 'deferred queue',
  log: 'log health',
  'send-test': 'test message',
  score: 'deliverability summary',
};

/** What a finding costs deliverability, for the summary score (check 10). */
export const FACTORS = ['spf', 'dkim', 'dmarc', 'ptr', 'helo', 'tls', 'blacklist', 'mx'] as const;
export type Factor = (typeof FACTORS)[number];

export interface Impact {
  readonly factor: Factor;
  /** Points lost out of 10. */
  readonly points: number;
}

export interface Finding {
  readonly severity: Severity;
  readonly check: CheckName;
  /** A stable name for tools and tests: `relay.denied`, `tls.cert_expired`, `dnsbl.listed` ... */
  readonly id: string;
  /** One line: what was found. */
  readonly title: string;
  /** What shows it: log lines, queue IDs, DNS answers, certificate fields, main.cf lines. */
  readonly evidence: readonly string[];
  /** Why, in plain words. */
  readonly cause: string;
  /** What to do: the exact main.cf lines, the DNS record to publish, the command to run ('' when nothing). */
  readonly fix: string;
  readonly impact?: Impact;
}

/** Most evidence lines kept per finding; the rest are counted. */
export const MAX_EVIDENCE = 12;

/** A finding, its evidence cut to MAX_EVIDENCE lines (`... and N more`). */
export function finding(f: Finding): Finding {
  if (f.evidence.length <= MAX_EVIDENCE) return f;
  const more = f.evidence.length - (MAX_EVIDENCE - 1);
  return { ...f, evidence: [...f.evidence.slice(0, MAX_EVIDENCE - 1), `... and ${more} more`] };
}

/** A check's finding constructor: the fields in order, then the points lost (when it has a factor). */
export type FindingMaker = (
  severity: Severity,
  id: string,
  title: string,
  evidence: readonly string[],
  cause: string,
  fix: string,
  points?: number,
) => Finding;

/**
 * The finding constructor of check `check`; with `factor`, a finding given
 * points > 0 carries that impact on the deliverability score.
 */
export function findingMaker(check: CheckName, factor?: Factor): FindingMaker {
  return (severity, id, title, evidence, cause, fix, points = 0) =>
    finding({
      severity,
      check,
      id,
      title,
      evidence: [...evidence],
      cause,
      fix,
      ...(factor !== undefined && points > 0 ? { impact: { factor, points } } : {}),
    });
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The worst severity among `findings`, or `ok` when there are none. */
export function worstSeverity(findings: readonly Finding[]): Severity {
  let worst: Severity = 'ok';
  for (const f of findings) if (severityRank(f.severity) < severityRank(worst)) worst = f.severity;
  return worst;
}

/** The exit status: 2 for errors (critical included), 1 for warnings, 0 otherwise. */
export function exitStatus(findings: readonly Finding[]): number {
  const worst = worstSeverity(findings);
  if (worst === 'critical' || worst === 'error') return 2;
  return worst === 'warning' ? 1 : 0;
}

/** Findings ordered worst first, then by check order (stable within both). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      CHECK_NAMES.indexOf(a.check) - CHECK_NAMES.indexOf(b.check),
  );
}

/** `1 message`, `3 messages`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
