/**
 * master_worker_ipc: what the master tells an smtpd worker process when it
 * starts it, and the messages the two exchange over the fork channel (JSON).
 */
import type { StopMode } from '../config/master_service.ts';
import type { QueueIdSlot } from '../queue/queue_id.ts';
import type { AnvilReply, AnvilRequest } from './master_worker_anvil.ts';

/** Queue IDs are split this many ways (so at most this many processes): the master takes slot 0, worker i slot i. */
export const ID_SLOTS = 64;
/** The master's own slot of queue IDs. */
export const MASTER_ID_SLOT: QueueIdSlot = { index: 0, count: ID_SLOTS };

/** How a worker starts (its command-line argument, JSON): the listening sockets arrive as inherited descriptors. */
export interface WorkerInit {
  readonly optionC: string | undefined;
  readonly slot: QueueIdSlot;
  /** master.cf service key and descriptor number of each listening socket. */
  readonly listeners: ReadonlyArray<{ readonly key: string; readonly fd: number }>;
}

/** From the master to a worker. */
export type ToWorker = { readonly t: 'stop'; readonly mode: StopMode } | { readonly t: 'reopen-logs' } | AnvilReply;

/** From a worker to the master: it serves; cleanup queued these incoming messages; a client count. */
export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'queued'; readonly ids: readonly string[] }
  | AnvilRequest;
