/**
 * `affix doctor` as a command: the dispatcher knows it, the usage and its
 * exit status 64, the log from --log or standard input (journalctl), the
 * queue from --queue, one check by name or alias, --json, the exit status
 * of the findings, colour only on a terminal, the score over the other
 * checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { affixMain } from '../../src/cli/affix.ts';
import type { CliIo } from '../../src/cli/cli_io.ts';
import { main } from '../../src/cli/doctor.ts';
import { runDoctor } from '../../src/doctor/doctor.ts';
import { exitStatus, type Finding } from '../../src/doctor/doctor_finding.ts';
import { renderText, wantColor } from '../../src/doctor/doctor_report.ts';
import { computeScore } from '../../src/doctor/doctor_score.ts';
import { runCli } from '../peers/cli_capture.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { configDir } from '../peers/tmpdir.ts';
import {
  baseMainCf,
  harnessInputs,
  SAMPLE_LOG,
  SAMPLE_MAIN_CF,
  SAMPLE_MASTER_CF,
  SAMPLE_QUEUE,
} from './doctor_harness.ts';

function sampleConfig(t: import('node:test').TestContext): string {
  return configDir(
    t,
    `${readFileSync(SAMPLE_MAIN_CF, 'utf8')}alias_maps =\nalias_database =\nqueue_directory = /nonexistent\n`,
    readFileSync(SAMPLE_MASTER_CF, 'utf8'),
  );
}

test('affix doctor: bad arguments print the usage and exit 64', async () => {
  for (const argv of [
    ['nosuchcheck'],
    ['--bogus'],
    ['send-test'],
    ['--public-ip', 'not-an-ip'],
    ['relay', 'extra'],
    ['queue', '--probe', '127.0.0.1:25'],
  ]) {
    const r = await runCli(main, argv);
    assert.equal(r.status, 64, argv.join(' '));
    assert.match(r.stderr, /^affix doctor: .*\nusage: affix doctor /);
  }
  const help = await runCli(main, ['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Checks: relay, tls, rdns, dnsbl, domain, mailbox, queue, log, send-test, score/);
});

test('affix doctor is a subcommand of affix', async () => {
  let out = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: () => true },
    stdin: process.stdin,
    env: {},
    cwd: process.cwd(),
  };
  assert.equal(await affixMain('affix', ['doctor', '--help'], io), 0);
  assert.match(out, /^usage: affix doctor/);
});

test('affix doctor on the sample log: the text report groups findings by severity and exits 2', async (t) => {
  const dir = sampleConfig(t);
  const r = await runCli(main, [
    '-c',
    dir,
    '--log',
    SAMPLE_LOG,
    '--queue',
    SAMPLE_QUEUE,
    '--offline',
    '--year',
    '2026',
  ]);
  assert.equal(r.status, 2);
  const order = ['ERRORS', 'WARNINGS', 'NOTES', 'OK'].map((h) => r.stdout.search(new RegExp(`^${h} \\(\\d+\\)$`, 'm')));
  assert.ok(
    order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]!)),
    r.stdout,
  );
  assert.match(
    r.stdout,
    /log: .*maillog-loopback-experiment\.log \(845 lines, 2026-11-29 09:04:45 to 2026-11-29 09:13:48\)/,
  );
  assert.match(r.stdout, /\[mailbox\] 1 message bounced because a local mailbox is full \(carol@example\.test\)/);
  assert.match(r.stdout, /\[queue\] 1 message deferred/);
  assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when not on a terminal');
});

test('affix doctor --log - reads journalctl output on standard input; CHECK aliases; --json', async (t) => {
  const dir = sampleConfig(t);
  const journal = readFileSync(SAMPLE_LOG, 'utf8')
    .split('\n')
    .filter((l) => / postfix\//.test(l))
    .map((l) => l.replace(/^Nov 29 (\d\d:\d\d:\d\d) vm /, '2026-11-29T$1+0000 vm '))
    .join('\n');
  const r = await runCli(main, ['-c', dir, '--log', '-', '--offline', '--json', 'user-unknown'], { stdin: journal });
  const doc = JSON.parse(r.stdout) as { checks: string[]; status: number; log: { lines: number }; findings: Finding[] };
  assert.deepEqual(doc.checks, ['mailbox']);
  assert.equal(doc.log.lines, journal.split('\n').length);
  assert.ok(doc.findings.some((f) => f.id === 'mailbox.local_unknown' && /nosuchuser/.test(f.title)));
  assert.equal(doc.status, r.status);
  assert.equal(r.status, exitStatus(doc.findings));
});

test('affix doctor exits 0 when nothing needs fixing, 1 for warnings only', async (t) => {
  const clean = await runCli(main, ['-c', configDir(t, baseMainCf()), 'relay']);
  assert.equal(clean.status, 0, clean.stdout);
  assert.match(clean.stdout, /summary: 1 ok; exit status 0/);
  const warn = await runCli(main, ['-c', configDir(t, `${baseMainCf()}allow_untrusted_routing = yes\n`), 'relay']);
  assert.equal(warn.status, 1, warn.stdout);
});

test('the report colours headings with util.styleText only for a terminal, or with FORCE_COLOR', async (t) => {
  assert.equal(wantColor({ isTTY: true }, {}), true);
  assert.equal(wantColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(wantColor({}, {}), false);
  assert.equal(wantColor({}, { FORCE_COLOR: '1' }), true);
  const result = await runDoctor(
    await harnessInputs(t, { mainCf: `${baseMainCf()}mynetworks = 0.0.0.0/0\n` }),
    'relay',
  );
  const text = renderText(result, { color: true });
  assert.match(text, /\u001b\[1m\u001b\[31m\u001b\[7mCRITICAL \(1\)/);
});

test('the score sums impacts per factor, capped, and says what was not checked', async (t) => {
  const f = (factor: 'ptr' | 'spf' | 'blacklist', points: number): Finding => ({
    severity: 'error',
    check: 'rdns',
    id: 'x',
    title: factor,
    evidence: [],
    cause: '',
    fix: 'do it',
    impact: { factor, points },
  });
  const s = computeScore([f('ptr', 2.5), f('ptr', 1.5), f('spf', 2), f('blacklist', 3), f('blacklist', 3)]);
  assert.deepEqual(
    s.losses.map((l) => [l.factor, l.points]),
    [
      ['blacklist', 5],
      ['ptr', 2.5],
      ['spf', 2],
    ],
  );
  assert.equal(s.score, 0.5);
  const dns = await startDnsServer(t, {
    zone: { '11.2.0.192.in-addr.arpa': { PTR: ['mx.example.test'] }, 'mx.example.test': { A: ['192.0.2.11'] } },
  });
  const r = await runDoctor(
    await harnessInputs(t, { dns, publicIps: ['192.0.2.11'], dnsblZones: ['zen.spamhaus.org'] }),
    'score',
  );
  assert.deepEqual(r.checks, ['tls', 'rdns', 'dnsbl', 'domain', 'score']);
  const score = r.findings.find((x) => x.id === 'score.deliverability');
  assert.ok(score !== undefined);
  assert.match(score.title, /^deliverability score [\d.]+\/10 \(partial\); what hurts most: TLS/);
  assert.ok(
    score.evidence.some((e) => /not checked: SPF, DKIM, DMARC \(no sending domain known: --domain\)/.test(e)),
    score.evidence.join('\n'),
  );
});
