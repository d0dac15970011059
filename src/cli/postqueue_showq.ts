/**
 * postqueue_showq: where a queue listing comes from. With the daemon up,
 * from its showq service (`$queue_directory/public/$showq_service_name`),
 * read as a stream; when that socket does not answer, the mail system is
 * down and, as Postfix's postqueue does for root, the queue is read
 * directly after `warning: Mail system is down -- accessing queue directly
 * (Connect to the affix showq service: Connection refused)`. Either way
 * the records arrive one at a time.
 *
 * Parameters: showq_service_name, queue_directory, mail_name,
 *   empty_address_recipient, smtputf8_enable
 * Diagnostics: fatal `Queue report unavailable - mail system is down (...)`
 *   when the queue cannot be read directly either; `Connect to the affix
 *   showq service: Permission denied`; `malformed showq server response`
 * Security: the daemon's answer is parsed as JSON lines of bounded length
 *   and checked field by field before anything is printed
 * See: postfix/src/postqueue/postqueue.c (show_queue, showq_client)
 */
import { accessSync, constants } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import type { Config } from '../config/config.ts';
import { strerror } from '../global/strerror.ts';
import { type ShowqMessage, showqMessages } from '../qmgr/qmgr_showq.ts';
import { showqSocketPath } from '../qmgr/qmgr_showq_service.ts';
import { parseQueueId } from '../queue/queue_id.ts';
import { toolStore } from './postqueue_tool.ts';

/** Why a listing cannot be had; the text is what postqueue prints after `fatal: `. */
export class ShowqUnavailable extends Error {}

/** Longest line the showq service may send (a message with many recipients still fits). */
const MAX_LINE = 64 * 1024 * 1024;

function connect(path: string): Promise<Socket> {
  return new Promise((ok, fail) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', fail);
      ok(socket);
    });
    socket.once('error', fail);
  });
}

const QUEUES = new Set(['maildrop', 'active', 'incoming', 'deferred', 'hold']);

/** The record, when it is one the showq service may send. */
function checkMessage(v: unknown): ShowqMessage | null {
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  if (typeof m['queue'] !== 'string' || !QUEUES.has(m['queue'])) return null;
  if (typeof m['id'] !== 'string' || parseQueueId(m['id']) === null) return null;
  if (!Number.isInteger(m['arrival']) || !Number.isInteger(m['size'])) return null;
  if (typeof m['forcedExpire'] !== 'boolean' || typeof m['sender'] !== 'string') return null;
  const rcpts = m['recipients'];
  if (!Array.isArray(rcpts)) return null;
  for (const r of rcpts as unknown[]) {
    const o = r as Record<string, unknown> | null;
    if (typeof o?.['address'] !== 'string' || typeof o['reason'] !== 'string') return null;
  }
  return v as ShowqMessage;
}

/** The records of a showq service stream; throws ShowqUnavailable on a protocol error. */
async function* fromSocket(socket: Socket): AsyncGenerator<ShowqMessage> {
  let carry = '';
  let first = true;
  let ended = false;
  try {
    socket.setEncoding('utf8');
    for await (const chunk of socket as AsyncIterable<string>) {
      carry += chunk;
      if (carry.length > MAX_LINE) throw new ShowqUnavailable('malformed showq server response');
      let nl = carry.indexOf('\n');
      while (nl >= 0) {
        const line = carry.slice(0, nl);
        carry = carry.slice(nl + 1);
        nl = carry.indexOf('\n');
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          throw new ShowqUnavailable('malformed showq server response');
        }
        const o = value as Record<string, unknown> | null;
        if (first) {
          if (o?.['proto'] !== 'showq') throw new ShowqUnavailable('malformed showq server response');
          first = false;
          continue;
        }
        if (o?.['end'] === true) {
          ended = true;
          return;
        }
        const m = checkMessage(value);
        if (m === null) throw new ShowqUnavailable('malformed showq server response');
        yield m;
      }
    }
    if (!ended) throw new ShowqUnavailable('malformed showq server response');
  } finally {
    socket.destroy();
  }
}

/** True when this process may read the queue itself (root, or the queue's owner). */
function mayReadQueue(dir: string): boolean {
  if (process.geteuid?.() === 0) return true;
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The listing of the queue of `config`: from the showq service, or read
 * directly (after `warn`) when the service does not answer.
 */
export async function queueListing(
  config: Config,
  cwd: string,
  warn: (text: string) => void,
): Promise<AsyncGenerator<ShowqMessage>> {
  const p = config.params;
  const service = config.value('showq_service_name') || 'showq';
  const what = `Connect to the ${p.mail_name} ${service} service`;
  try {
    return fromSocket(await connect(showqSocketPath(p.queue_directory, service)));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new ShowqUnavailable(`${what}: ${strerror(err)}`);
    const store = toolStore(config, cwd);
    if (!mayReadQueue(store.root)) {
      throw new ShowqUnavailable(`Queue report unavailable - mail system is down (${what}: ${strerror(err)})`);
    }
    warn(`Mail system is down -- accessing queue directly (${what}: ${strerror(err)})`);
    return showqMessages(store, {
      empty_address_recipient: p.empty_address_recipient,
      smtputf8_enable: p.smtputf8_enable,
      blocking: true, // this command does nothing else meanwhile
    });
  }
}
