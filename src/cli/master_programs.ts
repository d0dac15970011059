/**
 * master_programs: the programs affix implements, by the name master.cf
 * gives in its command field. The daemon frame runs these and reports the
 * others as not implemented. Each service issue adds its program here.
 *
 * Services that are separate processes in Postfix are objects in one
 * process here, so they meet through a ServiceHub, one per daemon
 * (createPrograms() makes a fresh one): the queue store of each
 * queue_directory (shared by cleanup and qmgr, so group commit and the
 * start-up sweep see every write), the cleanup services by master.cf name
 * (smtpd and pickup take theirs by cleanup_service_name), the running
 * qmgr (cleanup announces new mail to it), and the delivery agents by
 * master.cf service name (qmgr's transports: error, retry, discard, smtp,
 * relay, lmtp, local, virtual).
 */
import { resolve } from 'node:path';
import { cleanupProgram } from '../cleanup/cleanup.ts';
import { CLEANUP_REPLY } from '../cleanup/cleanup_replies.ts';
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import type { ServiceProgram } from '../config/master_service.ts';
import { discardProgram } from '../discard/discard.ts';
import { errorProgram } from '../error/error.ts';
import { MailError } from '../global/reply.ts';
import { qmgrProgram } from '../qmgr/qmgr.ts';
import type { AgentBinding } from '../qmgr/qmgr_context.ts';
import type { Qmgr } from '../qmgr/qmgr_core.ts';
import type { BounceService } from '../queue/bounce_request.ts';
import type { DeliveryAgent } from '../queue/deliver_request.ts';
import { FsQueueStore } from '../queue/queue_fs_store.ts';
import { smtpdProgram } from '../smtpd/smtpd.ts';
import { agentPrograms } from './master_agents.ts';

/**
 * Until the bounce service lands (the bounce issue): every notification
 * fails, so qmgr keeps the message and logs `status=deferred (bounce
 * failed)` instead of losing the sender's notice.
 */
const BOUNCE_UNAVAILABLE: BounceService = {
  flush: () => Promise.reject(new Error('bounce service is not implemented yet')),
  flushDeferred: () => Promise.reject(new Error('bounce service is not implemented yet')),
  warn: () => Promise.reject(new Error('bounce service is not implemented yet')),
  trace: () => Promise.reject(new Error('bounce service is not implemented yet')),
};

/** What the services of one daemon share. */
export class ServiceHub {
  readonly #stores = new Map<string, Promise<FsQueueStore>>();
  readonly #cleanups = new Map<string, CleanupService>();
  readonly #agents = new Map<string, AgentBinding>();
  qmgr: Qmgr | null = null;
  bounce: BounceService = BOUNCE_UNAVAILABLE;

  /** The queue of `config`'s queue_directory, created (and its directories made) once. */
  store(config: Config): Promise<FsQueueStore> {
    const p = config.params;
    const dir = resolve(p.queue_directory);
    let store = this.#stores.get(dir);
    if (store === undefined) {
      const s = new FsQueueStore({
        queue_directory: dir,
        hash_queue_names: p.hash_queue_names,
        hash_queue_depth: p.hash_queue_depth,
        enable_long_queue_ids: p.enable_long_queue_ids,
      });
      store = s.init().then(() => s);
      this.#stores.set(dir, store);
    }
    return store;
  }

  /** A BounceService that forwards to whichever `bounce` is set at the time of the call. */
  bounceService(): BounceService {
    return {
      flush: (m) => this.bounce.flush(m),
      flushDeferred: (m) => this.bounce.flushDeferred(m),
      warn: (m) => this.bounce.warn(m),
      trace: (m) => this.bounce.trace(m),
    };
  }

  /** The cleanup service published under master.cf name `name`, if it runs. */
  cleanup(name: string): CleanupService | undefined {
    return this.#cleanups.get(name);
  }

  /**
   * A CleanupService that forwards each call to the one running under `name`
   * at that moment (smtpd starts before cleanup in master.cf order, and
   * cleanup is rebuilt on reload). While none runs, mail is refused with
   * `451 4.3.0 Error: queue file write error`, as when Postfix's smtpd cannot
   * reach cleanup.
   */
  cleanupFor(name: string): CleanupService {
    const target = (): CleanupService => {
      const service = this.#cleanups.get(name);
      if (service === undefined) throw new MailError(CLEANUP_REPLY.write_error);
      return service;
    };
    return {
      newQueueId: () => target().newQueueId(),
      submit: (request, content) => target().submit(request, content),
      checkSpace: async () => target().checkSpace?.(),
    };
  }

  setCleanup(name: string, service: CleanupService | null): void {
    if (service === null) this.#cleanups.delete(name);
    else this.#cleanups.set(name, service);
  }

  /** The agent bound to master.cf service `name`: what qmgr calls for transport `name`. */
  agent(name: string): AgentBinding | undefined {
    return this.#agents.get(name);
  }

  setAgent(name: string, agent: DeliveryAgent | null, processLimit: number): void {
    if (agent === null) this.#agents.delete(name);
    else this.#agents.set(name, { agent, processLimit });
  }
}

/** A fresh set of programs for one daemon, sharing one hub. */
export function createPrograms(hub: ServiceHub = new ServiceHub()): ServiceProgram[] {
  const store = (config: Config) => hub.store(config);
  const agents = {
    publish: (name: string, agent: DeliveryAgent | null, limit: number) => hub.setAgent(name, agent, limit),
  };
  return [
    smtpdProgram({ cleanup: (sc) => hub.cleanupFor(sc.config.params.cleanup_service_name) }),
    cleanupProgram({
      store,
      notifyQmgr: (id) => hub.qmgr?.notify(id),
      publish: (name, service) => hub.setCleanup(name, service),
    }),
    qmgrProgram({
      store,
      agent: (name) => hub.agent(name),
      bounce: () => hub.bounceService(),
      publish: (qmgr) => {
        hub.qmgr = qmgr;
      },
    }),
    errorProgram(agents),
    discardProgram(agents),
    ...agentPrograms({
      ...agents,
      cleanup: (sc) => hub.cleanupFor(sc.config.params.cleanup_service_name),
      agent: (name) => hub.agent(name)?.agent,
    }),
  ];
}

/** The implemented programs, for their names (postfix check); startMaster() makes its own set per daemon. */
export const PROGRAMS: readonly ServiceProgram[] = createPrograms();
