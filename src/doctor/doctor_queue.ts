/**
 * doctor_queue: the mail queue as the doctor reads it, the same shape for
 * both kinds of host: on a Postfix host through `postqueue -j -c DIR` (one
 * JSON object per message, postfix-compat.md 5.2), or from text in that
 * format (a file saved earlier); on affix through its queue store
 * (FsQueueStore: each message's envelope and its defer log for the reasons).
 * Which one is decided by the queue files themselves: affix's start with
 * its magic (AFXQ1), Postfix's with its record types.
 *
 * Parameters: queue_directory, hash_queue_names, hash_queue_depth, enable_long_queue_ids
 * Diagnostics: a snapshot with `error` set when the queue cannot be read
 * Security: reads the queue only; runs postqueue (no shell) with -c and -j
 * See: postfix/src/postqueue/showq_json.c
 */
import { execFile } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { FsQueueStore } from '../queue/queue_fs_store.ts';
import type { QueueName } from '../queue/queue_store.ts';
import { paramValue } from './doctor_config.ts';

export interface QueuedRecipient {
  readonly address: string;
  /** Why it is still queued (the last deferral reason), or null when not known. */
  readonly reason: string | null;
}

export interface QueuedMessage {
  /** maildrop, incoming, active, deferred, hold. */
  readonly queue: string;
  readonly id: string;
  /** Arrival, ms since the epoch. */
  readonly arrival: number;
  readonly size: number;
  readonly sender: string;
  readonly forcedExpire: boolean;
  readonly recipients: readonly QueuedRecipient[];
}

export interface QueueSnapshot {
  /** How it was read: `postqueue -j -c /etc/postfix`, `affix queue /var/spool/affix`, a file name. */
  readonly source: string;
  readonly messages: readonly QueuedMessage[];
  /** Why the queue could not be read, or null. */
  readonly error: string | null;
}

/** Most messages read; a queue larger than this is summarised from the first ones. */
export const MAX_QUEUE_MESSAGES = 200_000;

interface ShowqJson {
  queue_name?: unknown;
  queue_id?: unknown;
  arrival_time?: unknown;
  message_size?: unknown;
  forced_expire?: unknown;
  sender?: unknown;
  recipients?: unknown;
}

/** Parses `postqueue -j` output; lines that are not its JSON objects are skipped. */
export function parsePostqueueJson(text: string): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || out.length >= MAX_QUEUE_MESSAGES) continue;
    let o: ShowqJson;
    try {
      o = JSON.parse(line) as ShowqJson;
    } catch {
      continue;
    }
    const rcpts = Array.isArray(o.recipients) ? (o.recipients as { address?: unknown; delay_reason?: unknown }[]) : [];
    out.push({
      queue: String(o.queue_name ?? ''),
      id: String(o.queue_id ?? ''),
      arrival: Number(o.arrival_time ?? 0) * 1000,
      size: Number(o.message_size ?? 0),
      sender: String(o.sender ?? ''),
      forcedExpire: o.forced_expire === true,
      recipients: rcpts.map((r) => ({
        address: String(r.address ?? ''),
        reason: typeof r.delay_reason === 'string' ? r.delay_reason : null,
      })),
    });
  }
  return out;
}

export type QueueKind = 'postfix' | 'affix' | 'empty' | 'none';

const QUEUE_DIRS = ['maildrop', 'incoming', 'active', 'deferred', 'hold'];
/** The first bytes of an affix queue file (src/queue/queue_file_format.ts MAGIC). */
const AFFIX_MAGIC = 'AFXQ1\n';

/** The first regular file under `dir` (hashed subdirectories included), or null. */
async function firstFile(dir: string, depth: number): Promise<string | null> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const e of entries) if (e.isFile()) return join(dir, e.name);
  if (depth === 0) return null;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const f = await firstFile(join(dir, e.name), depth - 1);
    if (f !== null) return f;
  }
  return null;
}

/**
 * Which MTA's queue is in `queue_directory`, told by the first queue file's
 * magic (affix's files start with AFXQ1); `empty` when there is no message.
 */
export async function queueKind(queueDirectory: string): Promise<QueueKind> {
  try {
    if (!(await stat(queueDirectory)).isDirectory()) return 'none';
  } catch {
    return 'none';
  }
  for (const q of QUEUE_DIRS) {
    const f = await firstFile(join(queueDirectory, q), 2);
    if (f === null) continue;
    const head = Buffer.alloc(AFFIX_MAGIC.length);
    try {
      const fh = await open(f, 'r');
      try {
        await fh.read(head, 0, head.length, 0);
      } finally {
        await fh.close();
      }
    } catch {
      continue; // moved on while we looked
    }
    return head.toString('latin1') === AFFIX_MAGIC ? 'affix' : 'postfix';
  }
  return 'empty';
}

/** Runs `postqueue -j -c DIR` and parses its output. */
export function readPostfixQueue(configDir: string, postqueue = 'postqueue'): Promise<QueueSnapshot> {
  const source = `postqueue -j -c ${configDir}`;
  return new Promise((resolve) => {
    execFile(
      postqueue,
      ['-j', '-c', configDir],
      { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err !== null && stdout === '') {
          const why = stderr.trim().split('\n').pop() || err.message;
          resolve({ source, messages: [], error: why });
          return;
        }
        resolve({ source, messages: parsePostqueueJson(stdout), error: null });
      },
    );
  });
}

const AFFIX_QUEUES: readonly QueueName[] = ['maildrop', 'incoming', 'active', 'deferred', 'hold'];

/** Reads affix's queue store: each message's envelope and, for its recipients, the defer log's reasons. */
export async function readAffixQueue(config: Config): Promise<QueueSnapshot> {
  const dir = paramValue(config, 'queue_directory');
  const source = `affix queue ${dir}`;
  let store: FsQueueStore;
  try {
    const p = config.params;
    store = new FsQueueStore({
      queue_directory: dir,
      hash_queue_names: p.hash_queue_names,
      hash_queue_depth: p.hash_queue_depth,
      enable_long_queue_ids: p.enable_long_queue_ids,
    });
  } catch (err) {
    return { source, messages: [], error: (err as Error).message };
  }
  const messages: QueuedMessage[] = [];
  try {
    for (const queue of AFFIX_QUEUES) {
      for await (const entry of store.list(queue)) {
        if (messages.length >= MAX_QUEUE_MESSAGES) break;
        let m: Awaited<ReturnType<FsQueueStore['read']>>;
        try {
          m = await store.read(queue, entry.id);
        } catch {
          continue; // moved, removed, or corrupt: not the doctor's to judge here
        }
        const reasons = new Map<string, string>();
        for (const d of await store.readLog('defer', entry.id).catch(() => [])) reasons.set(d.recipient, d.reason);
        messages.push({
          queue,
          id: entry.id,
          arrival: Math.floor(m.envelope.arrival / 1000),
          size: m.size,
          sender: m.envelope.sender,
          forcedExpire: entry.forceExpire,
          recipients: m.recipients
            .filter((r) => !r.done)
            .map((r) => ({ address: r.recipient.address, reason: reasons.get(r.recipient.address) ?? null })),
        });
      }
    }
  } catch (err) {
    return { source, messages, error: (err as Error).message };
  }
  return { source, messages, error: null };
}

/** The queue of `config`'s host, whichever MTA it is; null when there is no queue directory. */
export async function readQueue(config: Config): Promise<QueueSnapshot | null> {
  const dir = paramValue(config, 'queue_directory');
  const kind = await queueKind(dir);
  if (kind === 'none') return null;
  if (kind === 'empty') return { source: `${dir} (no message files)`, messages: [], error: null };
  return kind === 'postfix' ? readPostfixQueue(config.configDir) : readAffixQueue(config);
}
