/**
 * bounce_fixtures: what the bounce tests share — a queue holding one
 * original message and its defer/bounce/trace logs in memory, a cleanup
 * service that records the notifications it is asked to queue, a bounce
 * service built on them from a private main.cf with its log in memory, the
 * Postfix samples (bounce-dsn-samples.mbox) split into messages, and the
 * normalisation that makes a Postfix and an affix notification comparable
 * (queue IDs, dates, boundary times and host names).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { BounceCleanup, BounceCleanupRequest, BounceContext } from '../../src/bounce/bounce_context.ts';
import { BounceServer } from '../../src/bounce/bounce_service.ts';
import { BounceTemplates } from '../../src/bounce/bounce_templates.ts';
import { readConfig } from '../../src/config/config.ts';
import { MailError, type Refusal } from '../../src/global/reply.ts';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';
import { parseQueueId, type QueueId } from '../../src/queue/queue_id.ts';
import type { DeliveryLogEntry, LogKind, QueueMessage, QueueStore } from '../../src/queue/queue_store.ts';
import { testEnvelope } from '../peers/test_envelope.ts';
import { configDir } from '../peers/tmpdir.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');

/** The notifications in bounce-dsn-samples.mbox, each without its `From ` line. */
export function postfixSamples(): string[] {
  const text = readFileSync(join(FIXTURES, 'bounce-dsn-samples.mbox'), 'utf8');
  return text
    .split(/^From MAILER-DAEMON {2}.*\n/m)
    .slice(1)
    .map((m) => m.replace(/\n+$/, ''));
}

/** A queue with one message and its logs, enough for the bounce service. */
export class MemoryQueue {
  readonly logs = new Map<LogKind, DeliveryLogEntry[]>();
  content: Buffer | null;
  readonly removed: LogKind[] = [];

  constructor(content: Buffer | null) {
    this.content = content;
  }

  /** The store's methods bounce uses; any other is missing (a call would fail the test). */
  store(): QueueStore {
    const used: Pick<QueueStore, 'content' | 'appendLog' | 'readLog' | 'removeLog'> = {
      content: () => {
        if (this.content === null) {
          const r = new Readable({ read() {} });
          process.nextTick(() => r.destroy(Object.assign(new Error('ENOENT'), { code: 'ENOENT' })));
          return r;
        }
        // Two chunks, so line assembly across chunks is exercised.
        const c = this.content;
        return Readable.from([c.subarray(0, Math.floor(c.length / 2)), c.subarray(Math.floor(c.length / 2))]);
      },
      appendLog: async (kind, _id, entry) => {
        this.logs.set(kind, [...(this.logs.get(kind) ?? []), entry]);
      },
      readLog: async (kind) => [...(this.logs.get(kind) ?? [])],
      removeLog: async (kind) => {
        this.removed.push(kind);
        this.logs.delete(kind);
      },
    };
    return used as QueueStore;
  }
}

/** A cleanup service that records each notification; `refuse` makes it refuse them. */
export class RecordingCleanup implements BounceCleanup {
  readonly submitted: { request: BounceCleanupRequest; content: string }[] = [];
  refuse: Refusal | null = null;
  #n = 0;

  newQueueId(): QueueId {
    return parseQueueId(`B0${(++this.#n).toString().padStart(9, '0')}`)!;
  }

  async submit(request: BounceCleanupRequest, content: AsyncIterable<Buffer>): Promise<{ queueId: QueueId }> {
    const chunks: Buffer[] = [];
    for await (const c of content) chunks.push(c);
    if (this.refuse !== null) throw new MailError(this.refuse);
    this.submitted.push({ request, content: Buffer.concat(chunks).toString('utf8') });
    return { queueId: request.queueId };
  }
}

/** main.cf lines of the bounce tests: the host of the Postfix samples, with Postfix's mail_name. */
export const BOUNCE_MAIN_CF: Readonly<Record<string, string>> = {
  compatibility_level: '3.6',
  myhostname: 'mx.example.test',
  mydomain: 'example.test',
  myorigin: 'example.test',
  mail_name: 'Postfix',
};

export interface BounceHarness {
  readonly server: BounceServer;
  readonly queue: MemoryQueue;
  readonly cleanup: RecordingCleanup;
  readonly sink: MemorySink;
  readonly ctx: BounceContext;
}

/** A bounce service over one queued message, with `settings` over BOUNCE_MAIN_CF. */
export async function bounceHarness(
  t: TestContext,
  content: Buffer | string | null,
  settings: Readonly<Record<string, string>> = {},
  templates?: BounceTemplates,
): Promise<BounceHarness> {
  const main = Object.entries({ ...BOUNCE_MAIN_CF, ...settings })
    .map(([k, v]) => `${k} = ${v}\n`)
    .join('');
  const config = await readConfig(configDir(t, main));
  const sink = new MemorySink();
  const log = createLog({ program: 'bounce', sink, pid: 4711 });
  const queue = new MemoryQueue(typeof content === 'string' ? Buffer.from(content) : content);
  const cleanup = new RecordingCleanup();
  const ctx: BounceContext = {
    config,
    params: config.params,
    log,
    store: queue.store(),
    cleanup,
    templates: templates ?? new BounceTemplates(),
    clock: () => Date.UTC(2026, 10, 29, 9, 8, 38),
  };
  return { server: new BounceServer(ctx), queue, cleanup, sink, ctx };
}

/** A queued message as qmgr hands it to the bounce service. */
export function queued(id: string, envelope: Partial<QueueEnvelope> = {}, size = 500): QueueMessage {
  const qid = parseQueueId(id)!;
  return {
    id: qid,
    queue: 'active',
    envelope: testEnvelope('dave@example.test', Date.UTC(2026, 10, 29, 9, 6, 30) * 1000, envelope),
    recipients: [],
    size,
  };
}

/** A log entry as qmgr writes it for a recipient whose address did not change. */
export function entry(address: string, over: Partial<DeliveryLogEntry> = {}): DeliveryLogEntry {
  return {
    recipient: address,
    original: address,
    orcpt: `rfc822;${address}`,
    notify: 0,
    offset: 0,
    status: '5.1.1',
    action: 'failed',
    reason: '',
    diagnostic: '',
    remoteMta: '',
    time: 0,
    ...over,
  };
}

/**
 * Makes two notifications comparable: the lines local delivery and
 * cleanup add (Return-Path, X-Original-To, Delivered-To, Message-Id) go,
 * and queue IDs, dates and boundary times become placeholders (both sides
 * use the host name mx.example.test).
 */
export function normaliseNotice(text: string): string {
  const cut = text.indexOf('\n\n');
  const head = text
    .slice(0, cut)
    .replace(/^(Return-Path: <>|X-Original-To: .*|Delivered-To: .*|Message-I[dD]: .*)\n/gm, '')
    .replace(/\nMessage-I[dD]: .*$/, '');
  return `${head}${text.slice(cut)}`
    .replace(/\.\d{10}\//g, '.TIME/')
    .replace(/\b[0-9A-F]{10,12}\b/g, 'QUEUEID')
    .replace(/<\d{14}\.QUEUEID@/g, '<STAMP.QUEUEID@')
    .replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [ \d]\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4} \(\w+\)/g, 'DATE')
    .replace(/\n*$/, '\n');
}

/** cleanup completes `MAILER-DAEMON` in the From: header with $myorigin; before cleanup it is bare. */
export const unqualifiedFrom = (text: string) => text.replace(/^(From: .*<MAILER-DAEMON)@[^>]*>$/m, '$1>');

/** The original message a sample returns (after the Return-Path line bounce adds), as it was queued. */
export function sampleOriginal(sample: string): string {
  const m =
    /\nContent-Type: (?:message\/rfc822|text\/rfc822-headers)\nContent-Transfer-Encoding: 8bit\n\nReturn-Path: <[^>]*>\n([\s\S]*)\n\n--[^\n]+--$/.exec(
      sample,
    );
  if (m === null) throw new Error('sample without an attached original');
  const original = `${m[1]}\n`;
  // A headers-only sample: give the queued message a body of its own.
  return /\n\n/.test(original) ? original : `${original}\nbody text\n`;
}
