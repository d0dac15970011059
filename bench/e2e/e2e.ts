/**
 * bench/e2e: end-to-end relay rate, affix against Postfix 3.7 in the same
 * run (bench-and-security.md §1.5 (C)). Postfix's smtp-source sends N
 * messages of 4 KB over 20 sessions into the MTA, which relays every one
 * (relayhost = [127.0.0.1]:sink, fsync on) to Postfix's smtp-sink while
 * it is still accepting; the clock runs from smtp-source's start until
 * the sink has counted every acknowledged message. Printed per MTA:
 * messages/s at the sink (end to end) and the acceptance rate seen by
 * smtp-source in the same run, then the ratio affix/Postfix. Zero loss is
 * checked: the sink must count at least as many messages as smtp-source
 * got a 250 for, and the queue must end empty; otherwise the bench fails.
 *
 * affix runs as it is deployed, `affix postfix start-fg` in a process of
 * its own (through test/peers/affix_entry.ts, with bin/affix.js's thread
 * pool), with smtpd, cleanup, qmgr and the smtp client in master.cf.
 * Postfix is a private instance (test/peers/postfix_instance.ts)
 * configured alike. The MTAs take turns, each run in a fresh spool.
 *
 * With --parts it then runs the acceptance-only bench (bench/smtpd) and the
 * drain-only bench (bench/deliver) with the same message count, each as a
 * child process, and prints their figures too.
 *
 *   node --import tsx bench/e2e/e2e.ts [--messages N] [--sessions S] [--runs R]
 *        [--only affix|postfix] [--parts] [--dkim rsa|ed25519] [--smtpd-processes N]
 *
 * --smtpd-processes sets affix_smtpd_processes (default: the number of
 * CPUs), how many processes run affix's smtpd and cleanup; Postfix starts
 * as many smtpd and cleanup processes as the load asks for.
 *
 * --dkim makes affix sign every message (one key, RSA-2048 or Ed25519):
 * the cost of signing end to end, next to a run without it.
 *
 * Needs root (private Postfix) and Debian's postfix (smtp-source, smtp-sink).
 * Prints figures only; nothing here is a timed test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { freePort, postfixSkipReason, startPostfixOrReason } from '../../test/peers/postfix_instance.ts';
import { findProgram } from '../../test/peers/programs.ts';
import {
  AFFIX_RELAY_SERVICES,
  queueFiles,
  removeLater,
  removeLeftBehind,
  type Sink,
  smtpdService,
  smtpSource,
  startAffixDaemon,
  startSink,
  waitForSink,
  writeAffixBenchConfig,
} from '../bench_peers.ts';

const { values: opts } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    sessions: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    parts: { type: 'boolean', default: false },
    dkim: { type: 'string' },
    // affix_smtpd_processes; Postfix runs as many smtpd and cleanup processes as it needs.
    'smtpd-processes': { type: 'string', default: String(availableParallelism()) },
  },
});
if (opts.dkim !== undefined && opts.dkim !== 'rsa' && opts.dkim !== 'ed25519') {
  console.error(
    'usage: e2e.ts [--messages N] [--sessions S] [--runs R] [--only affix|postfix] [--parts] [--dkim rsa|ed25519] [--smtpd-processes N]',
  );
  process.exit(64);
}

const SETUP = {
  messages: Number(opts.messages),
  sessions: Number(opts.sessions),
  runs: Number(opts.runs),
  size: 4096,
  smtpdProcesses: opts['smtpd-processes'],
} as const;

type MtaName = 'Postfix 3.7.11' | 'affix';
const MTAS: readonly MtaName[] =
  opts.only === 'affix' ? ['affix'] : opts.only === 'postfix' ? ['Postfix 3.7.11'] : ['Postfix 3.7.11', 'affix'];

/** Waits (up to 10 s) for the queue directories under `spool` to be empty; returns what is left. */
async function queueLeft(spool: string): Promise<number> {
  const left = () =>
    ['incoming', 'active', 'deferred', 'hold'].reduce((n, q) => n + queueFiles(join(spool, q)).length, 0);
  for (let i = 0; i < 500 && left() > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return left();
}

/** A running MTA under test: its smtpd port, its spool, and how to stop it. */
interface Mta {
  readonly port: number;
  readonly spool: string;
  stop(): Promise<void>;
}

/** With --dkim: main.cf lines that make affix sign every message (RSA-2048 or Ed25519); Postfix does not sign. */
function dkimSettings(dir: string): Record<string, string> {
  if (opts.dkim === undefined) return {};
  const { privatePem } = generateDkimKey(opts.dkim === 'rsa' ? 'rsa' : 'ed25519', 2048);
  writeFileSync(join(dir, 'bench.private'), privatePem, { mode: 0o600 });
  writeFileSync(join(dir, 'KeyTable'), `bench example.org:bench:${join(dir, 'bench.private')}\n`);
  writeFileSync(join(dir, 'SigningTable'), '*@example.org bench\n');
  return {
    affix_dkim_key_table: `file:${join(dir, 'KeyTable')}`,
    affix_dkim_signing_table: `refile:${join(dir, 'SigningTable')}`,
  };
}

/** affix as it is deployed: `affix postfix start-fg` in its own process (with its thread pool), as bench/queue does. */
async function startAffix(sink: Sink): Promise<Mta> {
  const dir = mkdtempSync(join(tmpdir(), 'affix-e2e-'));
  const port = await freePort();
  const spool = writeAffixBenchConfig(
    dir,
    {
      mydestination: '',
      relayhost: `[127.0.0.1]:${sink.port}`,
      smtp_dns_support_level: 'disabled',
      affix_smtpd_processes: SETUP.smtpdProcesses,
      ...dkimSettings(dir),
    },
    [smtpdService(port), ...AFFIX_RELAY_SERVICES],
  );
  const daemon = await startAffixDaemon(dir, port);
  return { port, spool, stop: daemon.stop };
}

async function startPostfix(sink: Sink): Promise<Mta> {
  const pf = await startPostfixOrReason(null, { relayhost: `[127.0.0.1]:${sink.port}`, mydestination: '' });
  if (typeof pf === 'string') throw new Error(pf);
  return {
    port: pf.port,
    spool: join(pf.dir, 'spool'),
    stop: async () => {
      pf.stop();
      removeLater(pf.dir);
    },
  };
}

interface RunResult {
  readonly acked: number;
  readonly accept: number;
  readonly e2e: number;
}

/** One end-to-end run: smtp-source into the MTA, the MTA relaying to the sink as it goes. */
async function runOnce(name: MtaName, sink: Sink): Promise<RunResult> {
  const mta = name === 'affix' ? await startAffix(sink) : await startPostfix(sink);
  try {
    const base = sink.count();
    const started = process.hrtime.bigint();
    const source = await smtpSource({ ...SETUP, port: mta.port, to: 'rcpt@remote.test', started });
    const seconds = await waitForSink(sink, base + source.acked, started);
    const atSink = sink.count() - base;
    if (atSink < source.acked) throw new Error(`${name} lost ${source.acked - atSink} acknowledged messages`);
    const left = await queueLeft(mta.spool);
    if (left > 0) throw new Error(`${name} left ${left} messages in its queue`);
    console.error(
      `${name}: ${source.acked} acked in ${source.seconds.toFixed(2)} s, ${atSink} at the sink after ${seconds.toFixed(2)} s`,
    );
    return { acked: source.acked, accept: source.acked / source.seconds, e2e: source.acked / seconds };
  } finally {
    await mta.stop();
  }
}

/** Runs another bench script as a child process with these arguments; its stdout is printed as it is. */
function runPart(script: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', script), ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}`))));
  });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const spread = (xs: readonly number[]) =>
  `${xs.map((x) => x.toFixed(0)).join(' / ')} (median ${median(xs).toFixed(0)}, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function main(): Promise<void> {
  const skip =
    (MTAS.includes('Postfix 3.7.11') ? postfixSkipReason() : undefined) ??
    (findProgram('smtp-source') === null || findProgram('smtp-sink') === null
      ? 'needs smtp-source and smtp-sink (Debian package postfix)'
      : undefined);
  if (skip !== undefined) {
    console.log(`bench e2e: not run: ${skip}`);
    return;
  }
  const results = new Map<MtaName, RunResult[]>(MTAS.map((m) => [m, []]));
  const loadBefore = loadavg();
  const sink = await startSink();
  try {
    for (let r = 0; r < SETUP.runs; r++) for (const name of MTAS) results.get(name)!.push(await runOnce(name, sink));
  } finally {
    sink.stop();
  }
  console.log('bench: e2e (smtp-source -> MTA -> smtp-sink, delivery while accepting)');
  console.log(
    `setup: ${SETUP.messages} messages x ${SETUP.size} bytes, ${SETUP.sessions} sessions, 1 recipient, relayhost smtp-sink, ${SETUP.runs} runs, affix_smtpd_processes = ${SETUP.smtpdProcesses}${opts.dkim === undefined ? '' : `, affix signs with DKIM ${opts.dkim}`}`,
  );
  console.log('durability: fsync before 250 (both); loss check: sink count >= acknowledged, queue empty at the end');
  console.log(`load average: ${loadBefore} before, ${loadavg()} after (${availableParallelism()} CPUs)`);
  for (const [name, rs] of results) {
    console.log(`${name}: end to end ${spread(rs.map((x) => x.e2e))} msg/s at the sink`);
    console.log(`${name}: acceptance in the same runs ${spread(rs.map((x) => x.accept))} msg/s`);
  }
  if (MTAS.length === 2) {
    const ax = results.get('affix')!;
    const pf = results.get('Postfix 3.7.11')!;
    const pairs = ax.map((a, i) => a.e2e / pf[i]!.e2e);
    console.log(
      `ratio affix/Postfix end to end: ${(median(ax.map((x) => x.e2e)) / median(pf.map((x) => x.e2e))).toFixed(2)} (run by run: ${pairs.map((x) => x.toFixed(2)).join(' / ')})`,
    );
  }
  if (opts.parts) {
    console.log('');
    await runPart('smtpd/acceptance.ts', [String(SETUP.messages), String(SETUP.sessions), String(SETUP.runs)]);
    console.log('');
    await runPart('deliver/drain.ts', [String(SETUP.messages), String(SETUP.runs)]);
  }
}

try {
  await main();
} finally {
  removeLeftBehind();
}
