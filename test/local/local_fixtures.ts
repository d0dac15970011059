/**
 * local_fixtures: a local delivery agent on a private system — a passwd
 * file with test users (real uids, so deliveries run as them), their home
 * directories, a mail spool, and a recording cleanup service for forwarded
 * mail — with its log in memory.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { CleanupRequest, CleanupResult, CleanupService } from '../../src/cleanup/cleanup_service.ts';
import { readConfig } from '../../src/config/config.ts';
import { createLocalAgent, type LocalAgent, type LocalAgentOptions } from '../../src/local/local.ts';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { parseQueueId, type QueueId } from '../../src/queue/queue_id.ts';
import { configDir, tempDir } from '../peers/tmpdir.ts';
import { mainCfText } from '../smtp/smtp_fixtures.ts';

export const USERS = { alice: 5001, bob: 5002, carol: 5003 } as const;
export type TestUser = keyof typeof USERS;

export interface LocalWorld {
  readonly dir: string;
  readonly spool: string;
  readonly passwdFile: string;
  home(user: TestUser): string;
}

/** A passwd file, homes (owned by their users) and a world-writable sticky spool, as root. */
export function makeWorld(t: TestContext): LocalWorld {
  const dir = tempDir(t, 'affix-local-');
  chmodSync(dir, 0o755);
  const spool = join(dir, 'spool');
  mkdirSync(spool);
  chmodSync(spool, 0o1777);
  const lines = ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'];
  for (const [name, uid] of Object.entries(USERS)) {
    const home = join(dir, 'home', name);
    mkdirSync(home, { recursive: true });
    chownSync(home, uid, uid);
    lines.push(`${name}:x:${uid}:${uid}:${name}:${home}:/bin/sh`);
  }
  chmodSync(join(dir, 'home'), 0o755);
  const passwdFile = join(dir, 'passwd');
  writeFileSync(passwdFile, `${lines.join('\n')}\n`);
  return { dir, spool, passwdFile, home: (user) => join(dir, 'home', user) };
}

/** A cleanup service that records what it is asked to queue. */
export class RecordingCleanup implements CleanupService {
  readonly submitted: { request: CleanupRequest; content: string }[] = [];
  #n = 0;
  newQueueId(): QueueId {
    return parseQueueId(`F0RWARD${++this.#n}`)!;
  }
  async submit(request: CleanupRequest, content: AsyncIterable<Buffer>): Promise<CleanupResult> {
    let text = '';
    for await (const c of content) text += c.toString('utf8');
    this.submitted.push({ request, content: text });
    return { queueId: request.queueId, outcome: 'queued' };
  }
}

export interface LocalHandle {
  readonly agent: LocalAgent;
  readonly sink: MemorySink;
  readonly cleanup: RecordingCleanup;
}

export async function startLocal(
  t: TestContext,
  world: LocalWorld,
  settings: Readonly<Record<string, string>> = {},
  extra: Partial<LocalAgentOptions> = {},
): Promise<LocalHandle> {
  const main = {
    compatibility_level: '3.6',
    myhostname: 'mx.example.test',
    mydomain: 'example.test',
    myorigin: 'example.test',
    mydestination: 'example.test, localhost',
    alias_maps: '',
    mail_spool_directory: world.spool,
    deliver_lock_attempts: '3',
    ...settings,
  };
  const config = await readConfig(configDir(t, mainCfText(main)));
  const sink = new MemorySink();
  const log = createLog({ program: 'local', sink, pid: 4343 });
  const cleanup = new RecordingCleanup();
  const agent = await createLocalAgent({ config, log, cleanup, passwdFile: world.passwdFile, ...extra });
  t.after(() => agent.close());
  return { agent, sink, cleanup };
}
