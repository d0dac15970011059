/**
 * harness: a mail system in one test, with no sockets: a queue in a temp
 * directory, cleanup and qmgr on a ManualClock, the error, retry and
 * discard agents, scriptable test agents, a recording bounce service, and
 * the log in memory. submit() queues a message as smtpd would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CleanupServer } from '../../src/cleanup/cleanup_api.ts';
import { openCleanupTables } from '../../src/cleanup/cleanup_context.ts';
import { trivialRewriter } from '../../src/cleanup/cleanup_rewrite.ts';
import type { CleanupRequest, CleanupResult } from '../../src/cleanup/cleanup_service.ts';
import type { Config } from '../../src/config/config.ts';
import { readConfig } from '../../src/config/config.ts';
import { discardAgent } from '../../src/discard/discard_agent.ts';
import { errorAgent } from '../../src/error/error_agent.ts';
import { createLog, type Log } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { ManualClock } from '../../src/qmgr/qmgr_clock.ts';
import type { AgentBinding } from '../../src/qmgr/qmgr_context.ts';
import { Qmgr } from '../../src/qmgr/qmgr_core.ts';
import { trivialResolver } from '../../src/qmgr/qmgr_resolve.ts';
import type { BounceService } from '../../src/queue/bounce_request.ts';
import type { DeliveryAgent, DeliveryOutcome, DeliveryRequest } from '../../src/queue/deliver_request.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueMessage } from '../../src/queue/queue_store.ts';
import { openRewriteContext } from '../../src/rewrite/rewrite_init.ts';
import { tempDir } from '../peers/tmpdir.ts';

/** 2026-11-29 09:00:00 UTC, the time every harness starts at. */
export const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);

export interface BounceCall {
  readonly kind: 'flush' | 'flushDeferred' | 'warn' | 'trace';
  readonly id: string;
  /** What the log held when the bounce service was asked (bounce log for flush, defer log otherwise). */
  readonly recipients: readonly string[];
  readonly at: number;
}

export interface Harness {
  readonly dir: string;
  readonly config: Config;
  readonly clock: ManualClock;
  readonly memory: MemorySink;
  readonly log: Log;
  readonly store: FsQueueStore;
  readonly cleanup: CleanupServer;
  readonly agents: Map<string, AgentBinding>;
  readonly bounces: BounceCall[];
  /** Makes the bounce service fail (true) or succeed (false). */
  bounceFails: boolean;
  qmgr: Qmgr | null;
  startQmgr(): Promise<Qmgr>;
  /** Lets every timer up to `ms` from now fire, settling qmgr after each. */
  advance(ms: number): Promise<void>;
  idle(): Promise<void>;
  submit(over?: Partial<CleanupRequest>, content?: string): Promise<CleanupResult>;
  lines(): string[];
}

const BASE_MAIN_CF = [
  'compatibility_level = 3.6',
  'myhostname = mx.example.test',
  'mydomain = example.test',
  'myorigin = example.test',
  'mydestination = mx.example.test, localhost',
  'inet_interfaces = loopback-only',
  'inet_protocols = ipv4',
];

/** A scriptable agent: `script` decides each request's outcome. */
export function scriptAgent(
  program: string,
  script: (request: DeliveryRequest) => DeliveryOutcome | Promise<DeliveryOutcome>,
): DeliveryAgent & { readonly requests: DeliveryRequest[] } {
  const requests: DeliveryRequest[] = [];
  return {
    program,
    requests,
    async deliver(request) {
      requests.push(request);
      return script(request);
    },
  };
}

/** An outcome for every recipient of `request`. */
export function outcome(
  request: DeliveryRequest,
  status: 'sent' | 'deferred' | 'bounced',
  dsn: string,
  reason: string,
  siteFailure = false,
): DeliveryOutcome {
  return {
    statuses: request.recipients.map((recipient) => ({
      recipient,
      status,
      dsn,
      reason,
      relay: 'none',
      remoteMta: '',
      diagnostic: '',
      action: status === 'sent' ? 'delivered' : null,
    })),
    siteFailure,
  };
}

export async function harness(t: TestContext, mainCf: readonly string[] = [], files: Record<string, string> = {}) {
  const dir = tempDir(t, 'affix-qmgr-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const lines = [...BASE_MAIN_CF, `queue_directory = ${dir}/spool`, ...mainCf.map((l) => l.replaceAll('$DIR', dir))];
  writeFileSync(join(dir, 'main.cf'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'master.cf'), '');
  const config = await readConfig(dir);
  const clock = new ManualClock(T0);
  const memory = new MemorySink();
  const log = createLog({ program: 'cleanup', sink: memory, pid: 100, syslog_name: 'postfix' });
  const p = config.params;
  const store = new FsQueueStore({
    queue_directory: p.queue_directory,
    hash_queue_names: p.hash_queue_names,
    hash_queue_depth: p.hash_queue_depth,
    enable_long_queue_ids: p.enable_long_queue_ids,
  });
  await store.init();
  const agents = new Map<string, AgentBinding>();
  const now = () => clock.now();
  agents.set('error', { agent: errorAgent(log.forProgram('error', 200), 'error', now), processLimit: 100 });
  agents.set('retry', { agent: errorAgent(log.forProgram('error', 201), 'retry', now), processLimit: 100 });
  agents.set('discard', { agent: discardAgent(log.forProgram('discard', 202), now), processLimit: 100 });
  const bounces: BounceCall[] = [];
  const rewrite = await openRewriteContext(config, log, { lookupHost: async () => ['127.0.0.1'] });
  const h: Harness = {
    dir,
    config,
    clock,
    memory,
    log,
    store,
    agents,
    bounces,
    bounceFails: false,
    qmgr: null,
    cleanup: new CleanupServer({
      params: p,
      log,
      tables: await openCleanupTables(config, log),
      rewriter: trivialRewriter(rewrite),
      store,
      clock: now,
      notifyQmgr: (id) => h.qmgr?.notify(id),
    }),
    async startQmgr() {
      const call = async (kind: BounceCall['kind'], m: QueueMessage) => {
        const which = kind === 'flush' ? 'bounce' : kind === 'trace' ? 'trace' : 'defer';
        const entries = await store.readLog(which, m.id);
        bounces.push({ kind, id: m.id, recipients: entries.map((e) => e.recipient), at: clock.now() });
        if (h.bounceFails) throw new Error('test bounce failure');
        if (kind !== 'warn') await store.removeLog(which, m.id);
      };
      const bounce: BounceService = {
        flush: (m) => call('flush', m),
        flushDeferred: (m) => call('flushDeferred', m),
        warn: (m) => call('warn', m),
        trace: (m) => call('trace', m),
      };
      const q = new Qmgr(
        {
          config,
          params: p,
          log: log.forProgram('qmgr', 300),
          store,
          clock,
          resolver: trivialResolver(rewrite),
          bounce,
          agent: (name) => agents.get(name),
        },
        0,
      );
      h.qmgr = q;
      t.after(() => q.stop('immediate'));
      await q.start();
      await q.idle();
      return q;
    },
    async advance(ms) {
      await clock.advance(ms, () => h.idle());
    },
    async idle() {
      // Deliveries resolve in later turns; settle until nothing is left.
      for (let i = 0; i < 3; i++) {
        await new Promise((ok) => setImmediate(ok));
        await h.qmgr?.idle();
      }
    },
    submit(over = {}, content = 'Subject: test\n\nbody\n') {
      const request: CleanupRequest = {
        queueId: h.cleanup.newQueueId(),
        sender: 'sender@example.org',
        recipients: [{ address: 'user@remote.test', orcpt: null, notify: 0 }],
        client: {
          name: 'client.example.org',
          address: '127.0.0.5',
          port: '40000',
          helo: 'client.example.org',
          protocol: 'ESMTP',
          saslMethod: '',
          saslUsername: '',
          saslSender: '',
        },
        origin: 'smtpd',
        envid: null,
        ret: null,
        smtputf8: false,
        body8bit: false,
        fullName: '',
        actions: {},
        logContext: 'client.example.org[127.0.0.5]',
        ...over,
      };
      async function* chunks() {
        yield Buffer.from(content);
      }
      return h.cleanup.submit(request, chunks());
    },
    lines: () => memory.lines,
  };
  return h;
}
