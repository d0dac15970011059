/**
 * programs: makes sure the Debian programs a test needs (postfix as a
 * reference, swaks, pflogsumm, a DNS server ...) are installed. As root it
 * installs them with apt-get; otherwise the test is reported as not run, with
 * the reason. Under CI=true a program that is still missing is a failure.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** Debian package that provides each program the tests use. */
const PACKAGE_OF: Readonly<Record<string, string>> = {
  postconf: 'postfix',
  postmap: 'postfix',
  postalias: 'postfix',
  postfix: 'postfix',
  'smtp-source': 'postfix',
  'smtp-sink': 'postfix',
  pflogsumm: 'pflogsumm',
  swaks: 'swaks',
  openssl: 'openssl',
  dovecot: 'dovecot-core',
  nmap: 'nmap',
  'policyd-spf': 'postfix-policyd-spf-python',
  dkimverify: 'python3-dkim',
  'opendkim-testmsg': 'opendkim-tools',
  spfquery: 'spf-tools-perl',
  unshare: 'util-linux',
};

/** Extra packages installed along with a program's own (table types of the reference postmap). */
const COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  postfix: ['postfix-pcre', 'postfix-lmdb'],
  'dovecot-core': ['dovecot-lmtpd'],
};

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/bin', '/usr/local/sbin'];

/** Absolute path of `program`, or null when it is not installed. */
export function findProgram(program: string): string | null {
  for (const dir of SEARCH_PATH) {
    try {
      accessSync(`${dir}/${program}`, constants.X_OK);
      return `${dir}/${program}`;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function aptInstall(packages: readonly string[]): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (packages.includes('postfix')) {
    // Install the binaries only: no system instance, no questions.
    spawnSync('debconf-set-selections', { input: 'postfix postfix/main_mailer_type select No configuration\n' });
  }
  const args = ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...packages];
  let r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
  if (r.status !== 0) {
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'update'], { env });
    r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
  }
}

/**
 * Installs what is missing of `programs` when running as root. Returns
 * undefined when all are present, else the reason to skip the test. Throws
 * under CI=true, where a missing program must fail the run.
 */
export function missingPrograms(programs: readonly string[]): string | undefined {
  let missing = programs.filter((p) => findProgram(p) === null);
  if (missing.length > 0 && process.getuid?.() === 0) {
    const packages = new Set<string>();
    for (const p of missing) {
      const pkg = PACKAGE_OF[p] ?? p;
      packages.add(pkg);
      for (const extra of COMPANIONS[pkg] ?? []) packages.add(extra);
    }
    aptInstall([...packages]);
    missing = programs.filter((p) => findProgram(p) === null);
  }
  if (missing.length === 0) return undefined;
  const why = `needs ${missing.map((p) => `${p} (Debian package ${PACKAGE_OF[p] ?? p})`).join(', ')}; run as root to install`;
  if (process.env['CI'] === 'true') throw new Error(`missing program under CI=true: ${why}`);
  return why;
}
