/**
 * doctor_score: check 10, the deliverability summary: one score out of 10,
 * like the mail testers admins use, but from the server's own side, and
 * the short list of what hurts most. Each finding of the other checks may
 * carry an impact (factor and points: a missing PTR costs 2.5, a listing
 * in Spamhaus 3 ...); points add up per factor, each factor capped, and
 * are taken from 10. Factors the run could not check (no DNS, no public
 * IP) are named, so a high score is not mistaken for a full one.
 */
import type { DoctorRun } from './doctor_context.ts';
import { type Factor, type Finding, finding } from './doctor_finding.ts';

/** The most a factor can cost. */
export const FACTOR_CAPS: Readonly<Record<Factor, number>> = {
  spf: 2.5,
  dkim: 1.5,
  dmarc: 1.5,
  ptr: 2.5,
  helo: 1.5,
  tls: 1.5,
  blacklist: 5,
  mx: 2,
};

const FACTOR_NAMES: Readonly<Record<Factor, string>> = {
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  ptr: 'reverse DNS (PTR)',
  helo: 'HELO name',
  tls: 'TLS',
  blacklist: 'blacklists',
  mx: 'MX',
};

export interface Score {
  readonly score: number;
  /** Points lost per factor (after caps), largest first. */
  readonly losses: readonly {
    readonly factor: Factor;
    readonly points: number;
    readonly findings: readonly Finding[];
  }[];
  readonly unchecked: readonly string[];
}

export function computeScore(findings: readonly Finding[]): Omit<Score, 'unchecked'> {
  const per = new Map<Factor, { points: number; findings: Finding[] }>();
  for (const f of findings) {
    if (f.impact === undefined) continue;
    const e = per.get(f.impact.factor) ?? { points: 0, findings: [] };
    e.points += f.impact.points;
    e.findings.push(f);
    per.set(f.impact.factor, e);
  }
  const losses = [...per.entries()]
    .map(([factor, e]) => ({ factor, points: Math.min(FACTOR_CAPS[factor], e.points), findings: e.findings }))
    .sort((a, b) => b.points - a.points);
  const lost = losses.reduce((n, l) => n + l.points, 0);
  return { score: Math.max(0, Math.round((10 - lost) * 10) / 10), losses };
}

export async function scoreCheck(run: DoctorRun): Promise<Finding[]> {
  const { score, losses } = computeScore(run.findings);
  const unchecked: string[] = [];
  if (run.dns === null) unchecked.push('SPF, DKIM, DMARC, PTR, blacklists (offline: no DNS)');
  else if (run.sendingIps().length === 0)
    unchecked.push('PTR, blacklists and SPF coverage (no public IP known: --public-ip)');
  if ((await run.sendingDomains()).length === 0) unchecked.push('SPF, DKIM, DMARC (no sending domain known: --domain)');
  const evidence = [
    ...losses.map(
      (l) =>
        `-${l.points} ${FACTOR_NAMES[l.factor]}: ${l.findings
          .map((f) => f.title)
          .slice(0, 2)
          .join('; ')}`,
    ),
    ...(losses.length === 0 ? ['nothing found that costs deliverability'] : []),
    ...unchecked.map((u) => `not checked: ${u}`),
  ];
  const worst = losses[0];
  return [
    finding({
      severity: score >= 9 && unchecked.length === 0 ? 'ok' : 'info',
      check: 'score',
      id: 'score.deliverability',
      title: `deliverability score ${score}/10${unchecked.length > 0 ? ' (partial)' : ''}${worst === undefined ? '' : `; what hurts most: ${FACTOR_NAMES[worst.factor]}`}`,
      evidence,
      cause:
        worst === undefined
          ? 'SPF, DKIM, DMARC, PTR, HELO, TLS and blacklists are in order as far as checked'
          : `receivers weigh ${losses.map((l) => FACTOR_NAMES[l.factor]).join(', ')}: each problem above makes mail from this host more likely to be junked or refused`,
      fix:
        worst === undefined ? '' : `start with ${FACTOR_NAMES[worst.factor]}: ${worst.findings[0]!.fix.split('\n')[0]}`,
    }),
  ];
}
