/**
 * smtpd_log: every line the SMTP server logs, in one table, worded as
 * Postfix 3.7 logs them (postfix-compat.md section 4.2 and 4.11). A line
 * that quotes a reply takes the reply the client got. Untrusted text in
 * these lines is made printable by the Log itself.
 *
 * See: postfix/src/smtpd/smtpd.c, postfix/src/smtpd/smtpd_check.c (log_whatsup),
 *      postfix/src/smtpd/smtpd_sasl_glue.c, postfix/src/tls/tls_misc.c
 */
import type { SmtpdReply } from './smtpd_replies.ts';

/** Formats a reply as logged: lines joined, as Postfix logs a multi-line reply. */
export function replyText(r: SmtpdReply): string {
  const head = r.dsn === null ? `${r.code}` : `${r.code} ${r.dsn}`;
  return `${head} ${r.text.replace(/\n/g, ' ')}`;
}

/** What log_whatsup() appends: ` from=<...> to=<...> proto=... helo=<...>`, each part only when known. */
export interface Whatsup {
  readonly sender: string | null;
  readonly recipient: string | null;
  readonly protocol: string | null;
  readonly helo: string | null;
}

export function whatsupText(w: Whatsup): string {
  let out = '';
  if (w.sender !== null) out += ` from=<${w.sender}>`;
  if (w.recipient !== null) out += ` to=<${w.recipient}>`;
  if (w.protocol !== null) out += ` proto=${w.protocol}`;
  if (w.helo !== null) out += ` helo=<${w.helo}>`;
  return out;
}

export const SMTPD_LOG = {
  connect: (namaddr: string) => `connect from ${namaddr}`,
  disconnect: (namaddr: string, stats: string) => `disconnect from ${namaddr}${stats}`,
  client: (queueId: string, namaddr: string, sasl: string) => `${queueId}: client=${namaddr}${sasl}`,
  /** `lost connection|timeout|too many errors after CMD from namaddr`; after DATA/BDAT with a byte count. */
  endedAfter: (reason: string, where: string, namaddr: string, bytes: number | null) =>
    bytes === null
      ? `${reason} after ${where} from ${namaddr}`
      : `${reason} after ${where} (${bytes} bytes) from ${namaddr}`,
  /** log_whatsup(): `ID|NOQUEUE: action: STAGE from namaddr: text; from=<> ...`. */
  whatsup: (queueId: string | null, action: string, where: string, namaddr: string, text: string, w: Whatsup) =>
    `${queueId ?? 'NOQUEUE'}: ${action}: ${where} from ${namaddr}: ${text};${whatsupText(w)}`,
  localError: (queueId: string | null, where: string, namaddr: string, myhostname: string) =>
    `${queueId ?? 'NOQUEUE'}: reject: ${where} from ${namaddr}: 421 4.3.0 ${myhostname} Server local data error`,
  improperPipelining: (where: string, namaddr: string, text: string) =>
    `improper command pipelining after ${where} from ${namaddr}: ${text}`,
  requestTooLong: (namaddr: string, limit: number, start: string) =>
    `${namaddr}: request longer than ${limit}: ${start}...`,
  nonSmtpCommand: (namaddr: string, text: string) => `non-SMTP command from ${namaddr}: ${text}`,
  illegalAddress: (namaddr: string, where: string, text: string) =>
    `Illegal address syntax from ${namaddr} in ${where} command: ${text}`,
  sizeExceeded: (queueId: string | null) => `${queueId ?? 'NOQUEUE'}: queue file size limit exceeded`,
  discardingEhlo: (keywords: string) => `discarding EHLO keywords: ${keywords}`,
  malformedBdat: (queueId: string | null, namaddr: string, text: string) =>
    `${queueId ?? 'NOQUEUE'}: malformed BDAT command syntax from ${namaddr}: ${text}`,
  nullBdat: (queueId: string | null, namaddr: string) => `${queueId ?? 'NOQUEUE'}: null BDAT request from ${namaddr}`,
  bdatTooBig: (queueId: string | null, namaddr: string) =>
    `${queueId ?? 'NOQUEUE'}: BDAT request from ${namaddr} exceeds message size limit`,
  bdatDisabled: (queueId: string | null, namaddr: string) =>
    `${queueId ?? 'NOQUEUE'}: too much BDAT content -- disabling further input from ${namaddr}`,
  sessionException: (namaddr: string, where: string, detail: string) =>
    `${namaddr}: unexpected error after ${where}: ${detail}`,
  hostnameMismatch: (text: string) => text,
  etrnReject: (domain: string, namaddr: string) => `reject: ETRN ${domain}... from ${namaddr}`,
  // Limits (anvil)
  connectionCountExceeded: (count: number, namaddr: string, service: string) =>
    `Connection concurrency limit exceeded: ${count} from ${namaddr} for service ${service}`,
  connectionRateExceeded: (rate: number, namaddr: string, service: string) =>
    `Connection rate limit exceeded: ${rate} from ${namaddr} for service ${service}`,
  messageRateExceeded: (rate: number, namaddr: string, service: string) =>
    `Message delivery request rate limit exceeded: ${rate} from ${namaddr} for service ${service}`,
  recipientRateExceeded: (rate: number, namaddr: string, service: string) =>
    `Recipient address rate limit exceeded: ${rate} from ${namaddr} for service ${service}`,
  authRateExceeded: (rate: number, namaddr: string, service: string) =>
    `AUTH command rate limit exceeded: ${rate} from ${namaddr} for service ${service}`,
  tlsRateExceeded: (rate: number, namaddr: string, service: string) =>
    `New TLS session rate limit exceeded: ${rate} from ${namaddr} for service ${service}`,
  refusingStarttls: (namaddr: string, service: string) =>
    `Refusing STARTTLS request from ${namaddr} for service ${service}`,
  // TLS
  tlsEstablished: (trust: string, namaddr: string, details: string) =>
    `${trust} TLS connection established from ${namaddr}: ${details}`,
  tlsAcceptError: (namaddr: string, why: string) => `SSL_accept error from ${namaddr}: ${why}`,
  tlsLibraryProblem: (text: string) => `TLS library problem: ${text}`,
  wrapperDropped: (namaddr: string, service: string) =>
    `Wrapper-mode request dropped from ${namaddr} for service ${service}. TLS context initialization failed. For details see earlier warnings in your logs.`,
  // SASL
  saslFailed: (namaddr: string, mech: string, reason: string, user: string | null) =>
    `${namaddr}: SASL ${mech} authentication failed: ${reason}${user === null ? '' : `, sasl_username=${user}`}`,
  saslAborted: (namaddr: string, mech: string) => `${namaddr}: SASL ${mech} authentication aborted`,
} as const;
