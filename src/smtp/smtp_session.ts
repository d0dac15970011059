/**
 * smtp_session: one connection to one server — its stream, its names as
 * log lines show them (`host[addr]`, `host[addr]:port`), what the server
 * offered in its EHLO reply, the TLS state, and whether it may be kept
 * for reuse. A session outlives the request that opened it only through
 * the connection cache (smtp_reuse.ts).
 *
 * See: postfix/src/smtp/smtp_session.c, postfix/src/smtp/smtp.h (SMTP_SESSION, SMTP_FEATURE_*)
 */
import type { SmtpStream } from './smtp_stream.ts';
import type { TlsPolicy } from './smtp_tls_level.ts';

/** The server features the client uses (SMTP_FEATURE_*). */
export interface SmtpFeatures {
  esmtp: boolean;
  pipelining: boolean;
  size: boolean;
  eightBitMime: boolean;
  dsn: boolean;
  smtputf8: boolean;
  starttls: boolean;
  /** SASL mechanisms from `AUTH ...`, upper case; null when AUTH was not offered. */
  auth: string[] | null;
  /** The reuse RSET was refused: the session cannot be cached. */
  rsetRejected: boolean;
  /** This host is a best-preference MX of the destination (loop texts differ). */
  bestMx: boolean;
}

export function noFeatures(): SmtpFeatures {
  return {
    esmtp: false,
    pipelining: false,
    size: false,
    eightBitMime: false,
    dsn: false,
    smtputf8: false,
    starttls: false,
    auth: null,
    rsetRejected: false,
    bestMx: false,
  };
}

/** How the TLS handshake ended, for the log line and the policy checks. */
export interface SmtpTlsInfo {
  /** `Untrusted`, `Trusted` or `Verified`. */
  readonly trust: 'Untrusted' | 'Trusted' | 'Verified';
  readonly summary: string;
}

export interface SmtpSessionInit {
  readonly stream: SmtpStream;
  /** The host name: the MX name, the relay, or myhostname for a UNIX socket. */
  readonly host: string;
  /** The IP address, or the socket path. */
  readonly addr: string;
  /** TCP port, 0 for a UNIX socket. */
  readonly port: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** The TLS policy of the destination this session was opened for. */
  readonly policy: TlsPolicy;
  /** The nexthop as written (`[relay]:587`) and its domain, for TLS name checks and SASL lookups. */
  readonly dest: string;
  readonly domain: string;
}

export class SmtpSession {
  readonly stream: SmtpStream;
  readonly host: string;
  readonly addr: string;
  readonly port: number;
  readonly namaddr: string;
  readonly namaddrport: string;
  readonly createdAt: number;
  readonly dest: string;
  readonly domain: string;
  /** The TLS policy in force; a retry after a failed handshake uses level none. */
  policy: TlsPolicy;
  features: SmtpFeatures = noFeatures();
  /** SIZE limit the server announced; 0: none or unknown. */
  sizeLimit = 0;
  /** The name the server gave in its EHLO reply. */
  helo = '';
  tls: SmtpTlsInfo | null = null;
  saslUsername: string | null = null;
  /** Deliveries made over this connection before the current one. */
  reuseCount = 0;
  /**
   * Caching state (Postfix's expire_time and forbidden): `keep` may be cached
   * until `expireAt`; `no` must be closed after QUIT; `forbidden` must not be
   * used at all (broken TLS, lost connection).
   */
  cache: 'keep' | 'no' | 'forbidden' = 'no';
  expireAt = 0;
  /** A protocol error was seen (MAIL_ERROR_PROTOCOL). */
  protocolError = false;
  /** Opportunistic TLS failed: try this server again in plaintext (tls_retry_plain). */
  retryPlain = false;
  /** SASL credentials were found for this server (HAVE_SASL_CREDENTIALS). */
  haveSaslCredentials = false;

  constructor(init: SmtpSessionInit) {
    this.stream = init.stream;
    this.host = init.host;
    this.addr = init.addr;
    this.port = init.port;
    this.createdAt = init.createdAt;
    this.policy = init.policy;
    this.dest = init.dest;
    this.domain = init.domain;
    this.namaddr = `${init.host}[${init.addr}]`;
    this.namaddrport = init.port > 0 ? `${this.namaddr}:${init.port}` : this.namaddr;
  }

  /** DONT_CACHE_THIS_SESSION (a forbidden session stays forbidden). */
  dontCache(): void {
    if (this.cache !== 'forbidden') this.cache = 'no';
  }

  /** DONT_USE_FORBIDDEN_SESSION: no more I/O on this connection. */
  forbid(): void {
    this.cache = 'forbidden';
  }

  /** THIS_SESSION_IS_CACHED */
  get cached(): boolean {
    return this.cache === 'keep';
  }

  /** THIS_SESSION_IS_EXPIRED: past its reuse time or count limit. */
  expired(now: number, reuseCountLimit: number): boolean {
    return this.cached && (this.expireAt < now || (reuseCountLimit > 0 && this.reuseCount >= reuseCountLimit));
  }
}
