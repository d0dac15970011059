/**
 * log_time: the time stamps of log records and rotated files, in local time
 * and the C locale: `Nov 01 09:05:17` for maillog_file (postlogd's strftime
 * "%b %d %H:%M:%S"), `Nov  1 09:05:17` for syslog (RFC 3164, day padded with
 * a space), and strftime(3) for maillog_file_rotate_suffix.
 *
 * Parameters: maillog_file_rotate_suffix
 * Standards: RFC 3164 section 4.1.2 (TIMESTAMP)
 * See: postfix/src/util/msg_logger.c (msg_logger_print), postfix/conf/postfix-script (logrotate)
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function hms(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** `Nov 01 09:05:17`: the time stamp postlogd writes to maillog_file (day zero-padded). */
export function fileStamp(d: Date): string {
  return `${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${hms(d)}`;
}

/** `Nov  1 09:05:17`: the RFC 3164 time stamp of a syslog datagram (day space-padded). */
export function syslogStamp(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${hms(d)}`;
}

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  const utcDays = (x: Date) => Date.UTC(x.getFullYear(), x.getMonth(), x.getDate()) / 86_400_000;
  return utcDays(d) - utcDays(start) + 1;
}

function zone(d: Date): string {
  const off = -d.getTimezoneOffset();
  const abs = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

/** strftime(3) conversions, C locale, local time. */
const CONVERSIONS: Readonly<Record<string, (d: Date) => string>> = {
  a: (d) => DAYS[d.getDay()]!,
  A: (d) => DAY_NAMES[d.getDay()]!,
  b: (d) => MONTHS[d.getMonth()]!,
  h: (d) => MONTHS[d.getMonth()]!,
  B: (d) => MONTH_NAMES[d.getMonth()]!,
  C: (d) => pad2(Math.floor(d.getFullYear() / 100)),
  d: (d) => pad2(d.getDate()),
  D: (d) => `${pad2(d.getMonth() + 1)}/${pad2(d.getDate())}/${pad2(d.getFullYear() % 100)}`,
  e: (d) => (d.getDate() < 10 ? ` ${d.getDate()}` : String(d.getDate())),
  F: (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`,
  H: (d) => pad2(d.getHours()),
  I: (d) => pad2(d.getHours() % 12 || 12),
  j: (d) => String(dayOfYear(d)).padStart(3, '0'),
  k: (d) => String(d.getHours()).padStart(2, ' '),
  l: (d) => String(d.getHours() % 12 || 12).padStart(2, ' '),
  m: (d) => pad2(d.getMonth() + 1),
  M: (d) => pad2(d.getMinutes()),
  n: () => '\n',
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  R: (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`,
  s: (d) => String(Math.floor(d.getTime() / 1000)),
  S: (d) => pad2(d.getSeconds()),
  t: () => '\t',
  T: hms,
  u: (d) => String(d.getDay() || 7),
  w: (d) => String(d.getDay()),
  y: (d) => pad2(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  z: zone,
  '%': () => '%',
};

/**
 * Formats `d` with a strftime(3) format, as `date +FORMAT` does in `postfix
 * logrotate`. A conversion this table lacks is kept as written.
 */
export function strftime(format: string, d: Date): string {
  return format.replace(/%(.)/gs, (all, c: string) => {
    const conv = CONVERSIONS[c];
    return conv === undefined ? all : conv(d);
  });
}

/**
 * One time stamp per second: logging runs several times per message, and
 * the broken-down local time changes only once a second.
 */
export class StampCache {
  readonly #format: (d: Date) => string;
  #second = Number.NaN;
  #stamp = '';

  constructor(format: (d: Date) => string) {
    this.#format = format;
  }

  /** The stamp for `ms` since the epoch. */
  at(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = this.#format(new Date(second * 1000));
    }
    return this.#stamp;
  }
}
