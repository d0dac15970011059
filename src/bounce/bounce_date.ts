/**
 * bounce_date: mail_date() for the dates a notification carries (its
 * Received: and Date: headers, Arrival-Date, Will-Retry-Until): local
 * time with the offset and the zone's name, `Sun, 29 Nov 2026 09:05:17
 * +0000 (UTC)`, days 1-9 padded with a blank as Postfix 3.7 prints them
 * (`Fri,  4 Dec 2026`). cleanup has the same function; bounce may not
 * import cleanup (same layer), so it keeps its own.
 *
 * Standards: RFC 5322 section 3.3
 * See: postfix/src/global/mail_date.c
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const two = (n: number): string => String(n).padStart(2, '0');

/** The date of `ms` (milliseconds since the epoch) in the process's time zone. */
export function bounceMailDate(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName')
      ?.value ?? 'UTC';
  return (
    `${DAYS[d.getDay()]}, ${String(d.getDate()).padStart(2, ' ')} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ` +
    `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)} (${zone})`
  );
}
