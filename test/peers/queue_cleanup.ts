/**
 * queue_cleanup: a small stand-in for the cleanup service (until the real
 * one lands): it streams what smtpd hands over straight into an
 * FsQueueStore, in `incoming` (or `hold` when smtpd's access checks said
 * HOLD), and resolves only once the store has synced the file, so
 * `250 Ok: queued as ID` means on disk. No address rewriting, no header
 * checks. It remembers what it queued so a test can read it back.
 */
import type { CleanupRequest, CleanupResult, CleanupService } from '../../src/cleanup/cleanup_service.ts';
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import type { QueueName } from '../../src/queue/queue_store.ts';

export interface QueuedMessage {
  readonly id: QueueId;
  readonly queue: QueueName;
  readonly sender: string;
  readonly recipients: readonly string[];
  /** What smtpd asked for (local_header_rewrite_clients). */
  readonly rewriteContext: 'local' | 'remote' | undefined;
}

export class QueueCleanup implements CleanupService {
  readonly store: FsQueueStore;
  readonly queued: QueuedMessage[] = [];
  /** Messages whose content ended in an error (aborted by smtpd). */
  aborted = 0;

  constructor(store: FsQueueStore) {
    this.store = store;
  }

  static async create(queue_directory: string): Promise<QueueCleanup> {
    const store = new FsQueueStore({
      queue_directory,
      hash_queue_names: ['deferred', 'defer'],
      hash_queue_depth: 1,
      enable_long_queue_ids: false,
    });
    await store.init();
    return new QueueCleanup(store);
  }

  newQueueId(): QueueId {
    return this.store.newId();
  }

  async submit(request: CleanupRequest, content: AsyncIterable<Buffer>): Promise<CleanupResult> {
    if (request.actions.discard !== undefined) {
      for await (const _ of content) {
        // read and drop
      }
      return { queueId: request.queueId, outcome: 'discarded' };
    }
    const queue = request.actions.hold !== undefined ? 'hold' : 'incoming';
    const envelope: QueueEnvelope = {
      sender: request.sender,
      arrival: Date.now() * 1000,
      client: request.client,
      envid: request.envid,
      ret: request.ret,
      warnAt: null,
      smtputf8: request.smtputf8,
      body8bit: request.body8bit,
      rewriteContext: 'remote',
      fullName: request.fullName,
      attributes: {},
    };
    const recipients = request.recipients.map((r) => ({
      address: r.address,
      original: r.address,
      orcpt: r.orcpt,
      notify: r.notify,
    }));
    try {
      await this.store.create(request.queueId, queue, envelope, recipients, content);
    } catch (err) {
      this.aborted++;
      throw err;
    }
    this.queued.push({
      id: request.queueId,
      queue,
      sender: request.sender,
      recipients: request.recipients.map((r) => r.address),
      rewriteContext: request.rewriteContext,
    });
    return { queueId: request.queueId, outcome: queue === 'hold' ? 'held' : 'queued' };
  }

  /** The content of a queued message, as text. */
  async content(m: QueuedMessage): Promise<string> {
    const message = await this.store.read(m.queue, m.id);
    const chunks: Buffer[] = [];
    for await (const c of this.store.content(message)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}
