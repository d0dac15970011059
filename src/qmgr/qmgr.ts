/**
 * qmgr: the queue manager of master.cf as affix runs it: one Qmgr
 * (qmgr_core.ts) per daemon, started with start-up recovery of the queue,
 * published to the frame so cleanup can announce new mail, and answering
 * `qmgr` requests on the control socket (what postqueue -f, -i and -s
 * send). On `postfix reload` the running Qmgr stops taking new work,
 * finishes what it has, and a Qmgr with the new configuration takes over.
 *
 * Parameters: those of qmgr_core.ts, and src/rewrite's (rewrite_init.ts)
 * Diagnostics: control answers `{ ok: false, error }` for a bad request
 * See: postfix/src/qmgr/qmgr.c
 */
import type { Config } from '../config/config.ts';
import type { RunningService, ServiceContext, ServiceProgram } from '../config/master_service.ts';
import type { BounceService } from '../queue/bounce_request.ts';
import { parseQueueId } from '../queue/queue_id.ts';
import type { QueueStore } from '../queue/queue_store.ts';
import { openRewriteContext } from '../rewrite/rewrite_init.ts';
import { type QmgrClock, systemClock } from './qmgr_clock.ts';
import type { AgentBinding, QmgrContext } from './qmgr_context.ts';
import { Qmgr } from './qmgr_core.ts';
import { type QmgrResolver, trivialResolver } from './qmgr_resolve.ts';

/** What the daemon frame gives the qmgr program. */
export interface QmgrProgramDeps {
  /** The queue of `config`'s queue_directory, shared with cleanup. */
  store(config: Config): Promise<QueueStore>;
  /** The delivery agent bound to master.cf service `name`. */
  agent(name: string): AgentBinding | undefined;
  bounce(config: Config): BounceService;
  /** Another resolver than trivial-rewrite's under the service's configuration (tests). */
  resolver?(config: Config): QmgrResolver;
  /** Makes the running Qmgr known (null when it stops), so cleanup can announce mail to it. */
  publish(qmgr: Qmgr | null): void;
  clock?: QmgrClock;
}

async function qmgrContext(context: ServiceContext, deps: QmgrProgramDeps): Promise<QmgrContext> {
  const config = context.config;
  return {
    config,
    params: config.params,
    log: context.log,
    store: await deps.store(config),
    clock: deps.clock ?? systemClock,
    resolver: deps.resolver?.(config) ?? trivialResolver(await openRewriteContext(config, context.log)),
    bounce: deps.bounce(config),
    agent: (name) => deps.agent(name),
  };
}

export function qmgrProgram(deps: QmgrProgramDeps): ServiceProgram {
  return {
    name: 'qmgr',
    async start(context: ServiceContext): Promise<RunningService> {
      const wakeup = (s: ServiceContext) => (s.service.wakeup > 0 ? s.service.wakeup : 300);
      let qmgr = new Qmgr(await qmgrContext(context, deps), wakeup(context));
      await qmgr.start();
      deps.publish(qmgr);
      context.registerControl('qmgr', async (request) => {
        const current = qmgr;
        const trigger = request['trigger'];
        const id = typeof request['queue_id'] === 'string' ? parseQueueId(request['queue_id']) : null;
        const site = request['site'];
        if (typeof trigger === 'string') {
          current.trigger(trigger);
          return { ok: true };
        }
        if (id !== null) return { ok: true, found: await current.flushQueueId(id) };
        if (typeof site === 'string') {
          try {
            return { ok: true, flushed: await current.flushSite(site) };
          } catch (err) {
            return { ok: false, error: (err as Error).message };
          }
        }
        return { ok: false, error: 'bad qmgr request: need trigger, queue_id or site' };
      });
      let stopped = false;
      let handover: Promise<void> = Promise.resolve();
      return {
        async reload(next: ServiceContext) {
          const old = qmgr;
          const nextCtx = await qmgrContext(next, deps);
          // The new Qmgr starts once the old one is done with its deliveries, so none is made twice.
          handover = old.stop('graceful').then(async () => {
            if (stopped) return;
            qmgr = new Qmgr(nextCtx, wakeup(next));
            await qmgr.start();
            deps.publish(qmgr);
          });
        },
        async stop(mode) {
          stopped = true;
          deps.publish(null);
          await qmgr.stop(mode);
          if (mode === 'graceful') await handover;
        },
      };
    },
  };
}
