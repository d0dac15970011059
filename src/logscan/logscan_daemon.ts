/**
 * logscan_daemon: lines that are not about one message: master and
 * postfix-script (`daemon started -- version 3.7.11, configuration
 * /etc/postfix`, `refreshing the Postfix mail system`), postscreen's
 * verdicts (`CONNECT from [a]:p to [b]:q`, `PASS NEW [a]:p`, `PREGREET 16
 * after 0 from [a]:p: EHLO x`), TLS session lines (`Anonymous TLS connection
 * established from x: TLSv1.3 with cipher ...`) and the SMTP client's
 * `connect to host[addr]:port: Connection refused`.
 *
 * See: postfix/src/master/master.c, postfix/conf/postfix-script,
 *      postfix/src/postscreen/postscreen_early.c, postfix/src/tls/tls_misc.c (tls_log_summary)
 */
import type { LogEvent } from './logscan_event.ts';
import { parsePeer } from './logscan_fields.ts';

const MASTER = /^(daemon started|reload) -- version (\S+), configuration (.*)$/;
const SCRIPT =
  /^(starting|stopping|refreshing) the Postfix mail system$|^the Postfix mail system is (running|not running)/;

/** master's and postfix-script's start, reload and stop lines; null for others. */
export function parseDaemon(program: string, text: string): LogEvent | null {
  if (program === 'master') {
    const m = MASTER.exec(text);
    if (m !== null) {
      const action = m[1] === 'reload' ? 'reload' : 'started';
      return { kind: 'daemon', queueId: null, action, version: m[2]!, detail: m[3]! };
    }
    if (text.startsWith('terminating on signal '))
      return { kind: 'daemon', queueId: null, action: 'terminating', version: null, detail: text.slice(22) };
    return null;
  }
  if (program === 'postfix-script') {
    const m = SCRIPT.exec(text);
    if (m === null) return null;
    return { kind: 'daemon', queueId: null, action: m[1] ?? m[2]!, version: null, detail: text };
  }
  return null;
}

/** postscreen's upper-case verdict words, then the first `[addr]:port`. */
const POSTSCREEN = /^([A-Z][A-Z -]*[A-Z])\b(.*)$/s;
const BRACKET_PEER = /\[([^\]]+)\]:(\d+)/;

/** A postscreen verdict line (its NOQUEUE rejects are smtpd checks); null for others. */
export function parsePostscreen(text: string): LogEvent | null {
  const m = POSTSCREEN.exec(text);
  if (m === null) return null;
  // "PREGREET 16 after 0 from", "DNSBL rank 2 for": the verdict is the leading upper-case words
  const action = m[1]!;
  const detail = m[2]!.trim();
  const p = BRACKET_PEER.exec(detail);
  const client = p === null ? null : parsePeer(p[0]);
  return { kind: 'postscreen', queueId: null, action, client, detail };
}

const TLS =
  /^(Anonymous|Untrusted|Trusted|Verified) TLS connection (established|reused) (from|to) (\S+): (\S+) with cipher (\S+)(?: (.*))?$/;

/** `Trusted TLS connection established to host[addr]:25: TLSv1.3 with cipher ...`. */
export function parseTls(text: string): LogEvent | null {
  const c = text.charCodeAt(0);
  if (c !== 65 && c !== 85 && c !== 84 && c !== 86) return null; // A U T V
  const m = TLS.exec(text);
  if (m === null) return null;
  return {
    kind: 'tls',
    queueId: null,
    trust: m[1]!,
    reused: m[2] === 'reused',
    direction: m[3] === 'from' ? 'from' : 'to',
    peer: m[4]!,
    protocol: m[5]!,
    cipher: m[6]!,
    details: m[7] ?? '',
  };
}

/** The SMTP/LMTP client's `connect to host[addr]:port: reason`. */
export function parseConnectFailure(text: string): LogEvent | null {
  if (!text.startsWith('connect to ')) return null;
  const colon = text.indexOf(': ', 11);
  if (colon < 0) return null;
  return {
    kind: 'connect_failure',
    queueId: null,
    peer: parsePeer(text.slice(11, colon)),
    reason: text.slice(colon + 2),
  };
}
