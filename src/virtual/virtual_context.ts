/**
 * virtual_context: what the virtual delivery agent works with — its
 * parameters and the tables it opened at start — built once by the factory.
 *
 * See: postfix/src/virtual/virtual.c (pre_init, post_init), virtual.h
 */
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';

export interface VirtualContext {
  readonly params: Params;
  /** Tagged postfix/virtual (or the service's syslog_name). */
  readonly log: Log;
  readonly mailboxMaps: Maps | null;
  readonly uidMaps: Maps | null;
  readonly gidMaps: Maps | null;
  /** affix's virtual_mailbox_quota_maps. */
  readonly quotaMaps: Maps | null;
  readonly now: () => number;
  readonly micros: () => number;
}
