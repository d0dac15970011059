/**
 * auth_tools: the independent tools the authentication tests compare affix
 * with — dkimverify (python3-dkim), opendkim-testmsg (opendkim-tools),
 * spfquery (spf-tools-perl), policyd-spf (postfix-policyd-spf-python) —
 * installed as root with apt, skipped with a reason otherwise (a failure
 * under CI=true). None of them can be told which DNS server to ask, so
 * they run in a private mount namespace whose /etc/resolv.conf names a
 * test DNS server listening on port 53 of its own loopback address.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type DnsServer, type DnsServerOptions, startDnsServer } from '../peers/dns_server.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';

const PACKAGES: Readonly<Record<string, string>> = {
  dkimverify: 'python3-dkim',
  'opendkim-testmsg': 'opendkim-tools',
  spfquery: 'spf-tools-perl',
  'policyd-spf': 'postfix-policyd-spf-python',
  unshare: 'util-linux',
};

/** Installs (as root) the packages of `programs`; undefined when all are there, else why the test is skipped. */
export async function needTools(programs: readonly string[]): Promise<string | undefined> {
  const missing = programs.filter((p) => findProgram(p) === null);
  if (missing.length > 0 && process.getuid?.() === 0) {
    const packages = [...new Set(missing.map((p) => PACKAGES[p] ?? p))];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args: string[]) =>
      new Promise<number>((resolve) => {
        const child = spawn('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { env, stdio: 'ignore' });
        child.on('close', (code) => resolve(code ?? 1));
        child.on('error', () => resolve(1));
      });
    if ((await apt(['install', '-y', '--no-install-recommends', ...packages])) !== 0) {
      await apt(['update']);
      await apt(['install', '-y', '--no-install-recommends', ...packages]);
    }
  }
  if (process.getuid?.() !== 0) {
    const why = 'needs root: the tools read /etc/resolv.conf only, so they run in a private mount namespace';
    if (process.env['CI'] === 'true') throw new Error(`under CI=true: ${why}`);
    return why;
  }
  return missingPrograms(programs);
}

/** A test DNS server on port 53 of a loopback address of its own (127.53.x.y). */
export async function startDns53(t: TestContext, options: DnsServerOptions): Promise<DnsServer> {
  for (let attempt = 0; ; attempt++) {
    const host = `127.53.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    try {
      return await startDnsServer(t, { ...options, host, port: 53 });
    } catch (err) {
      if (attempt >= 10) throw err;
    }
  }
}

export interface ToolResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a program whose resolver asks `dns` (its /etc/resolv.conf is
 * replaced in a private mount namespace). Asynchronous, so a DNS server in
 * this process can answer it.
 */
export function runWithDns(
  t: TestContext,
  dns: DnsServer,
  program: string,
  args: readonly string[],
  input = '',
  env: Readonly<Record<string, string>> = {},
): Promise<ToolResult> {
  const dir = tempDir(t, 'affix-resolv-');
  const conf = join(dir, 'resolv.conf');
  writeFileSync(conf, `nameserver ${dns.host}\noptions timeout:2 attempts:1\n`);
  const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', 'sh', '-c', script, conf, program, ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}
