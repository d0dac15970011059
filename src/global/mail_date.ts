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

// formatToParts() costs tens of microseconds, once per message; the name
// changes only with the offset (daylight saving), so it is kept for the
// hour and offset it was computed for.
let zoneCache = { hour: Number.NaN, offset: Number.NaN, name: '' };

/** The local time zone's abbreviation at `d` (whose UTC offset is `offset` minutes), as %Z prints it where Intl knows one. */
function zoneName(d: Date, offset: number): string {
  const hour = Math.floor(d.getTime() / 3_600_000);
  if (zoneCache.hour === hour && zoneCache.offset === offset) return zoneCache.name;
  const name = ZONE_FORMAT.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  zoneCache = { hour, offset, name };
  return name;
}

/** The date of `ms` (milliseconds since the epoch) in the process's time zone. */
export function mailDate(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = zoneName(d, offset);
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
