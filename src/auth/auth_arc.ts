/**
 * auth_arc: the ARC part (RFC 8617) of the inbound checks. mailauth's
 * authenticate() validates the chain with affix's resolver (ARC-Seal and
 * the newest ARC-Message-Signature, keys fetched like DKIM keys); this
 * turns its answer into affix's outcome — pass, fail or none, the instance
 * and the reason of a failure — and makes sure the Authentication-Results:
 * field says `arc=` every time: mailauth's lenient mode leaves `arc=none`
 * out, so it is put where mailauth puts the other results, between spf=
 * and dmarc=.
 *
 * Security: the chain is untrusted; its result is reported, never acted on
 *   (a passing chain does not override DMARC); the text added is fixed
 * Standards: RFC 8617 sections 5.2 (validation) and 6 (arc= in
 *   Authentication-Results), RFC 8601 section 2.7
 */

/** What authenticate() returns as `arc` (false when ARC was not checked). */
export interface MailauthArc {
  readonly status: { readonly result: string; readonly comment?: string };
  readonly i?: number | false;
}

export type ArcResult = 'pass' | 'fail' | 'none';

export interface ArcOutcome {
  readonly result: ArcResult;
  /** The newest instance of the chain, 0 when there is none. */
  readonly instance: number;
  /** Why the chain failed (mailauth's comment), '' otherwise. */
  readonly reason: string;
}

/** affix's outcome for mailauth's `arc` result. */
export function arcOutcome(arc: MailauthArc | false): ArcOutcome {
  if (arc === false) return { result: 'none', instance: 0, reason: '' };
  const r = arc.status.result;
  const result: ArcResult = r === 'pass' || r === 'fail' ? r : 'none';
  return {
    result,
    instance: typeof arc.i === 'number' ? arc.i : 0,
    reason: result === 'fail' ? (arc.status.comment ?? '') : '',
  };
}

/** The outcome as the summary log line shows it: `pass(i=2)`, `fail(i=1 no valid signature)`, `none`. */
export function arcSummary(arc: ArcOutcome): string {
  if (arc.result === 'none') return 'none';
  return `${arc.result}(${arc.reason === '' ? `i=${arc.instance}` : arc.reason})`;
}

const unfold = (s: string) => s.replace(/\r?\n/g, '');

/**
 * The Authentication-Results: field `field` (CRLF-folded, results
 * separated by `;` CRLF SP, as mailauth writes it) with `arc=none` added:
 * before the dmarc= result, whose text (`dmarcInfo`, unfolded) is known,
 * or at the end when there is none. For an outcome of none only (mailauth
 * writes pass and fail itself); whether the field already says arc= is not
 * guessed from its text, which holds values taken from the message.
 */
export function withArcNone(field: string, dmarcInfo: string | null): string {
  const sep = ';\r\n ';
  const entries = field.split(sep);
  if (dmarcInfo !== null) {
    const want = unfold(dmarcInfo);
    // The dmarc= result is the last one (BIMI is off); it may be folded itself.
    for (let i = entries.length - 1; i > 0; i--) {
      if (!entries[i]!.startsWith('dmarc=')) continue;
      if (unfold(entries.slice(i).join(sep)) !== want) continue;
      return [...entries.slice(0, i), 'arc=none', ...entries.slice(i)].join(sep);
    }
  }
  return `${field}${sep}arc=none`;
}
