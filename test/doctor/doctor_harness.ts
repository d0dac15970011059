/**
 * doctor_harness: runs doctor checks in a test: a configuration directory
 * made from main.cf/master.cf text (on a fixed host with no network
 * interfaces, so nothing depends on the machine), the log and queue the
 * test names, a resolver pointed at the test's DNS server (or none), and
 * helpers to pick findings by id and assert what they say.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readConfigFull } from '../../src/config/config.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { type DoctorResult, runDoctor } from '../../src/doctor/doctor.ts';
import type { DoctorInputs, QueueInput, SendTestInput } from '../../src/doctor/doctor_context.ts';
import { DEFAULT_DNSBL_ZONES } from '../../src/doctor/doctor_dnsbl_zones.ts';
import type { CheckName, Finding } from '../../src/doctor/doctor_finding.ts';
import type { DnsServer } from '../peers/dns_server.ts';
import { configDir } from '../peers/tmpdir.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');
export const SAMPLE_LOG = join(FIXTURES, 'maillog-loopback-experiment.log');
export const SAMPLE_MAIN_CF = join(FIXTURES, 'main.cf-experiment.txt');
export const SAMPLE_MASTER_CF = join(FIXTURES, 'master.cf-experiment.txt');
export const SAMPLE_QUEUE = join(FIXTURES, 'postqueue-j-sample.txt');

/** main.cf lines every doctor test starts from: no host tables, no queue. */
export function baseMainCf(dir = '/nonexistent'): string {
  return [
    'compatibility_level = 3.6',
    'myhostname = mx.example.test',
    'mydomain = example.test',
    'alias_maps =',
    'alias_database =',
    `queue_directory = ${dir}/spool`,
    '',
  ].join('\n');
}

export interface HarnessOptions {
  /** An existing configuration directory (a private Postfix's), instead of mainCf/masterCf. */
  readonly configDir?: string;
  readonly mainCf?: string;
  readonly masterCf?: string;
  /** Log files, in order. */
  readonly logs?: readonly string[];
  readonly queue?: QueueInput;
  readonly dns?: DnsServer | null;
  readonly publicIps?: readonly string[];
  readonly domains?: readonly string[];
  readonly dnsblZones?: readonly string[];
  readonly probe?: string | null;
  readonly probePeers?: boolean;
  readonly dkimSelectors?: readonly string[];
  readonly opendkimConf?: string | null;
  readonly sendTest?: SendTestInput | null;
  readonly now?: number;
  readonly year?: number;
}

export async function harnessInputs(t: TestContext, o: HarnessOptions = {}): Promise<DoctorInputs> {
  const dir = o.configDir ?? configDir(t, o.mainCf ?? baseMainCf(), o.masterCf ?? '');
  const { config, warnings } = await readConfigFull({
    optionC: dir,
    env: {},
    system: { hostname: 'mx.example.test', interfaces: [], pid: 1, processName: 'doctor' },
  });
  const logs = o.logs ?? [];
  return {
    config,
    configWarnings: warnings,
    logSources: logs.map((path) => ({ kind: 'file' as const, path })),
    logFile: logs[0] ?? null,
    logYear: o.year ?? 2026,
    queue: o.queue ?? { kind: 'none' },
    dns:
      o.dns === undefined || o.dns === null
        ? null
        : new DnsResolver({ servers: o.dns.servers, timeout: 1000, tries: 1 }),
    publicIps: o.publicIps ?? [],
    domains: o.domains ?? [],
    dnsblZones: o.dnsblZones ?? DEFAULT_DNSBL_ZONES,
    probe: o.probe ?? null,
    probePeers: o.probePeers ?? false,
    probeDomain: 'example.net',
    dkimSelectors: o.dkimSelectors ?? [],
    opendkimConf: o.opendkimConf ?? null,
    sendTest: o.sendTest ?? null,
    now: o.now ?? Date.now(),
  };
}

/** Runs one check (or all, with null) with the harness's inputs. */
export async function runCheck(t: TestContext, check: CheckName | null, o: HarnessOptions = {}): Promise<DoctorResult> {
  return runDoctor(await harnessInputs(t, o), check);
}

/** The findings with `id`; fails the test when there is none. */
export function findingsOf(findings: readonly Finding[], id: string): Finding[] {
  const found = findings.filter((f) => f.id === id);
  assert.ok(found.length > 0, `no finding ${id}; found: ${findings.map((f) => `${f.id} (${f.title})`).join('; ')}`);
  return found;
}

/** The one finding with `id` whose title matches `title` (when given). */
export function findingOf(findings: readonly Finding[], id: string, title?: RegExp): Finding {
  const found = findingsOf(findings, id).filter((f) => title === undefined || title.test(f.title));
  assert.ok(
    found.length > 0,
    `no finding ${id} with a title matching ${title}; have: ${findingsOf(findings, id)
      .map((f) => f.title)
      .join('; ')}`,
  );
  return found[0]!;
}

/** Asserts a finding's severity, and that its cause and fix say what they must. */
export function assertFinding(
  f: Finding,
  expect: { severity?: Finding['severity']; cause?: RegExp; fix?: RegExp; evidence?: RegExp },
): void {
  if (expect.severity !== undefined) assert.equal(f.severity, expect.severity, `${f.id}: ${f.title}`);
  if (expect.cause !== undefined) assert.match(f.cause, expect.cause, `cause of ${f.id}`);
  if (expect.fix !== undefined) assert.match(f.fix, expect.fix, `fix of ${f.id}`);
  if (expect.evidence !== undefined)
    assert.ok(
      f.evidence.some((e) => expect.evidence!.test(e)),
      `evidence of ${f.id}: ${f.evidence.join(' | ')}`,
    );
}

/** No finding with `id`. */
export function assertNoFinding(findings: readonly Finding[], id: string): void {
  const found = findings.filter((f) => f.id === id);
  assert.deepEqual(
    found.map((f) => f.title),
    [],
    `unexpected ${id}`,
  );
}
