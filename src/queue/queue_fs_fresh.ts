/**
 * queue_fs_fresh: the bytes of the queue files the daemon has just written,
 * kept until qmgr has read the message and delivery has taken its content
 * once. qmgr reads each new file milliseconds after cleanup wrote it; from
 * memory that costs the event loop no open, fstat, read or close. Bounded
 * by count and bytes, oldest dropped first; every change to a file drops
 * its entry, so what is read here is what the file holds.
 *
 * See: queue_fs_store.ts (create, read, content and the methods that change a file)
 */
import type { QueueId } from './queue_id.ts';

/** Enough for the files written while qmgr catches up under load (about 8 MB of 4 KB messages). */
const MAX_FILES = 2000;
const MAX_BYTES = 16 * 1024 * 1024;
/** A large message is read from its file, as before: it would crowd the others out. */
const MAX_FILE_BYTES = 256 * 1024;

export class FreshFiles {
  readonly #files = new Map<QueueId, Buffer>();
  #bytes = 0;

  /** Keeps `bytes` as the content of queue file `id`, just written. */
  remember(id: QueueId, bytes: Buffer): void {
    this.forget(id);
    if (bytes.length > MAX_FILE_BYTES) return;
    this.#files.set(id, bytes);
    this.#bytes += bytes.length;
    for (const [oldest] of this.#files) {
      if (this.#files.size <= MAX_FILES && this.#bytes <= MAX_BYTES) break;
      this.forget(oldest);
    }
  }

  /** The whole file `id` as written, if it is still kept. */
  get(id: QueueId): Buffer | undefined {
    return this.#files.get(id);
  }

  /** Drops `id`: its file changed, went away, or was read once. */
  forget(id: QueueId): void {
    const bytes = this.#files.get(id);
    if (bytes === undefined) return;
    this.#files.delete(id);
    this.#bytes -= bytes.length;
  }

  get size(): number {
    return this.#files.size;
  }
}
