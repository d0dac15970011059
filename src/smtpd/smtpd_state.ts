/**
 * smtpd_state: what one SMTP session knows — the client, the HELO name and
 * protocol, TLS and SASL state, error counters, and the mail transaction
 * as a union of stages: `idle` (no MAIL yet), `mail` (a sender, and the
 * recipients accepted so far; the queue ID exists from the first accepted
 * RCPT on). Handlers read and change it; smtpd_proto owns it.
 *
 * See: postfix/src/smtpd/smtpd.h (SMTPD_STATE), postfix/src/smtpd/smtpd_state.c
 */
import type { AuthHeaders } from '../auth/auth_cleanup.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { SmtpdContext } from './smtpd_context.ts';
import type { SmtpdPeer } from './smtpd_peer.ts';
import type { SmtpdReply } from './smtpd_replies.ts';
import type { SmtpdStream } from './smtpd_stream.ts';

/** Postfix's MAIL_ERROR_* classes of a refusal (which notify_classes it belongs to). */
export type ErrorClass = 'policy' | 'protocol' | 'bounce' | 'software' | 'resource' | 'data';

/** A remembered deferral (defer_if_permit / defer_if_reject). */
export interface Deferral {
  readonly errorClass: ErrorClass;
  readonly code: number;
  readonly dsn: string;
  readonly text: string;
}

/** A deferral slot: whether it is raised, and the first reason given. */
export interface DeferralSlot {
  active: boolean;
  d: Deferral | null;
}

/** A recipient accepted by RCPT, with its DSN requests. */
export interface Rcpt {
  readonly address: string;
  readonly orcpt: string | null;
  readonly notify: number;
}

/** What MAIL FROM set up. */
export interface MailParams {
  readonly sender: string;
  /** SIZE=, 0 when not given. */
  readonly size: number;
  readonly body: '8BITMIME' | '7BIT' | null;
  readonly smtputf8: boolean;
  readonly envid: string | null;
  readonly ret: 'FULL' | 'HDRS' | null;
  /** Microseconds since the epoch. */
  readonly arrival: number;
  /** Policy `instance` attribute: constant for the transaction. */
  readonly instance: string;
}

export type Txn =
  | { readonly stage: 'idle' }
  | {
      readonly stage: 'mail';
      readonly mail: MailParams;
      readonly rcpts: Rcpt[];
      /** Named at the first accepted RCPT (`ID: client=...` is logged then). */
      queueId: QueueId | null;
    };

/** Access-table actions remembered for the message (HOLD, DISCARD ...). */
export interface SavedActions {
  hold: string | null;
  discard: string | null;
  redirect: string | null;
  filter: string | null;
  prepend: string[];
  /** BCC recipients (logged; cleanup has no BCC action yet). */
  bcc: string[];
  /** affix extension (issue 7): Authentication-Results: and Received-SPF: for cleanup, set at end of data. */
  authHeaders?: AuthHeaders;
}

/** The TLS facts smtpd logs and writes in Received:. */
export interface TlsInfo {
  readonly protocol: string;
  readonly cipher: string;
  readonly bits: number;
  readonly algBits: number;
  /** What the `TLS connection established` line says after the client's name. */
  readonly details: string;
  /** The comment lines Received: gets with smtpd_tls_received_header. */
  readonly receivedLines: readonly string[];
  readonly peerCertificate: boolean;
}

export interface SaslInfo {
  readonly method: string;
  readonly username: string;
  sender: string | null;
}

/** How a message that cleanup took ended. */
export type MessageOutcome =
  | { readonly ok: true; readonly queueId: string }
  | { readonly ok: false; readonly error: unknown };

/** The message being received (smtpd_message.ts), as DATA, BDAT and RSET see it. */
export interface OpenMessage {
  /** What went wrong so far (CLEANUP_STAT_SIZE, CLEANUP_STAT_BARE_LF). */
  readonly errors: ReadonlySet<'size' | 'bare_lf'>;
  /** Settles when cleanup is done with the message. */
  readonly outcome: Promise<MessageOutcome>;
  /**
   * One content record: a line without its end (eol), or a piece of a longer
   * one. Returns a promise only when the record filled a batch that goes to
   * cleanup, and the caller must await it; null otherwise (most lines).
   */
  record(data: Buffer, eol: boolean, bareLf: boolean): Promise<void> | null;
  /** A line ended; a bare LF is refused or noted per smtpd_forbid_bare_newline. */
  sawLine(bareLf: boolean): void;
  /** Hands buffered content to cleanup. */
  flush(): Promise<void>;
  /** The content is complete. */
  end(): void;
  /** Cleanup must queue nothing. */
  abort(why: string): void;
}

/** Cuts BDAT content into line records across chunks (smtpd_bdat.ts). */
export interface BdatSplitter {
  feed(chunk: Buffer): Iterable<[Buffer, boolean, boolean]>;
  finish(): [Buffer, boolean, boolean] | null;
}

/** How bare LF is treated in this session (smtpd_forbid_bare_newline, with exclusions applied). */
export type BareLfMode = 'no' | 'normalize' | 'note' | 'reject';

export class SmtpdSession {
  readonly ctx: SmtpdContext;
  readonly peer: SmtpdPeer;
  readonly stream: SmtpdStream;
  /** Postfix's state->where: the command being run, or CONNECT, `DATA content` ... */
  where = 'CONNECT';
  reason: string | null = null;
  helo: string | null = null;
  protocol: 'SMTP' | 'ESMTP' = 'SMTP';
  ehloDiscard = 0;
  errorCount = 0;
  /** In smtpd_client_event_limit_exceptions: not counted by anvil. */
  anvilExempt = false;
  junkCommands = 0;
  hangup = false;
  illPipelining = false;
  /** The client restrictions' refusal at connect (smtpd_delay_reject = no), repeated to later commands. */
  accessDeniedReply: SmtpdReply | null = null;
  tls: TlsInfo | null = null;
  sasl: SaslInfo | null = null;
  /** The AUTH mechanisms offered now, or null when SASL is not active. */
  saslMechanisms: string | null = null;
  /** AUTH was tried in this session (the SASL state must not be reused). */
  authUsed = false;
  bareLf: BareLfMode;
  /** notes=bare_lf (3.9 logging; kept for `note`). */
  noteBareLf = false;
  txn: Txn = { stage: 'idle' };
  /** BDAT: no chunk yet, chunks being received, or skipping chunks after an error until LAST or RSET. */
  bdatState: 'none' | 'ok' | 'error' = 'none';
  /** The line splitter of the BDAT message being received. */
  bdatLines: BdatSplitter | null = null;
  /** The message being received (DATA, or BDAT chunks), while cleanup takes it. */
  message: OpenMessage | null = null;
  /** The first accepted recipient (logged and used in Received: when it is the only one). */
  recipientForLog: string | null = null;
  /** RCPTs over smtpd_recipient_limit so far. */
  rcptOvershoot = 0;
  /** Bytes of message content received in this transaction. */
  actSize = 0;
  saved: SavedActions = emptyActions();
  /** defer_if_permit: raised by a temporary problem, turns a later permit into its 4xx. */
  readonly deferIfPermit: DeferralSlot = { active: false, d: null };
  /** reject_unlisted_sender / _recipient ran already (sender_rcptmap_checked, recipient_rcptmap_checked). */
  readonly mapChecked = { sender: false, recipient: false };
  /** Whether defer_if_permit was raised by the client, helo and sender lists (restored per stage). */
  readonly deferIfPermitAt = { client: false, helo: false, sender: false };
  /** Seconds since epoch of connect, for logs. */
  readonly started = Date.now();
  /** The ETRN domain while smtpd_etrn_restrictions run. */
  etrnDomain: string | null = null;
  /** Nesting of policy default actions (a default action must not recurse). */
  policyNesting = 0;
  /** Counter for policy `instance`. */
  seqno = 0;

  constructor(ctx: SmtpdContext, peer: SmtpdPeer, stream: SmtpdStream, bareLf: BareLfMode) {
    this.ctx = ctx;
    this.peer = peer;
    this.stream = stream;
    this.bareLf = bareLf;
  }

  get inMailTransaction(): boolean {
    return this.txn.stage === 'mail';
  }

  get sender(): string | null {
    return this.txn.stage === 'mail' ? this.txn.mail.sender : null;
  }

  get queueId(): QueueId | null {
    return this.txn.stage === 'mail' ? this.txn.queueId : null;
  }

  /** Values pushed while restrictions are evaluated (SMTPD_CHECK_PUSH), shown in log lines. */
  readonly pushed: { sender?: string | null; recipient?: string | null; helo?: string | null } = {};

  /** The sender, recipient and HELO name a log line shows now. */
  get logged(): { sender: string | null; recipient: string | null; helo: string | null } {
    const p = this.pushed;
    return {
      sender: p.sender !== undefined ? p.sender : this.sender,
      recipient: p.recipient !== undefined ? p.recipient : this.recipientForLog,
      helo: p.helo !== undefined ? p.helo : this.helo,
    };
  }

  /** Runs `fn` with `key` shown as `value` in log lines. */
  withPushed<T>(key: 'sender' | 'recipient' | 'helo', value: string | null, fn: () => T): T {
    const old = this.pushed[key];
    this.pushed[key] = value;
    try {
      const r = fn();
      if (r instanceof Promise) {
        return r.finally(() => {
          this.pushed[key] = old;
        }) as T;
      }
      this.pushed[key] = old;
      return r;
    } catch (err) {
      this.pushed[key] = old;
      throw err;
    }
  }

  withSender<T>(sender: string, fn: () => T): T {
    return this.withPushed('sender', sender, fn);
  }

  get rcptCount(): number {
    return this.txn.stage === 'mail' ? this.txn.rcpts.length : 0;
  }

  /** mail_reset() + rcpt_reset(): back to right after HELO/EHLO. */
  resetTransaction(): void {
    this.message?.abort('transaction reset');
    this.message = null;
    this.txn = { stage: 'idle' };
    this.bdatState = 'none';
    this.bdatLines = null;
    this.recipientForLog = null;
    this.rcptOvershoot = 0;
    this.actSize = 0;
    this.saved = emptyActions();
    if (this.sasl !== null) this.sasl.sender = null;
  }
}

export function emptyActions(): SavedActions {
  return { hold: null, discard: null, redirect: null, filter: null, prepend: [], bcc: [] };
}
