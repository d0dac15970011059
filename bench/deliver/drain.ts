/**
 * bench/deliver/drain: drain-only delivery rate, affix against Postfix 3.7
 * in the same run (bench-and-security.md §1.5 (B)). Each MTA first gets N
 * messages of about 4 KB put on hold, untimed; then the hold queue is
 * released and flushed — Postfix: `postsuper -H ALL; postqueue -f`; affix:
 * each held message moved to deferred, then qmgr's `postqueue -f` trigger
 * (FADI) — and the time runs until Postfix's smtp-sink has counted all N
 * messages (relayhost = [127.0.0.1]:sink, one recipient each, default
 * concurrency). Both sides deliver over SMTP to the same smtp-sink, with
 * fsync on (Postfix's queue; affix's file store). Fewer messages at the
 * sink than were held, or mail left in the queue, fails the bench.
 *
 * Postfix's messages are injected with smtp-source through its smtpd
 * (mail held by `check_client_access static:HOLD`); affix's through its
 * cleanup service with a HOLD action (its smtpd is not part of this
 * bench). Injection is not timed.
 *
 *   node --import tsx bench/deliver/drain.ts [messages] [runs]
 *
 * Needs root (private Postfix) and Debian's postfix (smtp-source, smtp-sink).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMaster } from '../../src/cli/master.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';
import { readConfig } from '../../src/config/config.ts';
import { postfixSkipReason, startPostfixOrReason } from '../../test/peers/postfix_instance.ts';
import { findProgram } from '../../test/peers/programs.ts';
import {
  AFFIX_RELAY_SERVICES,
  queueFiles,
  type Sink,
  startSink,
  waitForSink,
  writeAffixBenchConfig,
} from '../bench_peers.ts';

const SETUP = {
  messages: Number(process.argv[2] ?? 5000),
  runs: Number(process.argv[3] ?? 3),
  size: 4096,
  sessions: 20,
} as const;

const HOLD = { smtpd_client_restrictions: 'check_client_access static:HOLD' };

function run(program: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(findProgram(program) ?? program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('latin1').on('data', (d: string) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited ${code}: ${err}`))));
  });
}

async function waitForCount(what: () => number, n: number, label: string): Promise<void> {
  for (let i = 0; i < 6000 && what() < n; i++) await new Promise((r) => setTimeout(r, 20));
  if (what() < n) throw new Error(`${label}: ${what()} of ${n}`);
}

/** Postfix: smtp-source into hold, then postsuper -H ALL; postqueue -f; seconds until the sink has them all. */
async function drainPostfix(sink: Sink): Promise<number> {
  const pf = await startPostfixOrReason(null, { ...HOLD, relayhost: `[127.0.0.1]:${sink.port}`, mydestination: '' });
  if (typeof pf === 'string') throw new Error(pf);
  try {
    const spool = join(pf.dir, 'spool');
    await run('smtp-source', [
      '-4',
      '-s',
      String(SETUP.sessions),
      '-m',
      String(SETUP.messages),
      '-l',
      String(SETUP.size),
      '-f',
      'bench@example.org',
      '-t',
      'rcpt@remote.test',
      `127.0.0.1:${pf.port}`,
    ]);
    await waitForCount(() => queueFiles(join(spool, 'hold')).length, SETUP.messages, 'Postfix held');
    const base = sink.count();
    const started = process.hrtime.bigint();
    await run('postsuper', ['-c', pf.dir, '-H', 'ALL']);
    await run('postqueue', ['-c', pf.dir, '-f']);
    const seconds = await waitForSink(sink, base + SETUP.messages, started);
    // The sink counts at the final dot; the queue file goes a moment later.
    const left = () =>
      ['incoming', 'active', 'deferred', 'hold'].reduce((n, q) => n + queueFiles(join(spool, q)).length, 0);
    for (let i = 0; i < 500 && left() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    if (left() > 0) throw new Error(`Postfix left ${left()} messages in the queue`);
    return seconds;
  } finally {
    pf.stop();
    rmSync(pf.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

/** A message like smtp-source's: a few headers and `size` bytes of text. */
function benchMessage(i: number): Buffer {
  const line = `${'x'.repeat(78)}\n`;
  const body = line.repeat(Math.ceil(SETUP.size / line.length)).slice(0, SETUP.size);
  return Buffer.from(
    `From: <bench@example.org>\nTo: <rcpt@remote.test>\nDate: Sun, 29 Nov 2026 09:00:00 +0000\n` +
      `Message-Id: <${i}.bench@example.org>\nSubject: bench ${i}\n\n${body}\n`,
  );
}

/** affix: cleanup into hold, then hold -> deferred and qmgr's flush; seconds until the sink has them all. */
async function drainAffix(sink: Sink): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'affix-drain-'));
  writeAffixBenchConfig(
    dir,
    { mydestination: '', relayhost: `[127.0.0.1]:${sink.port}`, smtp_dns_support_level: 'disabled' },
    AFFIX_RELAY_SERVICES,
  );
  const hub = new ServiceHub();
  const master = await startMaster({ optionC: dir, env: {}, signals: false, programs: createPrograms(hub) });
  try {
    const cleanup = hub.cleanup('cleanup')!;
    const store = await hub.store(await readConfig(dir));
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < SETUP.messages; i++) {
      const content = benchMessage(i);
      pending.push(
        cleanup.submit(
          {
            queueId: cleanup.newQueueId(),
            sender: 'bench@example.org',
            recipients: [{ address: 'rcpt@remote.test', orcpt: null, notify: 0 }],
            client: null,
            origin: 'pickup',
            envid: null,
            ret: null,
            smtputf8: false,
            body8bit: false,
            fullName: '',
            actions: { hold: 'bench' },
            logContext: 'local',
          },
          (async function* () {
            yield content;
          })(),
        ),
      );
      if (pending.length >= SETUP.sessions) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    const held: Parameters<typeof store.move>[0][] = [];
    for await (const e of store.list('hold')) held.push(e.id);
    if (held.length !== SETUP.messages) throw new Error(`affix held ${held.length} of ${SETUP.messages}`);
    const base = sink.count();
    const started = process.hrtime.bigint();
    for (const id of held) await store.move(id, 'hold', 'deferred', Date.now());
    hub.qmgr!.trigger('FADI');
    const seconds = await waitForSink(sink, base + SETUP.messages, started);
    for (let i = 0; i < 500; i++) {
      let left = 0;
      for (const q of ['incoming', 'active', 'deferred', 'hold'] as const) for await (const _ of store.list(q)) left++;
      if (left === 0) return seconds;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('affix left messages in the queue');
  } finally {
    await master.stop('immediate');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const skip = postfixSkipReason() ?? (findProgram('smtp-sink') === null ? 'smtp-sink is not installed' : undefined);
  if (skip !== undefined) {
    console.log(`bench deliver/drain: not run: ${skip}`);
    return;
  }
  const results: Record<'Postfix 3.7.11' | 'affix', number[]> = { 'Postfix 3.7.11': [], affix: [] };
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const sink = await startSink();
  try {
    for (let r = 0; r < SETUP.runs; r++) {
      for (const name of ['Postfix 3.7.11', 'affix'] as const) {
        const seconds = name === 'affix' ? await drainAffix(sink) : await drainPostfix(sink);
        results[name].push(SETUP.messages / seconds);
        console.error(`${name} run ${r + 1}: ${SETUP.messages} delivered in ${seconds.toFixed(2)} s`);
      }
    }
  } finally {
    sink.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const pf = median(results['Postfix 3.7.11']);
  const ax = median(results.affix);
  console.log('bench: deliver/drain (held queue released to smtp-sink over SMTP)');
  console.log(
    `setup: ${SETUP.messages} messages x ~${SETUP.size} bytes, 1 recipient, relayhost smtp-sink, ${SETUP.runs} runs`,
  );
  console.log('durability: queue files fsynced (both)');
  console.log(
    `load average: ${loadBefore} before, ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} after (${availableParallelism()} CPUs)`,
  );
  for (const [name, xs] of Object.entries(results)) {
    console.log(`${name}: ${xs.map((x) => x.toFixed(0)).join(' / ')} msg/s (median ${median(xs).toFixed(0)})`);
  }
  console.log(`ratio affix/Postfix: ${(ax / pf).toFixed(2)}`);
}

await main();
