/**
 * queue_fs_disk_thread: the daemon's queue store does its disk work on a
 * thread of its own, so the event loop that serves every SMTP session never
 * waits on the device. Measured under bench/e2e's load on ext4 without a
 * journal: a create spent 130 µs allocating an inode, a removal 296 µs
 * waiting for the device's discard, each fsync 60 µs waking a pool thread,
 * all on the event loop. Here the loop pays one message per batch each way.
 *
 * Diagnostics: a request fails with the system error the thread met; if the
 *   thread itself dies, every pending request fails and the next starts a new one
 * See: queue_fs_disk_worker.ts (the thread's body), queue_fs_disk_ops.ts
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DiskJob, DiskReply, DiskRequest } from './queue_fs_disk_worker.ts';

interface Waiter {
  readonly ok: () => void;
  readonly fail: (err: Error) => void;
}

/** The worker's file: .ts when affix runs from source (tsx), .js once compiled. */
const WORKER_URL = new URL(`./queue_fs_disk_worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * Compiled, the thread runs the worker's file. From source (tests, benches),
 * Node 20 does not pass tsx's loader on to a new thread, so the thread
 * registers tsx first, then imports the TypeScript file.
 */
function startWorker(): Worker {
  if (WORKER_URL.pathname.endsWith('.js')) return new Worker(WORKER_URL);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true });
}

export class DiskThread {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, Waiter>();
  #outbox: DiskRequest[] = [];

  /** Writes `data` as the new queue file `path` and resolves once it is on stable storage. */
  create(path: string, data: Buffer, syncDir: string | null): Promise<void> {
    return this.#send({ op: 'create', path, data, syncDir });
  }

  /** Removes the queue file `path` and resolves once `dir` no longer lists it on disk. */
  remove(path: string, dir: string): Promise<void> {
    return this.#send({ op: 'remove', path, dir });
  }

  #send(job: DiskJob): Promise<void> {
    const id = this.#nextId++;
    return new Promise((ok, fail) => {
      this.#waiting.set(id, { ok, fail });
      if (this.#outbox.length === 0) queueMicrotask(() => this.#flush());
      this.#outbox.push({ ...job, id });
    });
  }

  /** Sends what this turn of the event loop asked for as one batch; file contents are moved, not copied. */
  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    const worker = this.#started();
    worker.ref(); // pending requests keep the process alive; an idle thread does not
    const moved = batch.flatMap((r) => (r.op === 'create' ? [r.data.buffer as ArrayBuffer] : []));
    worker.postMessage(batch, moved);
  }

  #started(): Worker {
    if (this.#worker !== null) return this.#worker;
    const worker = startWorker();
    worker.on('message', (replies: readonly DiskReply[]) => this.#answered(replies));
    worker.on('error', (err) => this.#lost(worker, err));
    worker.on('exit', (code) => this.#lost(worker, new Error(`queue disk thread exited with status ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #answered(replies: readonly DiskReply[]): void {
    for (const [id, error] of replies) {
      const waiter = this.#waiting.get(id);
      if (waiter === undefined) continue;
      this.#waiting.delete(id);
      if (error === null) waiter.ok();
      else waiter.fail(Object.assign(new Error(error.message), { code: error.code }));
    }
    if (this.#waiting.size === 0) this.#worker?.unref();
  }

  /** The thread died: what it had not answered fails (those messages get a 451), and the next request starts a new one. */
  #lost(worker: Worker, err: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    for (const waiter of this.#waiting.values()) waiter.fail(err);
    this.#waiting.clear();
  }

  /** Stops the thread (pending requests fail); a later request starts a new one. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker !== null) await worker.terminate();
  }
}
