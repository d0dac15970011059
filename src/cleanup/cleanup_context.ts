/**
 * cleanup_context: what cleanup works with under one configuration: the
 * typed parameters, its Log, the lookup tables its parameters name (opened
 * once, as Postfix's cleanup opens them at start-up), the address rewriter,
 * the queue, a clock, and the trigger that tells qmgr about new mail.
 * `postfix reload` builds a new context; messages in progress keep theirs.
 *
 * Parameters: canonical_maps, sender_canonical_maps, recipient_canonical_maps,
 *   virtual_alias_maps, header_checks, mime_header_checks, nested_header_checks,
 *   body_checks, masquerade_exceptions
 * Diagnostics: a table that cannot be opened is logged as an error and fails
 *   every lookup (mail is deferred, 451), as Postfix's surrogate tables do
 * See: postfix/src/cleanup/cleanup_init.c
 */
import { DkimSigner } from '../auth/auth_dkim_signer.ts';
import { AUTH_LOG } from '../auth/auth_log.ts';
import type { Config } from '../config/config.ts';
import type { Params } from '../config/params.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';
import { openMaps } from '../maps/maps.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import { type MatchList, stringList } from '../rewrite/match_list.ts';
import type { AddressRewriter } from './cleanup_rewrite.ts';

/** The tables of cleanup's parameters; null where the parameter is empty. */
export interface CleanupTables {
  readonly canonical_maps: Maps | null;
  readonly sender_canonical_maps: Maps | null;
  readonly recipient_canonical_maps: Maps | null;
  readonly virtual_alias_maps: Maps | null;
  readonly header_checks: Maps | null;
  readonly mime_header_checks: Maps | null;
  readonly nested_header_checks: Maps | null;
  readonly body_checks: Maps | null;
  readonly masquerade_exceptions: MatchList | null;
  /** affix extension (issue 7): the DKIM keys and signing table; null or absent: no signing. */
  readonly dkim?: DkimSigner | null;
}

export interface CleanupContext {
  readonly params: Params;
  /** Tagged `$syslog_name/cleanup`. */
  readonly log: Log;
  readonly tables: CleanupTables;
  readonly rewriter: AddressRewriter;
  readonly store: QueueStore;
  /** Milliseconds since the epoch; tests fix it. */
  readonly clock: () => number;
  /** Tells qmgr a message is waiting in incoming (Postfix's trigger on public/qmgr). */
  readonly notifyQmgr: (id: QueueId) => void;
}

const MAP_PARAMS = [
  'canonical_maps',
  'sender_canonical_maps',
  'recipient_canonical_maps',
  'virtual_alias_maps',
  'header_checks',
  'mime_header_checks',
  'nested_header_checks',
  'body_checks',
] as const;

/** Opens the tables `config` names; unusable tables become surrogates that fail each lookup. */
export async function openCleanupTables(config: Config, log: Log): Promise<CleanupTables> {
  const dictLog = { warn: (t: string) => log.warn(t), error: (t: string) => log.error(t) };
  const opened: Partial<Record<(typeof MAP_PARAMS)[number], Maps | null>> = {};
  for (const name of MAP_PARAMS) {
    const value = config.value(name).trim();
    opened[name] = value === '' ? null : await openMaps(name, value, { log: dictLog, surrogate: true });
  }
  const exceptions = config.value('masquerade_exceptions').trim();
  return {
    canonical_maps: opened.canonical_maps ?? null,
    sender_canonical_maps: opened.sender_canonical_maps ?? null,
    recipient_canonical_maps: opened.recipient_canonical_maps ?? null,
    virtual_alias_maps: opened.virtual_alias_maps ?? null,
    header_checks: opened.header_checks ?? null,
    mime_header_checks: opened.mime_header_checks ?? null,
    nested_header_checks: opened.nested_header_checks ?? null,
    body_checks: opened.body_checks ?? null,
    masquerade_exceptions:
      exceptions === '' ? null : await stringList('masquerade_exceptions', exceptions, { log: dictLog }),
    dkim: openDkimSigner(config, log), // affix extension (issue 7)
  };
}

/** affix extension (issue 7): the DKIM signer; a configuration that cannot be used is an error, and nothing is signed. */
function openDkimSigner(config: Config, log: Log): DkimSigner | null {
  try {
    const signer = DkimSigner.fromParams(config.params);
    if (signer !== null && signer.internal.unsupported.length > 0)
      log.warn(AUTH_LOG.unsupportedHosts(signer.internal.unsupported));
    return signer;
  } catch (err) {
    log.error(AUTH_LOG.setupFailed((err as Error).message));
    return null;
  }
}

/** Closes the tables of a context that is no longer used. */
export async function closeCleanupTables(tables: CleanupTables): Promise<void> {
  for (const name of MAP_PARAMS) await tables[name]?.close();
}
