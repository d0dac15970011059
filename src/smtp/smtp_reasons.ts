/**
 * smtp_reasons: every reason the client gives for not delivering, with
 * its enhanced status code — the text inside `status=deferred (...)` and
 * bounces, worded exactly as Postfix's SMTP client words it. A reason that
 * quotes a server reply takes the reply as parsed by smtp_chat.
 *
 * See: postfix/src/smtp/smtp_proto.c, smtp_connect.c, smtp_addr.c, smtp_trouble.c,
 *   smtp_sasl_glue.c
 */

/** A reason and its status before the server's reply, if any, is attached. */
export interface SmtpReason {
  readonly dsn: string;
  readonly text: string;
}

const r = (dsn: string, text: string): SmtpReason => ({ dsn, text });

export const SMTP_REASON = {
  /** The greeting, EHLO (421) or HELO was refused; dsn from the reply. */
  refused: (namaddr: string, reply: string) => `host ${namaddr} refused to talk to me: ${reply}`,
  /** Any other 4xx/5xx reply; `command` from SMTP_COMMAND. */
  said: (namaddr: string, reply: string, command: string) => `host ${namaddr} said: ${reply} (in reply to ${command})`,
  lost: (namaddr: string, stage: string) => r('4.4.2', `lost connection with ${namaddr} while ${stage}`),
  timeout: (namaddr: string, stage: string) => r('4.4.2', `conversation with ${namaddr} timed out while ${stage}`),
  connect: (namaddrport: string, error: string) => r('4.4.1', `connect to ${namaddrport}: ${error}`),
  socketPathTooLong: () => r('4.3.5', 'Server configuration error'),
  noProtocols: () => r('4.4.4', 'all network protocols are disabled'),
  loopsBack: (dsn: '4.4.6' | '5.4.6', domain: string) => r(dsn, `mail for ${domain} loops back to myself`),
  noPrimaryRelay: (domain: string) => r('4.4.4', `unable to find primary relay for ${domain}`),
  unavailable: () => r('4.3.0', 'server unavailable or unable to receive mail'),
  tlsConfig: () => r('4.7.0', 'client TLS configuration problem'),
  /** A server skipped because its TLS policy could not be made (MARK_INVALID in smtp_tls_policy.c). */
  tlsPolicyInvalid: () => r('4.7.5', 'client TLS configuration problem'),
  tlsaLookup: (host: string, port: number) => r('4.7.5', `TLSA lookup error for ${host}:${port}`),
  /** affix extension: an MX host the domain's MTA-STS policy (mode enforce) does not list. */
  stsMxNotAllowed: (host: string, domain: string) =>
    r('4.7.5', `MX host ${host} is not allowed by the MTA-STS policy of ${domain}`),
  tlsNotOffered: (namaddr: string) => r('4.7.4', `TLS is required, but was not offered by host ${namaddr}`),
  tlsRefused: (namaddr: string, reply: string) => `TLS is required, but host ${namaddr} refused to start TLS: ${reply}`,
  tlsHandshake: () => r('4.7.5', 'Cannot start TLS: handshake failure'),
  certNotVerified: () => r('4.7.5', 'Server certificate not verified'),
  tlsUnavailable: () => r('4.7.5', 'TLS is required, but our TLS engine is unavailable'),
  smtputf8: (namaddr: string) => r('5.6.7', `SMTPUTF8 is required, but was not offered by host ${namaddr}`),
  messageSize: (size: number, limit: number, namaddr: string) =>
    r('5.3.4', `message size ${size} exceeds size limit ${limit} of server ${namaddr}`),
  mimeDowngrade: () => r('5.6.3', 'unable to convert MIME message to 7-bit'),
  localData: (namaddr: string) => r('4.3.0', `local data error while talking to ${namaddr}`),
  protocolError: 'Protocol error: ',
  saslCannot: (namaddr: string, why: string) =>
    r('4.7.0', `SASL authentication failed; cannot authenticate to server ${namaddr}: ${why}`),
  saslLoop: (namaddr: string) =>
    r('4.3.0', `SASL authentication failed; authentication protocol loop with server ${namaddr}`),
  saslNoMechanism: (namaddr: string) =>
    r(
      '4.7.0',
      `SASL authentication failed: server ${namaddr} offered no compatible authentication mechanisms for this type of connection security`,
    ),
  saslFailed: (namaddr: string, reply: string) => `SASL authentication failed; server ${namaddr} said: ${reply}`,
  saslLookup: (map: string) => r('4.3.0', `${map} lookup error`),
} as const;

/** The stage names of "lost connection ... while STAGE" (xfer_states[] and smtp_helo()). */
export const SMTP_STAGE = {
  greeting: 'receiving the initial server greeting',
  ehlo: 'performing the EHLO handshake',
  helo: 'performing the HELO handshake',
  lhlo: 'performing the LHLO handshake',
  starttls: 'receiving the STARTTLS response',
  auth: 'performing the AUTH handshake',
  mail: 'sending MAIL FROM',
  rcpt: 'sending RCPT TO',
  data: 'sending DATA command',
  body: 'sending message body',
  dot: 'sending end of data -- message may be sent more than once',
  abort: 'sending final RSET',
  rset: 'sending RSET probe',
  quit: 'sending QUIT',
} as const;

/** The command names of "(in reply to ... command)" (xfer_request[]). */
export const SMTP_COMMAND = {
  mail: 'MAIL FROM command',
  rcpt: 'RCPT TO command',
  data: 'DATA command',
  dot: 'end of DATA command',
  abort: 'final RSET command',
  rset: 'RSET probe',
  quit: 'QUIT command',
  auth: 'AUTH command',
} as const;
