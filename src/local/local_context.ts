/**
 * local_context: what the local delivery agent works with — its settings,
 * the tables it opened at start, the account database, the way into the
 * queue for forwarded mail (cleanup), the way to other transports
 * (mailbox_transport), and the log — built once by the factory.
 *
 * See: postfix/src/local/local.c (pre_init, post_init), local.h
 */
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';
import type { DeliveryOutcome, DeliveryRequest } from '../queue/deliver_request.ts';
import type { PasswdFile } from './local_passwd.ts';

/**
 * Hands a request to another transport's agent (mailbox_transport,
 * fallback_transport): `transport` is the master.cf service name, `nexthop`
 * what follows its colon (`lmtp:unix:/run/dovecot/lmtp` → lmtp, unix:/run/...).
 */
export type LocalPass = (transport: string, nexthop: string, request: DeliveryRequest) => Promise<DeliveryOutcome>;

export interface LocalContext {
  readonly config: Config;
  readonly params: Params;
  /** Tagged postfix/local (or the service's syslog_name). */
  readonly log: Log;
  readonly aliasMaps: Maps | null;
  readonly mailboxTransportMaps: Maps | null;
  readonly mailboxCommandMaps: Maps | null;
  readonly passwd: PasswdFile;
  /** Where forwarded and aliased-to-remote mail is queued; null: forwarding defers. */
  readonly cleanup: CleanupService | null;
  readonly pass: LocalPass | null;
  /** forward_path, luser_relay, mailbox_command, command_execution_directory as written (main.cf `$name`s unexpanded). */
  readonly raw: {
    readonly forward_path: string;
    readonly luser_relay: string;
    readonly mailbox_command: string;
    readonly command_execution_directory: string;
  };
  /** default_privs as uid/gid (commands and files of root-owned aliases run so). */
  readonly defaultPrivs: { readonly uid: number; readonly gid: number };
  /** True for a domain this host delivers locally (mydestination, inet_interfaces ...). */
  readonly isLocalDomain: (domain: string) => boolean;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Microseconds since the epoch, for delays=. */
  readonly micros: () => number;
}
