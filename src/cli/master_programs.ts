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
 * qmgr (cleanup announces new mail to it), the delivery agents by
 * master.cf service name (qmgr's transports: error, retry, discard, smtp,
 * relay, lmtp, local, virtual), and the bounce services by master.cf name
 * (bounce, defer, trace: qmgr's notification requests go to the one
 * bounce_service_name, defer_service_name or trace_service_name names).
 */
import { resolve } from 'node:path';
import { type BounceServiceNames, bounceProgram } from '../bounce/bounce.ts';
import { cleanupProgram } from '../cleanup/cleanup.ts';
import { CLEANUP_REPLY } from '../cleanup/cleanup_replies.ts';
import type { CleanupService } from '../cleanup/cleanup_service.ts';
import type { Config } from '../config/config.ts';
import type { ServiceProgram } from '../config/master_service.ts';
import { discardProgram } from '../discard/discard.ts';
import { errorProgram } from '../error/error.ts';
import { MailError } from '../global/reply.ts';
import { pickupProgram } from '../pickup/pickup.ts';
import { qmgrProgram } from '../qmgr/qmgr.ts';
import type { AgentBinding } from '../qmgr/qmgr_context.ts';
import type { Qmgr } from '../qmgr/qmgr_core.ts';
import { showqProgram } from '../qmgr/qmgr_showq_service.ts';
import type { BounceService } from '../queue/bounce_request.ts';
import type { DeliveryAgent } from '../queue/deliver_request.ts';
import { FsQueueStore } from '../queue/queue_fs_store.ts';
import type { QueueId, QueueIdSlot } from '../queue/queue_id.ts';
import { smtpdProgram } from '../smtpd/smtpd.ts';
import { Anvil, type AnvilService, localAnvil } from '../smtpd/smtpd_anvil.ts';
import { agentPrograms } from './master_agents.ts';
import { MASTER_ID_SLOT } from './master_worker_ipc.ts';

/**
 * While master.cf runs no bounce service of the name a request goes to:
 * every notification fails, so qmgr keeps the message and logs
 * `status=deferred (bounce failed)` instead of losing the sender's notice.
 */
function bounceUnavailable(name: string): BounceService {
  const fail = () => Promise.reject(new Error(`${name} service is not running`));
  return { flush: fail, flushDeferred: fail, warn: fail, trace: fail };
}

/** How long a client's MAIL waits for cleanup to start (daemon start-up, reload) before 451 4.3.0. */
const CLEANUP_WAIT_MS = 10_000;

/**
 * How a hub's queue stores are made: the master's keeps new files for qmgr
 * and replays the commit log before anything reads the queue; a worker
 * takes its share of IDs and only appends to a log of its own.
 */
export interface HubStoreOptions {
  readonly keepFresh: boolean;
  readonly idSlot?: QueueIdSlot;
  readonly commitLog?: 'replay' | 'append';
}

/** What the services of one daemon (or of one smtpd worker process) share. */
export class ServiceHub {
  readonly #storeOptions: HubStoreOptions;
  readonly #stores = new Map<string, Promise<FsQueueStore>>();
  readonly #cleanups = new Map<string, CleanupService>();
  readonly #cleanupWaiters = new Map<string, Array<() => void>>();
  readonly #agents = new Map<string, AgentBinding>();
  readonly #bounces = new Map<string, BounceService>();
  #bounceNames: BounceServiceNames = { bounce: 'bounce', defer: 'defer', trace: 'trace' };
  qmgr: Qmgr | null = null;
  /** The daemon's client counters (Postfix's anvil), which the master also answers its workers from. */
  readonly anvilCounters = new Anvil();
  /** How smtpd reaches them: directly, or (in a worker) through the master. */
  anvil: AnvilService = localAnvil(this.anvilCounters);
  /** Where cleanup announces a new incoming message: this process's qmgr, or (in a worker) the master's. */
  notifyQmgr: (id: QueueId) => void = (id) => this.qmgr?.notify(id);
  /** Where qmgr's notification requests go: the bounce services master.cf runs (tests may replace it). */
  bounce: BounceService = {
    flush: (m) => this.#bounceBy('bounce').flush(m),
    flushDeferred: (m) => this.#bounceBy('defer').flushDeferred(m),
    warn: (m) => this.#bounceBy('defer').warn(m),
    trace: (m) => this.#bounceBy('trace').trace(m),
  };

  constructor(storeOptions: HubStoreOptions = { keepFresh: true, idSlot: MASTER_ID_SLOT, commitLog: 'replay' }) {
    this.#storeOptions = storeOptions;
  }

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
        ...this.#storeOptions,
      });
      store = s.init().then(() => s);
      this.#stores.set(dir, store);
    }
    return store;
  }

  /**
   * At a worker's clean stop: checkpoints and drops its commit log segments,
   * so workers replaced at each reload leave nothing behind. (The master's
   * own segment is replayed at its next start.)
   */
  async closeCommitLogs(): Promise<void> {
    for (const store of this.#stores.values()) await (await store).closeCommitLog().catch(() => undefined);
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

  /** Publishes (or, with null, withdraws) the bounce service of master.cf name `name`, and where requests go. */
  setBounce(name: string, service: BounceService | null, names: BounceServiceNames): void {
    if (service === null) this.#bounces.delete(name);
    else this.#bounces.set(name, service);
    this.#bounceNames = names;
  }

  #bounceBy(kind: keyof BounceServiceNames): BounceService {
    const name = this.#bounceNames[kind];
    return this.#bounces.get(name) ?? bounceUnavailable(name);
  }

  /** The cleanup service published under master.cf name `name`, if it runs. */
  cleanup(name: string): CleanupService | undefined {
    return this.#cleanups.get(name);
  }

  /**
   * A CleanupService that forwards each call to the one running under `name`
   * at that moment (smtpd starts before cleanup in master.cf order, and
   * cleanup is rebuilt on reload). The space check at MAIL, the first call of
   * every transaction, waits up to CLEANUP_WAIT_MS for cleanup to run, as
   * Postfix's smtpd waits for master to start cleanup; past that, and for a
   * later call while none runs, mail is refused with `451 4.3.0 Error: queue
   * file write error`, as when Postfix's smtpd cannot reach cleanup.
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
      checkSpace: async () => {
        await this.#cleanupRunning(name);
        return target().checkSpace?.();
      },
    };
  }

  setCleanup(name: string, service: CleanupService | null): void {
    if (service === null) {
      this.#cleanups.delete(name);
      return;
    }
    this.#cleanups.set(name, service);
    for (const wake of this.#cleanupWaiters.get(name) ?? []) wake();
    this.#cleanupWaiters.delete(name);
  }

  /** Resolves once cleanup `name` runs, or after CLEANUP_WAIT_MS (the caller then finds none). */
  async #cleanupRunning(name: string): Promise<void> {
    if (this.#cleanups.has(name)) return;
    await new Promise<void>((resolve) => {
      const waiters = this.#cleanupWaiters.get(name) ?? [];
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      // On time-out, leave the list: a cleanup that never starts must not collect waiters.
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(wake), 1);
        resolve();
      }, CLEANUP_WAIT_MS);
      waiters.push(wake);
      this.#cleanupWaiters.set(name, waiters);
    });
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

/**
 * qmgr, answering also `{command: "flush"}` on the control socket, what
 * `affix postfix flush` sends (postqueue -f's trigger, FADI).
 */
function withFlush(hub: ServiceHub, qmgr: ServiceProgram): ServiceProgram {
  return {
    name: qmgr.name,
    start(context) {
      context.registerControl('flush', async () => {
        if (hub.qmgr === null) return { ok: false, error: 'qmgr is not running' };
        hub.qmgr.flush();
        return { ok: true };
      });
      return qmgr.start(context);
    },
  };
}

/** A fresh set of programs for one daemon, sharing one hub. */
export function createPrograms(hub: ServiceHub = new ServiceHub()): ServiceProgram[] {
  const store = (config: Config) => hub.store(config);
  const agents = {
    publish: (name: string, agent: DeliveryAgent | null, limit: number) => hub.setAgent(name, agent, limit),
  };
  return [
    smtpdProgram({ cleanup: (sc) => hub.cleanupFor(sc.config.params.cleanup_service_name), anvil: () => hub.anvil }),
    cleanupProgram({
      store,
      notifyQmgr: (id) => hub.notifyQmgr(id),
      publish: (name, service) => hub.setCleanup(name, service),
    }),
    withFlush(
      hub,
      qmgrProgram({
        store,
        agent: (name) => hub.agent(name),
        bounce: () => hub.bounceService(),
        publish: (qmgr) => {
          hub.qmgr = qmgr;
        },
      }),
    ),
    // [issue 4] sendmail's maildrop into cleanup; the queue listing for postqueue -p/-j.
    pickupProgram({
      store,
      cleanup: (sc) => hub.cleanupFor(sc.config.params.cleanup_service_name),
      cleanupReady: (sc) => hub.cleanup(sc.config.params.cleanup_service_name) !== undefined,
    }),
    showqProgram({ store }),
    bounceProgram({
      store,
      cleanup: (sc) => hub.cleanupFor(sc.config.params.cleanup_service_name),
      publish: (name, service, names) => hub.setBounce(name, service, names),
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
