/**
 * qmgr_feedback: the concurrency feedback a delivery result gives a
 * destination: a constant (`1`, `0.5`, `1/4`) or a share of the window
 * (`1/concurrency`), from `<transport>_destination_concurrency_positive_feedback`
 * and `_negative_feedback`.
 *
 * Parameters: default_destination_concurrency_positive_feedback,
 *   default_destination_concurrency_negative_feedback, and their per-transport forms
 * Diagnostics: warning `NAME: ignoring malformed or unreasonable feedback: VALUE`
 *   (then 1 is used)
 * See: postfix/src/qmgr/qmgr_feedback.c
 */

export interface QmgrFeedback {
  /** true: base / window (`N/concurrency`); false: base. */
  readonly perWindow: boolean;
  readonly base: number;
}

/** QMGR_FEEDBACK_VAL(): the adjustment at concurrency `window`. */
export function feedbackValue(fb: QmgrFeedback, window: number): number {
  return fb.perWindow ? fb.base / window : fb.base;
}

/** qmgr_feedback_init(): parses a value; null when it is malformed or outside 0..1. */
export function parseFeedback(value: string): QmgrFeedback | null {
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:\/\s*(\S+))?\s*$/.exec(value);
  if (m === null) return null;
  const num = Number(m[1]);
  const denom = m[2];
  let fb: QmgrFeedback | null;
  if (denom === undefined) fb = { perWindow: false, base: num };
  else if (denom === 'concurrency') fb = { perWindow: true, base: num };
  else {
    const d = Number(denom);
    fb = Number.isFinite(d) && d >= 1 / 2147483647 && num >= 0 ? { perWindow: false, base: num / d } : null;
  }
  return fb !== null && fb.base >= 0 && fb.base <= 1 ? fb : null;
}
