/**
 * dovecot: a private Dovecot (Debian dovecot-core) for tests that only
 * serves its auth protocol, on a unix socket in a temporary directory, with
 * a passwd-file of the test's users. Needs root (Dovecot starts as root);
 * stopped by its process id in t.after().
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { findProgram, missingPrograms } from './programs.ts';
import { tempDir } from './tmpdir.ts';

export interface Dovecot {
  readonly socket: string;
  readonly log: string;
}

/** Starts Dovecot auth with `users` (name -> password); a skip reason when it cannot. */
export async function startDovecot(t: TestContext, users: Readonly<Record<string, string>>): Promise<Dovecot | string> {
  const missing = missingPrograms(['dovecot']);
  if (missing !== undefined) return missing;
  if (process.getuid?.() !== 0) return 'Dovecot must be started as root';
  const dir = tempDir(t, 'affix-dovecot-');
  // Dovecot's auth process runs as the dovecot user and must reach the passwd-file.
  chmodSync(dir, 0o755);
  const socket = join(dir, 'auth');
  writeFileSync(
    join(dir, 'passwd'),
    Object.entries(users)
      .map(([u, p]) => `${u}:{PLAIN}${p}\n`)
      .join(''),
  );
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/run`,
      `log_path = ${dir}/dovecot.log`,
      'protocols =',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${dir}/passwd\n}`,
      `userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=${dir}\n}`,
      `service auth {\n  unix_listener ${socket} {\n    mode = 0666\n  }\n}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(findProgram('dovecot')!, ['-c', conf, '-F'], { stdio: 'ignore' });
  t.after(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
  if (!existsSync(socket)) return 'Dovecot did not create its auth socket';
  return { socket, log: join(dir, 'dovecot.log') };
}
