/**
 * mail_date: mail_date(), the RFC 5322 date of the headers affix writes
 * (a missing Date:, smtpd's Received:, bounces): local time, the offset from
 * UTC and the zone's name, `Sun, 29 Nov 2026 09:05:17 +0000 (UTC)`. Days 1-9 are padded with
 * a blank, as Postfix 3.7 prints them (`Fri,  4 Dec 2026`; 3.9 uses a zero).
 *
 * Standards: RFC 5322 section 3.3
 * See: postfix/src/global/mail_date.c
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number): string => String(n).padStart(2, '0');

// Building an Intl formatter costs far more than using one: build it once.
const ZONE_FORMAT = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });

/** The local time zone's abbreviation at `d`, as %Z prints it where Intl knows one. */
function zoneName(d: Date): string {
  return ZONE_FORMAT.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
}

/** The date of `ms` (milliseconds since the epoch) in the process's time zone. */
export function mailDate(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = zoneName(d);
  return (
    `${DAYS[d.getDay()]}, ${String(d.getDate()).padStart(2, ' ')} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ` +
    `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)} (${zone})`
  );
}

/** `YYYYMMDDhhmmss` in UTC, the time part of a generated Message-Id. */
export function messageIdStamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}` +
    `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`
  );
}
