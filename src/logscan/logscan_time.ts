/**
 * logscan_time: turns a log line's time stamp into milliseconds since the
 * epoch. Traditional stamps (`Nov  1 09:05:17` from syslog, `Nov 01
 * 09:05:17` from postlogd, journalctl's default) have no year and are local
 * time: the clock takes the year it is given, and moves to the next year
 * when the month wraps from December to January. RFC 3339 stamps
 * (`2026-11-29T09:05:17.012345+00:00`, and journalctl's `+0000` form) are
 * exact. Logs repeat the same second many times, so the last stamp is cached.
 *
 * See: postfix/src/util/msg_logger.c (postlogd's strftime "%b %d %H:%M:%S")
 */

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
/** Stamps up to this long are cached (RFC 3339 with microseconds and zone: 32). */
const MAX_CACHED = 40;
const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/;

/** The month (0-11) of a traditional stamp, or -1 when `stamp` does not start with a month name. */
export function stampMonth(stamp: string, start = 0): number {
  // three characters compared in place: no substring, no property lookup
  for (let m = 0; m < 12; m++) {
    const i = m * 3;
    if (
      stamp.charCodeAt(start) === MONTHS.charCodeAt(i) &&
      stamp.charCodeAt(start + 1) === MONTHS.charCodeAt(i + 1) &&
      stamp.charCodeAt(start + 2) === MONTHS.charCodeAt(i + 2)
    ) {
      return m;
    }
  }
  return -1;
}

/** The decimal digit at `i`, NaN for another character. */
function digit(line: string, i: number): number {
  const c = line.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/** Milliseconds of an RFC 3339 / ISO 8601 stamp, NaN when malformed. */
export function isoStampTime(stamp: string): number {
  const m = ISO.exec(stamp);
  if (m === null) return Number.NaN;
  const zone = m[8];
  const frac = m[7] === undefined ? 0 : Math.floor(Number(m[7]) * 1000);
  const fields = [Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])] as const;
  if (zone === undefined) return new Date(...fields, frac).getTime();
  let ms = Date.UTC(...fields, frac);
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.replace(':', '');
    ms -= sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  }
  return ms;
}

/**
 * The clock of one log read in order: converts stamps, tracks the year of
 * traditional stamps across a December-January wrap.
 */
export class StampClock {
  #year: number | undefined;
  readonly #reference: Date | undefined;
  #lastMonth = -1;
  /**
   * The characters of the last stamp converted, and its length (-1: none):
   * the next line's stamp is compared with them in place, no stamp cut.
   */
  readonly #lastStamp = new Uint16Array(MAX_CACHED);
  #lastLength = -1;
  #lastTime = Number.NaN;
  #hourKey = -1;
  #hourTime = Number.NaN;

  /**
   * `year` is the year of the first traditional stamp. Without it the clock
   * takes the year of `reference` (default: now; a log file's modification
   * time is better), or the year before when the first stamp's month lies
   * after the reference's month (pflogsumm's rule).
   */
  constructor(year?: number, reference?: Date) {
    this.#year = year;
    this.#reference = reference;
  }

  /**
   * Milliseconds since the epoch of the traditional stamp `Mmm dd
   * hh:mm:ss[.frac]` that `text` has from `start` to `end` (a line, or a
   * line inside a chunk of lines); NaN when malformed. Takes offsets rather
   * than the stamp, so the common case (the same second as the line before)
   * costs one comparison and no string.
   */
  traditional(text: string, start: number, end: number): number {
    if (this.#sameStamp(text, start, end)) return this.#lastTime;
    const month = stampMonth(text, start);
    const day = (text.charCodeAt(start + 4) === 32 ? 0 : digit(text, start + 4) * 10) + digit(text, start + 5);
    const h = digit(text, start + 7) * 10 + digit(text, start + 8);
    const m = digit(text, start + 10) * 10 + digit(text, start + 11);
    const s = digit(text, start + 13) * 10 + digit(text, start + 14);
    if (month < 0 || !(day >= 1 && day <= 31) || !(h <= 23) || !(m <= 59) || !(s <= 60)) return Number.NaN;
    if (this.#year === undefined) {
      const ref = this.#reference ?? new Date();
      this.#year = month > ref.getMonth() ? ref.getFullYear() - 1 : ref.getFullYear();
    } else if (this.#lastMonth >= 0 && month < this.#lastMonth - 6) {
      this.#year += 1;
    }
    this.#lastMonth = month;
    const frac =
      end - start > 16 && text.charCodeAt(start + 15) === 46
        ? Math.floor(Number(text.slice(start + 15, end)) * 1000)
        : 0;
    this.#remember(text, start, end);
    this.#lastTime = this.#hourStart(month, day, h) + m * 60_000 + s * 1000 + frac;
    return this.#lastTime;
  }

  /** Local hh:00 of the day, cached: local-time conversion is slow, and DST moves whole hours. */
  #hourStart(month: number, day: number, h: number): number {
    const key = ((this.#year! * 12 + month) * 32 + day) * 24 + h;
    if (key !== this.#hourKey) {
      this.#hourKey = key;
      this.#hourTime = new Date(this.#year!, month, day, h).getTime();
    }
    return this.#hourTime;
  }

  /** Milliseconds since the epoch of the ISO stamp `text` has from `start` to `end` (cached like traditional ones). */
  iso(text: string, start: number, end: number): number {
    if (this.#sameStamp(text, start, end)) return this.#lastTime;
    this.#remember(text, start, end);
    this.#lastTime = isoStampTime(text.slice(start, end));
    return this.#lastTime;
  }

  #remember(text: string, start: number, end: number): void {
    const length = end - start;
    this.#lastLength = length <= MAX_CACHED ? length : -1;
    for (let i = 0; i < length && i < MAX_CACHED; i++) this.#lastStamp[i] = text.charCodeAt(start + i);
  }

  /** True when `text` has the same stamp from `start` to `end` as the last line converted. */
  #sameStamp(text: string, start: number, end: number): boolean {
    if (end - start !== this.#lastLength) return false;
    const last = this.#lastStamp;
    // from the end: the seconds differ first
    for (let i = end - start - 1; i >= 0; i--) if (text.charCodeAt(start + i) !== last[i]) return false;
    return true;
  }
}
