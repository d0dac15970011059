/**
 * doctor_qshape: a queue's shape as Postfix's qshape(1) prints it: one row
 * per destination domain (TOTAL first), one column per age bucket in
 * minutes (T, then 5 10 20 40 80 160 320 640 1280 1280+: each bucket holds
 * the recipients at most that old and older than the previous one).
 *
 * See: postfix/auxiliary/qshape/qshape.pl
 */
import { addressDomain } from './doctor_reasons.ts';

/** Upper bounds of the buckets, minutes; the last bucket is everything older. */
export const QSHAPE_BUCKETS = [5, 10, 20, 40, 80, 160, 320, 640, 1280] as const;

export interface QshapeItem {
  readonly address: string;
  /** Arrival, ms since the epoch. */
  readonly arrival: number;
}

export interface QshapeRow {
  readonly domain: string;
  readonly total: number;
  /** Counts per bucket (QSHAPE_BUCKETS.length + 1). */
  readonly buckets: readonly number[];
}

function bucketOf(ageMinutes: number): number {
  const i = QSHAPE_BUCKETS.findIndex((b) => ageMinutes <= b);
  return i < 0 ? QSHAPE_BUCKETS.length : i;
}

/** Rows by recipient domain, most recipients first (at most `top`), TOTAL first. */
export function qshape(items: readonly QshapeItem[], now: number, top = 10): QshapeRow[] {
  const rows = new Map<string, number[]>();
  const total = new Array<number>(QSHAPE_BUCKETS.length + 1).fill(0);
  for (const it of items) {
    const b = bucketOf(Math.max(0, (now - it.arrival) / 60_000));
    const d = addressDomain(it.address);
    let row = rows.get(d);
    if (row === undefined) {
      row = new Array<number>(QSHAPE_BUCKETS.length + 1).fill(0);
      rows.set(d, row);
    }
    row[b]!++;
    total[b]!++;
  }
  const sum = (r: readonly number[]) => r.reduce((a, b) => a + b, 0);
  const sorted = [...rows.entries()].sort((a, b) => sum(b[1]) - sum(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, top);
  return [
    { domain: 'TOTAL', total: sum(total), buckets: total },
    ...sorted.map(([domain, b]) => ({ domain, total: sum(b), buckets: b })),
  ];
}

/** The rows as qshape's table, one string per line. */
export function formatQshape(rows: readonly QshapeRow[]): string[] {
  const headers = ['T', ...QSHAPE_BUCKETS.map(String), `${QSHAPE_BUCKETS[QSHAPE_BUCKETS.length - 1]}+`];
  const cells = rows.map((r) => [String(r.total), ...r.buckets.map(String)]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const nameWidth = Math.max(5, ...rows.map((r) => r.domain.length));
  const line = (name: string, values: readonly string[]) =>
    `${name.padStart(nameWidth)} ${values.map((v, i) => v.padStart(widths[i]!)).join(' ')}`;
  return [line('', headers), ...rows.map((r, i) => line(r.domain, cells[i]!))];
}
