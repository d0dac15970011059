/**
 * bench/smtpd/acceptance: SMTP acceptance rate, affix smtpd against
 * Postfix 3.7 in the same run. Postfix's own smtp-source sends 10,000
 * messages of 4 KB over 20 sessions to each server; both put the mail on
 * hold (`smtpd_client_restrictions = check_client_access static:HOLD`), so
 * only acceptance is measured; both answer 250 only once the queue file is
 * synced (Postfix: cleanup's fsync; affix: the file store's group commit).
 * affix runs as it is deployed (bench_peers.ts startAffixDaemon: its own
 * process, bin/affix.js's thread pool) with master.cf's smtpd and cleanup,
 * the real cleanup writing through FsQueueStore. After each run the held
 * messages are counted: fewer than
 * acknowledged is a loss and fails the bench. Prints one block of figures.
 *
 * What is timed is each server's steady rate. Before each server starts,
 * `sync` writes out the previous server's files, so one server's writeback
 * does not fall into the other's run. Once it is up (affix: it has logged
 * `daemon started`, workers included), each server takes the same warm-up
 * of `warmup` messages, untimed: affix's JavaScript runs unoptimized until
 * V8 has compiled its hot functions, and that compiling took about a third
 * of the machine for the first few seconds after a start. The warm-up's
 * rates are printed too, as the first messages after a start.
 *
 *   node --import tsx bench/smtpd/acceptance.ts [messages] [sessions] [runs] [smtpd-processes] [warmup]
 *
 * smtpd-processes sets affix_smtpd_processes (default: the number of CPUs);
 * warmup defaults to 3,000 messages; 0 times each server from its start.
 *
 * Needs root (private Postfix) and Debian's postfix (smtp-source).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, postfixSkipReason, startPostfixOrReason } from '../../test/peers/postfix_instance.ts';
import {
  CLEANUP_SERVICE,
  queueFiles,
  removeLater,
  removeLeftBehind,
  smtpdService,
  smtpSource,
  startAffixDaemon,
  writeAffixBenchConfig,
} from '../bench_peers.ts';

const SETUP = {
  messages: Number(process.argv[2] ?? 10_000),
  sessions: Number(process.argv[3] ?? 20),
  size: 4096,
  // Five runs: run-to-run spread on this 2-CPU VM reaches ±15 %, and the median of five holds better than of three.
  runs: Number(process.argv[4] ?? 5),
  // affix_smtpd_processes; Postfix runs as many smtpd and cleanup processes as it needs.
  smtpdProcesses: process.argv[5] ?? String(availableParallelism()),
  warmup: Number(process.argv[6] ?? 3_000),
} as const;

const HOLD = {
  smtpd_client_restrictions: 'check_client_access static:HOLD',
  affix_smtpd_processes: SETUP.smtpdProcesses,
};

async function startAffix(): Promise<{ port: number; dir: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'affix-bench-'));
  const port = await freePort();
  const queue = writeAffixBenchConfig(dir, HOLD, [smtpdService(port), CLEANUP_SERVICE]);
  const daemon = await startAffixDaemon(dir, port);
  return { port, dir: join(queue, 'hold'), stop: daemon.stop };
}

async function main(): Promise<void> {
  const skip = postfixSkipReason();
  if (skip !== undefined) {
    console.log(`bench smtpd/acceptance: not run: ${skip}`);
    return;
  }
  const results: Record<string, number[]> = { 'Postfix 3.7.11': [], affix: [] };
  const warmups: Record<string, number[]> = { 'Postfix 3.7.11': [], affix: [] };
  for (let run = 0; run < SETUP.runs; run++) {
    for (const name of ['Postfix 3.7.11', 'affix'] as const) {
      spawnSync('sync');
      let mta: { port: number; dir: string; stop: () => Promise<void> | void };
      if (name === 'affix') {
        mta = await startAffix();
      } else {
        const pf = await startPostfixOrReason(null, { ...HOLD, in_flow_delay: '1s' });
        if (typeof pf === 'string') throw new Error(pf);
        mta = {
          port: pf.port,
          dir: join(pf.dir, 'spool', 'hold'),
          stop: () => {
            pf.stop();
            removeLater(pf.dir);
          },
        };
      }
      try {
        const to = 'rcpt@mx.example.test';
        const warm =
          SETUP.warmup > 0
            ? await smtpSource({ ...SETUP, messages: SETUP.warmup, port: mta.port, to })
            : { acked: 0, seconds: 0 };
        const r = await smtpSource({ ...SETUP, port: mta.port, to });
        await new Promise((resolve) => setTimeout(resolve, 500));
        const acked = warm.acked + r.acked;
        const held = queueFiles(mta.dir).length;
        if (held < acked) throw new Error(`${name} lost ${acked - held} acknowledged messages`);
        results[name]!.push(r.acked / r.seconds);
        if (SETUP.warmup > 0) warmups[name]!.push(warm.acked / warm.seconds);
        console.error(
          `${name} run ${run + 1}: warm-up ${warm.acked} acked in ${warm.seconds.toFixed(2)} s, ` +
            `then ${r.acked} acked in ${r.seconds.toFixed(2)} s, ${held} held`,
        );
      } finally {
        await mta.stop();
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const pf = median(results['Postfix 3.7.11']!);
  const ax = median(results['affix']!);
  console.log('bench: smtpd/acceptance (smtp-source, mail on hold)');
  console.log(
    `setup: ${SETUP.messages} messages x ${SETUP.size} bytes, ${SETUP.sessions} sessions, ${SETUP.runs} runs, affix_smtpd_processes = ${SETUP.smtpdProcesses}`,
  );
  console.log(
    SETUP.warmup > 0
      ? `warm-up: ${SETUP.warmup} messages to each server after its start, not timed`
      : 'warm-up: none; timed from each server start',
  );
  console.log('durability: fsync before 250 (both)');
  for (const [name, xs] of Object.entries(results)) {
    console.log(`${name}: ${xs.map((x) => x.toFixed(0)).join(' / ')} msg/s (median ${median(xs).toFixed(0)})`);
  }
  console.log(`ratio affix/Postfix: ${(ax / pf).toFixed(2)}`);
  const perRun = results['affix']!.map((x, i) => (x / results['Postfix 3.7.11']![i]!).toFixed(2));
  console.log(`ratio run by run: ${perRun.join(' / ')}`);
  if (SETUP.warmup === 0) return;
  for (const [name, xs] of Object.entries(warmups)) {
    console.log(`${name}, warm-up (first messages after a start): ${xs.map((x) => x.toFixed(0)).join(' / ')} msg/s`);
  }
  const warmRatio = median(warmups['affix']!) / median(warmups['Postfix 3.7.11']!);
  console.log(`ratio affix/Postfix during the warm-up: ${warmRatio.toFixed(2)}`);
}

try {
  await main();
} finally {
  removeLeftBehind();
}
