/**
 * master_worker: an smtpd worker process (affix_smtpd_processes > 1). The
 * master forks it and hands it the listening sockets of master.cf's smtpd
 * services; it runs those smtpd services and the cleanup services they feed,
 * with its own share of queue IDs, and tells the master each message cleanup
 * queued, so the master's qmgr schedules it at once. The kernel gives each
 * new connection to whichever process accepts first, so a busy master (qmgr,
 * delivery) leaves more sessions to its workers.
 *
 * A worker lives only as long as its master: when the fork channel closes
 * (the master stopped or was killed) it exits at once. A message whose
 * client already got 250 is on disk and the next master's qmgr finds it in
 * incoming; a half-written one is removed by the start-up sweep.
 */
import { createServer, type Server } from 'node:net';
import { serviceKey } from '../config/master_cf.ts';
import type { RunningService, StopMode } from '../config/master_service.ts';
import type { AnvilService } from '../smtpd/smtpd_anvil.ts';
import { loadConfig, programName, serviceContext } from './master_context.ts';
import { holdConnections } from './master_listen.ts';
import { createPrograms, ServiceHub } from './master_programs.ts';
import { SharedSinks } from './master_sinks.ts';
import { remoteAnvil } from './master_worker_anvil.ts';
import type { FromWorker, ToWorker, WorkerInit } from './master_worker_ipc.ts';

/** The programs a worker runs; everything else stays with the master. */
const WORKER_PROGRAMS = new Set(['smtpd', 'cleanup']);

function tell(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

/** Announces queued messages to the master, one message per turn of the event loop. */
function queuedAnnouncer(): (id: string) => void {
  let pending: string[] = [];
  const flush = () => {
    const ids = pending;
    pending = [];
    tell({ t: 'queued', ids });
  };
  return (id) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(id);
  };
}

interface Served {
  readonly running: RunningService;
  readonly listeners: readonly Server[];
}

/**
 * The listening sockets the master passed as descriptors, each already held
 * (holdConnections) before it accepts, so no connection is emitted unseen.
 * (A server handle sent as a message starts accepting before the message
 * reaches the program: connections in that gap were left unanswered.)
 */
function openListeners(init: WorkerInit): { listeners: Map<string, Server[]>; release: () => void } {
  const listeners = new Map<string, Server[]>();
  const releases: Array<() => void> = [];
  for (const { key, fd } of init.listeners) {
    const server = createServer();
    releases.push(holdConnections([server]));
    server.listen({ fd });
    listeners.set(key, [...(listeners.get(key) ?? []), server]);
  }
  return {
    listeners,
    release: () => {
      for (const release of releases.splice(0)) release();
    },
  };
}

async function startServices(
  init: WorkerInit,
  anvil: AnvilService,
  listeners: ReadonlyMap<string, Server[]>,
  sinks: SharedSinks,
): Promise<{ served: Served[]; hub: ServiceHub }> {
  const config = await loadConfig({ optionC: init.optionC }, process.env);
  const hub = new ServiceHub({ keepFresh: false, idSlot: init.slot, commitLog: 'append' });
  hub.notifyQmgr = queuedAnnouncer();
  hub.anvil = anvil;
  const programs = new Map(createPrograms(hub).map((p) => [p.name, p]));
  const served: Served[] = [];
  for (const service of config.masterCf?.services ?? []) {
    const name = programName(service);
    const program = WORKER_PROGRAMS.has(name) ? programs.get(name) : undefined;
    const own = listeners.get(serviceKey(service)) ?? [];
    if (program === undefined || (name === 'smtpd' && own.length === 0)) continue;
    const running = await program.start(serviceContext(config, service, own, () => undefined, sinks));
    served.push({ running, listeners: own });
  }
  return { served, hub };
}

async function stopServices(
  { served, hub }: { served: readonly Served[]; hub: ServiceHub },
  mode: StopMode,
  sinks: SharedSinks,
): Promise<never> {
  // Closing this process's copy of a listening socket leaves the master's (and other workers') open.
  for (const s of served) for (const l of s.listeners) l.close();
  await Promise.allSettled(served.map((s) => s.running.stop(mode)));
  await hub.closeCommitLogs();
  await sinks.close();
  process.exit(0);
}

/** Runs the worker `init` (the master's JSON argument) describes until the master says stop or goes away. */
export function runSmtpdWorker(initText: string | undefined): void {
  if (process.send === undefined || initText === undefined) {
    throw new Error('master_worker: not started by the affix master');
  }
  const init = JSON.parse(initText) as WorkerInit;
  // What ps and pgrep show, as they show Postfix's smtpd processes (the command line is a long JSON argument).
  process.title = 'smtpd (affix worker)';
  process.on('disconnect', () => process.exit(0));
  // A terminal's ^C or a HUP reaches the whole process group; the master decides for its workers.
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);

  const sinks = new SharedSinks();
  const { listeners, release } = openListeners(init);
  const anvil = remoteAnvil(tell);
  const served = startServices(init, anvil.service, listeners, sinks);
  let stopping = false;
  const stop = (mode: StopMode) => {
    if (stopping) return;
    stopping = true;
    void served.then((s) => stopServices(s, mode, sinks));
  };
  process.on('SIGTERM', () => stop('graceful'));
  process.on('message', (message: ToWorker) => {
    if (message.t === 'anvil') anvil.answered(message);
    else if (message.t === 'stop') stop(message.mode);
    else sinks.reopen();
  });
  served.then(
    () => {
      release();
      tell({ t: 'ready' });
    },
    (err: unknown) => {
      process.stderr.write(`affix smtpd worker: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
