/**
 * logscan_event: what one mail log line says, typed. A LogEntry is the
 * line's frame (time stamp, host, syslog tag, pid, severity, text) and one
 * LogEvent, a union discriminated by `kind` with the fields that kind of
 * Postfix line carries. Every event has `queueId` (null when the line names
 * no message), so a message's lines can be collected without a switch.
 *
 * See: ../shared/reference/postfix-compat.md section 4 (every line format),
 *      postfix/src/global/log_adhoc.c, postfix/src/smtpd/smtpd_check.c (log_whatsup)
 */
import type { LogQueueId } from './logscan_queue_id.ts';

/** How the time stamp was written: syslog (`Nov  1`), postlogd (`Nov 01`), RFC 3339, journalctl ISO (`+0000`). */
export type StampFormat = 'rfc3164' | 'postlogd' | 'rfc3339' | 'iso8601' | 'none';

/** The severity prefix Postfix writes inside the text (msg_warn, msg_error, msg_fatal, msg_panic). */
export type Severity = 'info' | 'warning' | 'error' | 'fatal' | 'panic';

export interface LogFrame {
  /** The whole line, without its newline. */
  readonly line: string;
  /** The time stamp as written (`Nov 29 09:05:17`, `2026-11-29T09:05:17.012345+00:00`); '' when none. */
  readonly stamp: string;
  readonly stampFormat: StampFormat;
  /** The time stamp in milliseconds since the epoch (traditional stamps get the parser's year); NaN when none. */
  readonly time: number;
  /** The same as a Date (made on each access); an invalid Date when the line has no stamp. */
  readonly date: Date;
  /** The host field (`vm`; postlogd writes the first label of myhostname); '' when none. */
  readonly host: string;
  /** The syslog tag: `postfix/submission/smtpd`, `root`; '' when the line has none. */
  readonly tag: string;
  /** The tag up to its last slash: `postfix/submission`; '' for a tag without a slash. */
  readonly syslogName: string;
  /** The tag's last component: `smtpd`, `qmgr`, `postfix-script`. */
  readonly program: string;
  readonly pid: number | null;
  readonly severity: Severity;
  /** The text after `tag[pid]: ` and after the severity prefix. */
  readonly text: string;
}

/** A client or server as Postfix logs it: `name[addr]`, `name[addr]:port`, `[addr]:port`. */
export interface LogPeer {
  /** `localhost`, `unknown` (no forward-confirmed PTR), '' for postscreen's `[addr]:port`. */
  readonly name: string;
  readonly addr: string;
  readonly port: number | null;
  /** As written: `localhost[127.0.0.1]`. */
  readonly namaddr: string;
}

/** An SMTP reply quoted in a log line: `554 5.7.1 <x@y>: Relay access denied`. */
export interface LoggedReply {
  readonly code: number;
  readonly dsn: string | null;
  readonly text: string;
}

/** `ehlo=1`, `rcpt=0/1`: successful and total count of one command in a disconnect line. */
export interface CommandCount {
  readonly command: string;
  readonly ok: number;
  readonly total: number;
}

/** The parts of `delays=a/b/c/d`, in seconds. */
export interface Delays {
  /** Before the queue manager: receiving and cleanup, or waiting in the deferred queue. */
  readonly beforeQmgr: number;
  /** In the active queue, until a delivery agent took it. */
  readonly inQmgr: number;
  /** Connection setup: DNS, connect, greeting, HELO, TLS. */
  readonly connSetup: number;
  /** Message transmission. */
  readonly transmission: number;
}

/** `host X said: REPLY (in reply to COMMAND command)`, split out of a delivery text. */
export interface RemoteReply {
  readonly host: string;
  readonly reply: LoggedReply | null;
  readonly text: string;
  readonly inReplyTo: string | null;
}

/** The action word of a restriction or content check (`reject`, `hold`, `milter-reject` ...). */
export type CheckAction = string;

/** Envelope facts appended to reject and content-check lines. */
export interface Envelope {
  readonly from: string | null;
  readonly to: string | null;
  readonly proto: string | null;
  readonly helo: string | null;
}

export type DeliveryStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'deliverable' | 'undeliverable' | string;

interface Base {
  readonly queueId: LogQueueId | null;
}

export type LogEvent =
  | (Base & { readonly kind: 'connect'; readonly client: LogPeer })
  | (Base & {
      readonly kind: 'disconnect';
      readonly client: LogPeer;
      readonly commands: readonly CommandCount[];
      readonly notes: string | null;
    })
  | (Base & {
      readonly kind: 'client';
      readonly queueId: LogQueueId;
      readonly client: LogPeer;
      /** Further `name=value` fields: sasl_method, sasl_username, orig_queue_id, orig_client ... */
      readonly attrs: Readonly<Record<string, string>>;
    })
  | (Base & {
      readonly kind: 'smtpd_check';
      readonly action: CheckAction;
      /** The SMTP command: CONNECT, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE ... */
      readonly stage: string;
      readonly client: LogPeer;
      readonly reply: LoggedReply | null;
      /** The reply text without code (or the whole text when there is no code). */
      readonly text: string;
      readonly envelope: Envelope;
    })
  | (Base & {
      readonly kind: 'content_check';
      readonly queueId: LogQueueId;
      readonly action: CheckAction;
      /** `header`, `body`, `END-OF-MESSAGE` ... */
      readonly part: string;
      /** The header or body line that matched (truncated by Postfix to 200 bytes). */
      readonly content: string;
      /** The client's namaddr, or `local`. */
      readonly client: string;
      readonly envelope: Envelope;
      readonly text: string | null;
    })
  | (Base & {
      readonly kind: 'message_id';
      readonly queueId: LogQueueId;
      readonly messageId: string;
      readonly resent: boolean;
    })
  | (Base & {
      readonly kind: 'queue_active';
      readonly queueId: LogQueueId;
      readonly from: string;
      readonly size: number;
      readonly nrcpt: number | null;
    })
  | (Base & { readonly kind: 'removed'; readonly queueId: LogQueueId; readonly detail: string | null })
  | (Base & { readonly kind: 'expired'; readonly queueId: LogQueueId; readonly from: string; readonly forced: boolean })
  | (Base & {
      readonly kind: 'message_status';
      readonly queueId: LogQueueId;
      readonly status: string;
      readonly text: string;
    })
  | (Base & {
      readonly kind: 'delivery';
      readonly queueId: LogQueueId;
      readonly to: string;
      readonly origTo: string | null;
      readonly relay: string;
      readonly connUse: number | null;
      readonly delay: number;
      readonly delays: Delays | null;
      readonly dsn: string | null;
      readonly status: DeliveryStatus;
      /** The text in parentheses after the status. */
      readonly text: string;
      /** The remote server's reply, when the text is `host X said: ...`. */
      readonly remote: RemoteReply | null;
      /** `250 2.0.0 Ok: queued as ID` or `forwarded as ID`: the ID the next hop gave. */
      readonly nextQueueId: string | null;
      /** The field names in the order written (`to orig_to relay delay delays dsn status`). */
      readonly fieldOrder: string;
    })
  | (Base & {
      readonly kind: 'notification';
      readonly queueId: LogQueueId;
      /** `sender` or `postmaster`. */
      readonly notify: string;
      /** `non-delivery`, `delay`, `delivery status`. */
      readonly type: string;
      readonly newQueueId: LogQueueId | null;
    })
  | (Base & {
      readonly kind: 'pickup';
      readonly queueId: LogQueueId;
      readonly uid: number | null;
      readonly from: string;
      readonly origQueueId: LogQueueId | null;
    })
  | (Base & { readonly kind: 'postsuper'; readonly action: string; readonly count: number | null })
  | (Base & {
      readonly kind: 'tls';
      readonly trust: string;
      readonly reused: boolean;
      readonly direction: 'from' | 'to';
      readonly peer: string;
      readonly protocol: string;
      readonly cipher: string;
      readonly details: string;
    })
  | (Base & { readonly kind: 'connect_failure'; readonly peer: LogPeer; readonly reason: string })
  | (Base & {
      readonly kind: 'lost_connection';
      /** `lost connection`, `timeout`, `too many errors`. */
      readonly what: string;
      readonly after: string;
      readonly bytes: number | null;
      readonly client: LogPeer;
    })
  | (Base & {
      readonly kind: 'postscreen';
      readonly action: string;
      readonly client: LogPeer | null;
      readonly detail: string;
    })
  | (Base & {
      readonly kind: 'daemon';
      /** `started`, `reload`, `terminating`, `starting`, `stopping`, `refreshing`, `running`, `not running`. */
      readonly action: string;
      readonly version: string | null;
      readonly detail: string;
    })
  | (Base & { readonly kind: 'diagnostic' })
  | (Base & { readonly kind: 'other' });

export type LogEventKind = LogEvent['kind'];

/** One parsed line. */
export interface LogEntry {
  readonly frame: LogFrame;
  readonly event: LogEvent;
}
