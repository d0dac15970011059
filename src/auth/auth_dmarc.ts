/**
 * auth_dmarc: what to do with a message after DMARC (RFC 7489 section 6.6):
 * a `fail` under `p=reject` is refused, under `p=quarantine` held or
 * marked, under `p=none` only reported. mailauth finds the record (with
 * `sp=` for a subdomain, `np=`, and the `t=y` test mode of RFC 9989) and
 * the alignment; this adds RFC 7489's `pct=`: the policy applies to that
 * share of failing messages, the others get the next milder one
 * (section 6.6.4: reject becomes quarantine, quarantine becomes none).
 *
 * Parameters: affix_dmarc_enforce, affix_dmarc_reject_code, affix_dmarc_quarantine_action
 * Standards: RFC 7489 sections 6.3 (pct), 6.6.4, 6.6.2; RFC 9989
 */
import type { Params } from '../config/params.ts';

export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

/** The parts of mailauth's DMARC result this needs. */
export interface DmarcOutcome {
  readonly result: string;
  /** The Author Domain (header.from). */
  readonly from: string;
  /** The policy mailauth found (p, sp or np; one level lower with t=y). */
  readonly policy: DmarcPolicy;
  /** The record, for pct=. */
  readonly record: string;
}

export interface DmarcDisposition {
  readonly action: 'accept' | 'reject' | 'quarantine';
  /** The policy that applied, after pct=. */
  readonly applied: DmarcPolicy;
  readonly pct: number;
}

const MILDER: Readonly<Record<DmarcPolicy, DmarcPolicy>> = { reject: 'quarantine', quarantine: 'none', none: 'none' };

/** The pct= of a record (0..100; 100 when absent or malformed, as section 6.3 says). */
export function dmarcPct(record: string): number {
  const m = /(?:^|;)\s*pct\s*=\s*(\d{1,3})\s*(?:;|$)/i.exec(record);
  if (m === null) return 100;
  const n = Number(m[1]);
  return Math.min(n, 100);
}

/** Applies the policy of a DMARC outcome; `random` in [0, 1) samples pct=. */
export function dmarcDisposition(
  outcome: DmarcOutcome | null,
  params: Pick<Params, 'affix_dmarc_enforce'>,
  random: () => number = Math.random,
): DmarcDisposition {
  if (outcome === null || outcome.result !== 'fail' || !params.affix_dmarc_enforce)
    return { action: 'accept', applied: outcome?.policy ?? 'none', pct: 100 };
  const pct = dmarcPct(outcome.record);
  const applied = pct >= 100 || random() * 100 < pct ? outcome.policy : MILDER[outcome.policy];
  return { action: applied === 'none' ? 'accept' : applied, applied, pct };
}

/** The refusal text OpenDMARC uses: `rejected by DMARC policy for example.org`. */
export function dmarcRejectText(outcome: DmarcOutcome): string {
  return `rejected by DMARC policy for ${outcome.from}`;
}
