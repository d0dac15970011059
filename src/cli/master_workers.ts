/**
 * master_workers: the master's side of affix_smtpd_processes. With N > 1 the
 * master forks N-1 smtpd worker processes (master_worker.ts) and hands each
 * the listening sockets of master.cf's smtpd services, so SMTP sessions,
 * cleanup and queue-file writes use more than one CPU, as Postfix's many
 * smtpd and cleanup processes do. Each worker names its messages from its
 * own slot of queue IDs and announces them here for qmgr, and asks here
 * for the client counts (master_worker_anvil.ts), so limits hold daemon-wide.
 *
 * A worker that dies is logged as Postfix's master logs a child's death and
 * started again; one that dies before it serves is throttled for 60 s (the
 * default service_throttle_time). On reload the workers finish their
 * sessions on the old configuration while new ones start on the new.
 *
 * Parameters: affix_smtpd_processes, daemon_directory
 * Diagnostics: `warning: process DIR/smtpd pid N killed by signal S` (or
 *   `exit status N`), `warning: DIR/smtpd: bad command startup -- throttling`
 * See: postfix/src/master/master_spawn.c, master_avail.c
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { Server } from 'node:net';
import { constants } from 'node:os';
import type { StopMode } from '../config/master_service.ts';
import type { Log } from '../log/log.ts';
import { parseQueueId, type QueueId } from '../queue/queue_id.ts';
import type { Anvil } from '../smtpd/smtpd_anvil.ts';
import { answerAnvil } from './master_worker_anvil.ts';
import { type FromWorker, ID_SLOTS, type ToWorker, type WorkerInit } from './master_worker_ipc.ts';

const RESTART_DELAY_MS = 1_000;
const THROTTLE_MS = 60_000;
const READY_WAIT_MS = 60_000;
const GRACEFUL_WAIT_MS = 15_000;

/** The entry point of a worker, next to this file (.ts from source, .js from dist). */
const WORKER_ENTRY = new URL(`./master_worker_main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export interface WorkerSettings {
  /** affix_smtpd_processes: the master counts as one. */
  readonly processes: number;
  readonly optionC: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly daemonDirectory: string;
  /** The listening sockets of the smtpd services, by master.cf service key. */
  readonly listeners: ReadonlyMap<string, readonly Server[]>;
}

interface Worker {
  readonly child: ChildProcess;
  readonly index: number;
  readonly exited: Promise<void>;
  /** Resolves when it serves. */
  readonly serving: Promise<void>;
  ready: boolean;
  /** Told to stop (reload or master stop): its exit is expected. */
  retired: boolean;
}

export class SmtpdWorkers {
  readonly #log: () => Log;
  readonly #queued: (id: QueueId) => void;
  readonly #anvil: Anvil;
  readonly #workers = new Set<Worker>();
  #settings: WorkerSettings | null = null;
  #stopping = false;

  /** `queued` hands qmgr a message a worker queued; `anvil` answers their client counts; `log` is the master's current log. */
  constructor(log: () => Log, queued: (id: QueueId) => void, anvil: Anvil) {
    this.#log = log;
    this.#queued = queued;
    this.#anvil = anvil;
  }

  /** Starts the workers `settings` asks for and waits until they serve (or fail). */
  async start(settings: WorkerSettings): Promise<void> {
    this.#settings = settings;
    if (settings.listeners.size === 0) return;
    const started: Worker[] = [];
    for (let index = 1; index < Math.min(settings.processes, ID_SLOTS); index++) started.push(this.#spawn(index));
    await Promise.all(started.map((w) => this.#readyOrGone(w)));
  }

  /** After a reload: the old workers finish their sessions; new ones serve with the new configuration. */
  async reload(settings: WorkerSettings): Promise<void> {
    const old = [...this.#workers];
    for (const w of old) this.#retire(w, 'graceful');
    await this.start(settings);
  }

  /** Every worker opens its log files again (after the master rotated them). */
  reopenLogs(): void {
    for (const w of this.#workers) this.#send(w, { t: 'reopen-logs' });
  }

  async stop(mode: StopMode): Promise<void> {
    this.#stopping = true;
    const all = [...this.#workers];
    for (const w of all) this.#retire(w, mode);
    await Promise.all(all.map((w) => w.exited));
  }

  #spawn(index: number): Worker {
    const s = this.#settings!;
    // The listening sockets go as inherited descriptors 4, 5, ... (0-2 stdio, 3 the fork channel).
    const fds: number[] = [];
    const listeners: Array<{ key: string; fd: number }> = [];
    for (const [key, servers] of s.listeners) {
      for (const server of servers) {
        listeners.push({ key, fd: 4 + fds.length });
        fds.push(descriptorOf(server));
      }
    }
    const init: WorkerInit = { optionC: s.optionC, slot: { index, count: ID_SLOTS }, listeners };
    const child = fork(WORKER_ENTRY, [JSON.stringify(init)], {
      env: s.env,
      // The master's loader (tsx) and profiling flags, not the test runner's.
      execArgv: process.execArgv.filter((a) => !a.startsWith('--test')),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc', ...fds],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let served = () => undefined as void;
    const serving = new Promise<void>((resolve) => {
      served = resolve;
    });
    const worker: Worker = { child, index, exited, serving, ready: false, retired: false };
    this.#workers.add(worker);
    child.on('message', (m: FromWorker) => {
      if (m.t === 'anvil') {
        const reply = answerAnvil(this.#anvil, m);
        if (reply !== null) this.#send(worker, reply);
      } else if (m.t === 'queued') {
        this.#onQueued(m.ids);
      } else {
        worker.ready = true;
        served();
      }
    });
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => this.#onExit(worker, code, signal));
    return worker;
  }

  #send(worker: Worker, message: ToWorker): void {
    if (!worker.child.connected) return;
    try {
      worker.child.send(message);
    } catch {
      // The worker is going; its exit says the rest.
    }
  }

  #onQueued(ids: readonly string[]): void {
    for (const text of ids) {
      const id = parseQueueId(text);
      if (id !== null) this.#queued(id);
    }
  }

  /** Resolves when `worker` serves, has exited, or READY_WAIT_MS passed (it then serves late or is restarted). */
  #readyOrGone(worker: Worker): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READY_WAIT_MS);
    });
    return Promise.race([worker.serving, worker.exited, late]).finally(() => clearTimeout(timer));
  }

  #retire(worker: Worker, mode: StopMode): void {
    worker.retired = true;
    // One still starting may not listen to its channel yet; SIGTERM is its graceful stop too.
    if (worker.ready) this.#send(worker, { t: 'stop', mode });
    else worker.child.kill('SIGTERM');
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), mode === 'immediate' ? 2_000 : GRACEFUL_WAIT_MS);
    void worker.exited.then(() => clearTimeout(timer));
  }

  #onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker);
    if (worker.retired || this.#stopping) return;
    const path = `${this.#settings?.daemonDirectory ?? ''}/smtpd`;
    const pid = worker.child.pid ?? 0;
    const how = signal !== null ? `killed by signal ${signalNumber(signal)}` : `exit status ${code ?? 0}`;
    this.#log().warn(`process ${path} pid ${pid} ${how}`);
    let delay = RESTART_DELAY_MS;
    if (!worker.ready) {
      this.#log().warn(`${path}: bad command startup -- throttling`);
      delay = THROTTLE_MS;
    }
    const timer = setTimeout(() => {
      // A reload since may have asked for fewer processes.
      if (!this.#stopping && worker.index < (this.#settings?.processes ?? 0)) this.#spawn(worker.index);
    }, delay);
    timer.unref();
  }
}

/** The descriptor of a bound listening socket (Node keeps it on the handle; no public API gives it). */
function descriptorOf(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('listening socket has no descriptor');
  return fd;
}

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number | undefined>)[signal] ?? 0;
}
