/**
 * doctor: `affix doctor` as a library: runs the chosen check families (all
 * but the test send by default; one with `affix doctor CHECK`; the score
 * with the checks it sums) over one DoctorRun, so the log and queue are
 * read once, and returns the findings with the exit status. A check that
 * throws becomes an error finding; the others still run.
 *
 * See: doctor_finding.ts (what a finding is), doctor_report.ts (how it is shown)
 */
import { type Check, type DoctorInputs, DoctorRun } from './doctor_context.ts';
import { dnsblCheck } from './doctor_dnsbl.ts';
import { domainCheck } from './doctor_domain.ts';
import { type CheckName, exitStatus, type Finding, finding, sortFindings } from './doctor_finding.ts';
import { logHealthCheck } from './doctor_loghealth.ts';
import { mailboxCheck } from './doctor_mailbox.ts';
import { queueCheck } from './doctor_queue_check.ts';
import { rdnsCheck } from './doctor_rdns.ts';
import { relayCheck } from './doctor_relay.ts';
import { scoreCheck } from './doctor_score.ts';
import { sendTestCheck } from './doctor_send_test.ts';
import { tlsCheck } from './doctor_tls.ts';

export const CHECKS: Readonly<Record<CheckName, Check>> = {
  relay: relayCheck,
  tls: tlsCheck,
  rdns: rdnsCheck,
  dnsbl: dnsblCheck,
  domain: domainCheck,
  mailbox: mailboxCheck,
  queue: queueCheck,
  log: logHealthCheck,
  'send-test': sendTestCheck,
  score: scoreCheck,
};

const NEEDS_DNS: ReadonlySet<CheckName> = new Set(['rdns', 'dnsbl', 'domain']);

/** The checks to run for `selected` (null: the full examination). */
export function plannedChecks(selected: CheckName | null): CheckName[] {
  if (selected === null) return ['relay', 'tls', 'rdns', 'dnsbl', 'domain', 'mailbox', 'queue', 'log', 'score'];
  if (selected === 'score') return ['tls', 'rdns', 'dnsbl', 'domain', 'score'];
  return [selected];
}

export interface DoctorResult {
  readonly checks: readonly CheckName[];
  /** Worst first. */
  readonly findings: readonly Finding[];
  readonly status: number;
  readonly run: DoctorRun;
}

export async function runDoctor(inputs: DoctorInputs, selected: CheckName | null): Promise<DoctorResult> {
  const run = new DoctorRun(inputs);
  const checks = plannedChecks(selected);
  if (checks.some((c) => NEEDS_DNS.has(c))) {
    const down = await run.checkDns();
    if (down !== null) run.inputFindings.push(down);
  }
  for (const name of checks) {
    if (NEEDS_DNS.has(name) && run.inputs.dns === null) {
      run.findings.push(
        finding({
          severity: 'info',
          check: name,
          id: `${name}.offline`,
          title: `${name}: DNS lookups skipped (offline); only the log was read`,
          evidence: [],
          cause: 'the doctor was told not to use the DNS',
          fix: 'run without --offline (and with --resolver HOST:PORT to choose the DNS server)',
        }),
      );
    }
    try {
      run.findings.push(...(await CHECKS[name](run)));
    } catch (err) {
      run.findings.push(
        finding({
          severity: 'error',
          check: name,
          id: `${name}.failed`,
          title: `the ${name} check failed: ${(err as Error).message}`,
          evidence: [((err as Error).stack ?? String(err)).split('\n').slice(0, 4).join(' | ')],
          cause: 'an unexpected error inside the doctor (a bug): the other checks ran',
          fix: 'report it with this output',
        }),
      );
    }
  }
  const findings = sortFindings([...run.findings, ...run.inputFindings]);
  return { checks, findings, status: exitStatus(findings), run };
}
