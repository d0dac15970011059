/**
 * log_adhoc: the delivery status line every agent logs, formatted in one
 * place: `ID: to=<rcpt>, orig_to=<orig>, relay=R, conn_use=N, delay=D,
 * delays=a/b/c/d, dsn=X.Y.Z, status=S (text)`, with Postfix's rounding of
 * times (two significant digits, at most two decimals).
 *
 * See: postfix/src/global/log_adhoc.c, postfix/src/util/format_tv.c
 */

/** format_tv(): seconds and microseconds with `sigDig` significant and at most `maxDig` decimal digits. */
export function formatTv(sec: number, usec: number, sigDig = 2, maxDig = 2): string {
  const MILLION = 1_000_000;
  let ures = MILLION / 10 ** maxDig;
  const wid = 10 ** sigDig;
  if (ures < MILLION) {
    if (sec > 0) {
      let n = 1;
      while (sec >= n && n <= wid / 10) n *= 10;
      ures = (MILLION / wid) * n;
    } else {
      while (usec >= wid * ures) ures *= 10;
    }
  }
  if (ures > 1) {
    usec += Math.floor(ures / 2);
    if (usec >= MILLION) {
      sec += 1;
      usec -= MILLION;
    }
  }
  let out = String(sec);
  if (usec >= ures) {
    out += '.';
    for (let rem = usec, n = MILLION / 10; rem >= ures && n > 0; n = Math.floor(n / 10)) {
      out += String(Math.floor(rem / n));
      rem %= n;
    }
  }
  return out;
}

/** A duration in microseconds, as format_tv() prints it. */
export function formatDelay(micros: number): string {
  const clamped = Math.max(0, Math.round(micros));
  return formatTv(Math.floor(clamped / 1e6), clamped % 1e6);
}

export interface AdhocLine {
  readonly queueId: string;
  readonly recipient: string;
  /** The original recipient; shown as orig_to only when it differs (case-insensitively). */
  readonly original: string;
  readonly relay: string;
  /** Connection reuse count; shown when ≥ 2. */
  readonly connUse?: number;
  /** Microseconds: arrival → active, active → agent, connection setup, transmission. */
  readonly delays: readonly [number, number, number, number];
  readonly dsn: string;
  /** sent, deferred, bounced, deliverable, undeliverable, SOFTBOUNCE, expired ... */
  readonly status: string;
  readonly text: string;
}

/** The whole status line (without the syslog frame). */
export function formatAdhoc(e: AdhocLine): string {
  const total = e.delays.reduce((a, b) => a + b, 0);
  const origTo =
    e.original !== '' && e.original.toLowerCase() !== e.recipient.toLowerCase() ? `, orig_to=<${e.original}>` : '';
  const connUse = e.connUse !== undefined && e.connUse >= 2 ? `, conn_use=${e.connUse}` : '';
  return (
    `${e.queueId}: to=<${e.recipient}>${origTo}, relay=${e.relay}${connUse}, delay=${formatDelay(total)}, ` +
    `delays=${e.delays.map(formatDelay).join('/')}, dsn=${e.dsn}, status=${e.status} (${e.text})`
  );
}
