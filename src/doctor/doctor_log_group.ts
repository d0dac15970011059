/**
 * doctor_log_group: the small record the doctor keeps per kind of log
 * event instead of the lines themselves: a count, the first and last time,
 * and a few sample lines (copied, so they keep no read buffer alive), and a
 * bounded map of such groups, so the doctor's memory stays small however
 * large the log.
 */
import { detach } from '../logscan/logscan_counter.ts';
import type { LogEntry } from '../logscan/logscan_event.ts';

/** Sample lines kept per group. */
export const SAMPLES = 3;

export interface LineGroup {
  count: number;
  /** Milliseconds since the epoch; NaN when the lines had no time stamp. */
  firstTime: number;
  lastTime: number;
  /** The first lines seen (at most SAMPLES), whole, as evidence. */
  readonly samples: string[];
}

export function newGroup(): LineGroup {
  return { count: 0, firstTime: Number.NaN, lastTime: Number.NaN, samples: [] };
}

/** Counts `entry` in `g` and keeps its line while there is room. */
export function addLine(g: LineGroup, entry: LogEntry): void {
  g.count++;
  const t = entry.frame.time;
  if (!Number.isNaN(t)) {
    if (Number.isNaN(g.firstTime)) g.firstTime = t;
    g.lastTime = t;
  }
  if (g.samples.length < SAMPLES) g.samples.push(detach(entry.frame.line));
}

/** Adds `value` to a small list of distinct values (at most `max`). */
export function addDistinct(list: string[], value: string | null | undefined, max = 5): void {
  if (value === null || value === undefined || value === '' || list.length >= max) return;
  if (!list.includes(value)) list.push(detach(value));
}

/**
 * Groups by key, at most `maxKeys` of them; later keys are only counted in
 * `overflow`, so a log with millions of distinct reasons stays bounded.
 */
export class GroupMap<G> {
  readonly #groups = new Map<string, G>();
  readonly #maxKeys: number;
  overflow = 0;

  constructor(maxKeys = 2000) {
    this.#maxKeys = maxKeys;
  }

  /** The group of `key`, made by `make` on first use; null when the map is full. */
  get(key: string, make: () => G): G | null {
    let g = this.#groups.get(key);
    if (g === undefined) {
      if (this.#groups.size >= this.#maxKeys) {
        this.overflow++;
        return null;
      }
      g = make();
      this.#groups.set(detach(key), g);
    }
    return g;
  }

  /** The group of `key` if there is one. */
  find(key: string): G | undefined {
    return this.#groups.get(key);
  }

  values(): G[] {
    return [...this.#groups.values()];
  }

  get size(): number {
    return this.#groups.size;
  }
}

/** `2026-11-29 09:05:17` in local time (as the log's stamps), or '' for NaN. */
export function shortTime(ms: number): string {
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** `3 times between 2026-11-29 09:05:17 and 2026-11-29 09:13:44` (or `once at ...`). */
export function whenText(g: LineGroup): string {
  if (Number.isNaN(g.firstTime)) return g.count === 1 ? 'once' : `${g.count} times`;
  if (g.count === 1) return `once, at ${shortTime(g.firstTime)}`;
  return `${g.count} times, ${shortTime(g.firstTime)} to ${shortTime(g.lastTime)}`;
}
