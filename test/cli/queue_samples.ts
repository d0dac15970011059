/**
 * queue_samples: the queues behind Postfix 3.7.11's captured listings
 * (test/fixtures/postfix-3.7.11/mailq-sample-*.txt, postqueue-j-sample.txt),
 * as showq records and as real messages in an affix queue: the same IDs,
 * arrival times, content sizes, recipients and defer reasons.
 */
import type { ShowqMessage } from '../../src/qmgr/qmgr_showq.ts';
import type { QueueEnvelope, QueueRecipient } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import type { QueueName } from '../../src/queue/queue_store.ts';
import { baseMainCf } from '../peers/affix_instance.ts';
import { testEnvelope } from '../peers/test_envelope.ts';

export const REFUSED = 'connect to 127.0.0.1[127.0.0.1]:32526: Connection refused';
export const TIMED_OUT = 'conversation with 127.0.0.1[127.0.0.1] timed out while receiving the initial server greeting';

export interface SampleMessage {
  readonly queue: QueueName;
  readonly id: string;
  readonly size: number;
  /** Seconds since the epoch. */
  readonly arrival: number;
  readonly sender: string;
  readonly recipients: readonly { readonly address: string; readonly reason: string }[];
  readonly forcedExpire?: boolean;
}

/** mailq-sample-active-hold.txt and postqueue-j-sample.txt (same queue). */
export const ACTIVE_HOLD: readonly SampleMessage[] = [
  {
    queue: 'active',
    id: 'F19A81600C3',
    size: 437,
    arrival: 1795943151,
    sender: 'dave@example.test',
    recipients: [{ address: 'user@hang.test', reason: '' }],
  },
  {
    queue: 'deferred',
    id: '9F4411600A3',
    size: 418,
    arrival: 1795943151,
    sender: 'dave@example.test',
    recipients: [{ address: 'user@remote.test', reason: REFUSED }],
  },
  {
    queue: 'hold',
    id: '0B963160014',
    size: 276,
    arrival: 1795943216,
    sender: 'dave@example.test',
    recipients: [
      { address: 'user1@remote.test', reason: REFUSED },
      { address: 'user2@remote.test', reason: REFUSED },
    ],
  },
];

/** mailq-sample-short-ids.txt (all three deferred, listed in Postfix's directory order). */
export const SHORT_IDS: readonly SampleMessage[] = [
  { ...ACTIVE_HOLD[1]!, queue: 'deferred' },
  { ...ACTIVE_HOLD[0]!, queue: 'deferred', recipients: [{ address: 'user@hang.test', reason: TIMED_OUT }] },
  { ...ACTIVE_HOLD[2]!, queue: 'deferred' },
];

/** mailq-sample-long-ids.txt */
export const LONG_IDS: readonly SampleMessage[] = [
  {
    queue: 'deferred',
    id: '4jchFw2qPlzBrJw',
    size: 257,
    arrival: 1795943444,
    sender: 'dave@example.test',
    recipients: [{ address: 'u9@remote.test', reason: REFUSED }],
  },
];

/** A sample message as showq reports it. */
export function showqRecord(m: SampleMessage): ShowqMessage {
  return {
    queue: m.queue as ShowqMessage['queue'],
    id: m.id as QueueId,
    arrival: m.arrival,
    size: m.size,
    forcedExpire: m.forcedExpire ?? false,
    sender: m.sender,
    recipients: m.recipients,
  };
}

/** Content of exactly `size` bytes. */
export function contentOfSize(size: number, subject = 'sample'): Buffer {
  const head = `Subject: ${subject}\n\n`;
  return Buffer.from(`${head}${'x'.repeat(Math.max(0, size - head.length - 1))}\n`);
}

export function envelope(m: { readonly sender: string; readonly arrival: number }): QueueEnvelope {
  return testEnvelope(m.sender, m.arrival * 1e6);
}

/** Puts `messages` into the affix queue under `queueDirectory`, with defer logs for their reasons. */
export async function fillQueue(
  queueDirectory: string,
  messages: readonly SampleMessage[],
  long = false,
): Promise<FsQueueStore> {
  const store = new FsQueueStore({
    queue_directory: queueDirectory,
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: long,
  });
  await store.init();
  for (const m of messages) {
    const id = m.id as QueueId;
    const rcpts: QueueRecipient[] = m.recipients.map((r) => ({
      address: r.address,
      original: r.address,
      orcpt: `rfc822;${r.address}`,
      notify: 0,
    }));
    await store.create(id, 'incoming', envelope(m), rcpts, contentOfSize(m.size));
    if (m.queue !== 'incoming') await store.move(id, 'incoming', m.queue);
    if (m.forcedExpire) await store.setForceExpire(m.queue, id, true);
    for (const [i, r] of m.recipients.entries()) {
      if (r.reason === '') continue;
      await store.appendLog('defer', id, {
        recipient: r.address,
        original: r.address,
        orcpt: `rfc822;${r.address}`,
        notify: 0,
        offset: i,
        status: '4.4.1',
        action: 'delayed',
        reason: r.reason,
        diagnostic: '',
        remoteMta: '',
        time: m.arrival * 1e6,
      });
    }
  }
  return store;
}

/** main.cf of an affix configuration whose queue is `queueDirectory`. */
export function mainCf(dir: string, extra = ''): string {
  return `${baseMainCf(dir)}${extra}\n`;
}
