/**
 * queue_fs_disk_worker: the body of the queue store's disk thread
 * (queue_fs_disk_thread.ts). It takes batches of create and remove
 * requests, runs them with its own group commit, and answers in batches:
 * one message each way per batch, however many files.
 *
 * Diagnostics: a failed request is answered with its error's code and text
 */
import { parentPort } from 'node:worker_threads';
import { createQueueFile, removeQueueFile } from './queue_fs_disk_ops.ts';
import { SyncGroup } from './queue_sync.ts';

/** What the disk thread is asked to do; a create's `data` is the whole file, moved to the thread. */
export type DiskJob =
  | { readonly op: 'create'; readonly path: string; readonly data: Uint8Array; readonly syncDir: string | null }
  | { readonly op: 'remove'; readonly path: string; readonly dir: string };

/** A job with the number its answer carries. */
export type DiskRequest = DiskJob & { readonly id: number };

/** The answer to request `id`: null when done, else the error's code and message. */
export type DiskReply = readonly [id: number, error: { code: string | undefined; message: string } | null];

const group = new SyncGroup();
let answers: DiskReply[] = [];

function answer(reply: DiskReply): void {
  if (answers.length === 0) setImmediate(flushAnswers);
  answers.push(reply);
}

function flushAnswers(): void {
  parentPort!.postMessage(answers);
  answers = [];
}

async function run(r: DiskRequest): Promise<void> {
  try {
    if (r.op === 'create')
      await createQueueFile(
        group,
        r.path,
        [Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength)],
        r.syncDir,
      );
    else await removeQueueFile(group, r.path, r.dir);
    answer([r.id, null]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    answer([r.id, { code: e.code, message: String(e.message ?? e) }]);
  }
}

parentPort!.on('message', (batch: readonly DiskRequest[]) => {
  for (const r of batch) void run(r);
});
