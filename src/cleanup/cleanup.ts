/**
 * cleanup: the cleanup service of master.cf as affix runs it. In Postfix
 * cleanup is a process smtpd and pickup connect to; in affix it is a
 * CleanupService object the daemon frame publishes under the service's
 * name (cleanup_service_name picks it), built from the service's
 * configuration and rebuilt on `postfix reload` (messages in progress keep
 * the old one). It writes through the queue the frame shares with qmgr, and
 * announces each queued message to qmgr.
 *
 * Parameters: those of cleanup_context.ts, cleanup_api.ts, and
 *   src/rewrite's (rewrite_init.ts)
 * See: postfix/src/cleanup/cleanup.c
 */
import type { Config } from '../config/config.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import type { QueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import { openRewriteContext } from '../rewrite/rewrite_init.ts';
import { CleanupServer } from './cleanup_api.ts';
import { type CleanupContext, openCleanupTables } from './cleanup_context.ts';
import { type AddressRewriter, trivialRewriter } from './cleanup_rewrite.ts';
import type { CleanupService } from './cleanup_service.ts';

/** What the daemon frame gives the cleanup program. */
export interface CleanupProgramDeps {
  /** The queue of `config`'s queue_directory, shared with qmgr and the other services. */
  store(config: Config): Promise<QueueStore>;
  /** Announces a message queued in incoming (nothing happens while qmgr is not running). */
  notifyQmgr(id: QueueId): void;
  /** Makes (or, with null, stops making) this service reachable under its master.cf name. */
  publish(name: string, service: CleanupService | null): void;
  /** Another rewriter than trivial-rewrite's under the service's configuration (tests). */
  rewriter?(config: Config): AddressRewriter;
  /** Milliseconds since the epoch; default Date.now. */
  clock?: () => number;
}

/** The context cleanup runs with under a service's configuration. */
export async function cleanupContext(context: ServiceContext, deps: CleanupProgramDeps): Promise<CleanupContext> {
  const config = context.config;
  return {
    params: config.params,
    log: context.log,
    tables: await openCleanupTables(config, context.log),
    rewriter: deps.rewriter?.(config) ?? trivialRewriter(await openRewriteContext(config, context.log)),
    store: await deps.store(config),
    clock: deps.clock ?? Date.now,
    notifyQmgr: (id) => deps.notifyQmgr(id),
  };
}

export function cleanupProgram(deps: CleanupProgramDeps): ServiceProgram {
  return {
    name: 'cleanup',
    async start(context: ServiceContext): Promise<RunningService> {
      const name = context.service.name;
      const server = new CleanupServer(await cleanupContext(context, deps));
      deps.publish(name, server);
      return {
        async reload(next: ServiceContext) {
          server.setContext(await cleanupContext(next, deps));
        },
        async stop() {
          deps.publish(name, null);
        },
      };
    },
  };
}
