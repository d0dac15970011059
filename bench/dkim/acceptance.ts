/**
 * bench/dkim/acceptance: what DKIM signing costs at SMTP acceptance. The
 * acceptance bench of bench/smtpd (Postfix's smtp-source, 4 KB messages
 * over 20 sessions, mail put on hold, 250 only after the queue file is
 * synced) run against the affix daemon (startMaster: master.cf's smtpd
 * and cleanup) three ways in the same run, interleaved (each run starts
 * with the next variant): signing off, one
 * RSA-2048 key, one Ed25519 key. smtp-source connects from 127.0.0.1, in
 * mynetworks (so affix_dkim_internal_hosts), and writes `From:
 * <bench@example.org>`, which the signing table maps to the key. After
 * each run the held messages are counted (fewer than acknowledged is a
 * loss and fails the bench), one of them is checked for a
 * DKIM-Signature: field (or its absence), and the log must have one
 * `DKIM-Signature field added` line per held message (or none). Besides msg/s, which the shared
 * machine makes noisy, the CPU time of this process (the daemon runs in
 * it; smtp-source does not) per accepted message is reported: the steadier
 * measure of what signing adds. Prints one block of figures.
 *
 *   node --import tsx bench/dkim/acceptance.ts [messages] [sessions] [runs]
 *
 * Needs Debian's postfix package (smtp-source).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { startMaster } from '../../src/cli/master.ts';
import { createPrograms, ServiceHub } from '../../src/cli/master_programs.ts';
import { freePort } from '../../test/peers/postfix_instance.ts';
import { missingPrograms } from '../../test/peers/programs.ts';
import { CLEANUP_SERVICE, queueFiles, smtpdService, smtpSource, writeAffixBenchConfig } from '../bench_peers.ts';

const SETUP = {
  messages: Number(process.argv[2] ?? 10_000),
  sessions: Number(process.argv[3] ?? 20),
  size: 4096,
  runs: Number(process.argv[4] ?? 3),
  warmup: 500,
} as const;

type Variant = 'signing off' | 'RSA-2048' | 'Ed25519';
const VARIANTS: readonly Variant[] = ['signing off', 'RSA-2048', 'Ed25519'];

/** The main.cf lines that turn signing on with one key of `variant`. */
function signingSettings(dir: string, variant: Variant): Record<string, string> {
  if (variant === 'signing off') return {};
  const { privatePem } = generateDkimKey(variant === 'RSA-2048' ? 'rsa' : 'ed25519', 2048);
  writeFileSync(join(dir, 'bench.private'), privatePem, { mode: 0o600 });
  writeFileSync(join(dir, 'KeyTable'), `bench example.org:bench:${join(dir, 'bench.private')}\n`);
  writeFileSync(join(dir, 'SigningTable'), '*@example.org bench\n');
  return {
    affix_dkim_key_table: `file:${join(dir, 'KeyTable')}`,
    affix_dkim_signing_table: `refile:${join(dir, 'SigningTable')}`,
  };
}

async function startAffix(
  variant: Variant,
): Promise<{ port: number; hold: string; log: () => string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'affix-bench-dkim-'));
  const port = await freePort();
  const queue = writeAffixBenchConfig(
    dir,
    { smtpd_client_restrictions: 'check_client_access static:HOLD', ...signingSettings(dir, variant) },
    [smtpdService(port), CLEANUP_SERVICE],
  );
  const master = await startMaster({
    optionC: dir,
    env: {},
    signals: false,
    programs: createPrograms(new ServiceHub()),
  });
  return {
    port,
    hold: join(queue, 'hold'),
    log: () => readFileSync(join(dir, 'mail.log'), 'latin1'),
    stop: async () => {
      await master.stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const skip = missingPrograms(['smtp-source']);
  if (skip !== undefined) {
    console.log(`bench dkim/acceptance: not run: ${skip}`);
    return;
  }
  const results = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  // Warm-up, not counted: each variant once with a few messages, so the first timed run pays no JIT.
  for (const variant of VARIANTS) {
    const mta = await startAffix(variant);
    try {
      await smtpSource({ ...SETUP, messages: SETUP.warmup, port: mta.port, to: 'rcpt@mx.example.test' });
    } finally {
      await mta.stop();
    }
  }
  for (let run = 0; run < SETUP.runs; run++) {
    // Each run starts with another variant, so warm-up and drift do not favour one.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]!);
    for (const variant of order) {
      const mta = await startAffix(variant);
      try {
        const before = process.cpuUsage();
        const r = await smtpSource({ ...SETUP, port: mta.port, to: 'rcpt@mx.example.test' });
        const used = process.cpuUsage(before);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const held = queueFiles(mta.hold);
        if (held.length < r.acked) throw new Error(`${variant} lost ${r.acked - held.length} acknowledged messages`);
        const signed = held.length > 0 && readFileSync(held[0]!, 'latin1').includes('DKIM-Signature: v=1;');
        if (signed !== (variant !== 'signing off'))
          throw new Error(`${variant}: a held message is ${signed ? '' : 'not '}signed`);
        const added = mta.log().split(': DKIM-Signature field added (s=bench, d=example.org)').length - 1;
        if (added !== (variant === 'signing off' ? 0 : held.length))
          throw new Error(`${variant}: ${added} DKIM-Signature field added lines for ${held.length} held messages`);
        results.get(variant)!.push(r.acked / r.seconds);
        cpu.get(variant)!.push((used.user + used.system) / 1000 / Math.max(r.acked, 1));
        console.error(`${variant} run ${run + 1}: ${r.acked} acked in ${r.seconds.toFixed(2)} s, ${held.length} held`);
      } finally {
        await mta.stop();
      }
    }
  }
  const median = (xs: readonly number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m]! : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
  };
  const off = median(results.get('signing off')!);
  const offCpu = median(cpu.get('signing off')!);
  console.log('bench: dkim/acceptance (smtp-source into affix, mail on hold, DKIM signing off and on)');
  console.log(
    `setup: ${SETUP.messages} messages x ${SETUP.size} bytes, ${SETUP.sessions} sessions, ${SETUP.runs} runs each, interleaved`,
  );
  console.log(
    `durability: fsync before 250; signing: relaxed/relaxed, From oversigned, one key; warm-up ${SETUP.warmup} messages per variant`,
  );
  for (const [variant, xs] of results) {
    const m = median(xs);
    const ratio = variant === 'signing off' ? '' : `, ${(m / off).toFixed(2)} x signing off`;
    console.log(
      `${variant.padEnd(11)}: ${xs.map((x) => x.toFixed(0)).join(' / ')} msg/s (median ${m.toFixed(0)}${ratio})`,
    );
  }
  for (const [variant, xs] of cpu) {
    const m = median(xs);
    const d = m - offCpu;
    const added = variant === 'signing off' ? '' : `, ${d >= 0 ? '+' : ''}${d.toFixed(2)} ms against signing off`;
    console.log(
      `${variant.padEnd(11)}: ${xs.map((x) => x.toFixed(2)).join(' / ')} ms CPU/msg in affix (median ${m.toFixed(2)}${added})`,
    );
  }
}

await main();
