/**
 * dovecot_lmtp: a private Dovecot 2.3 (Debian dovecot-core + dovecot-lmtpd)
 * for delivery tests — an LMTP server on a UNIX socket and on a 127.0.0.1
 * port for the lmtp client, and `doveadm` to read back a Maildir or mbox
 * that affix's local or virtual agent wrote. Runs as root from a temporary
 * directory (its own base_dir, logs and users file); mail is stored as the
 * unprivileged uid given (default nobody). Stopped by its pid in t.after().
 *
 *   const dc = await startDovecotLmtp(t, { users: ['alice'] });
 *   // lmtp:unix:${dc.lmtpSocket} or lmtp:inet:127.0.0.1:${dc.lmtpPort}
 *   const texts = dc.fetch('alice', 'maildir:/path/to/Maildir');
 *
 * Security: listens on 127.0.0.1 and sockets in its temporary directory only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './postfix_instance.ts';
import { findProgram, missingPrograms } from './programs.ts';
import { tempDir } from './tmpdir.ts';

export interface DovecotLmtpOptions {
  /** Users that exist (`alice` as alice@any-domain); anyone else is unknown. */
  readonly users: readonly string[];
  readonly uid?: number;
  readonly gid?: number;
}

export interface DovecotLmtp {
  readonly dir: string;
  readonly lmtpSocket: string;
  readonly lmtpPort: number;
  /** Where a user's mail goes: `dir/mail/USER/Maildir`. */
  maildirOf(user: string): string;
  /** Message texts in `location` (`maildir:/x/Maildir`, `mbox:/idx:INBOX=/var/mail/u`) as Dovecot reads them. */
  fetch(user: string, location: string): string[];
  log(): string;
}

/** Why Dovecot LMTP cannot run here (installing it as root when missing), or undefined. */
export function dovecotLmtpSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'a private Dovecot needs root';
  const missing = missingPrograms(['dovecot']);
  if (missing !== undefined) return missing;
  if (!existsSync('/usr/lib/dovecot/lmtp')) {
    if (process.env['CI'] === 'true')
      throw new Error('missing program under CI=true: /usr/lib/dovecot/lmtp (Debian dovecot-lmtpd)');
    return 'needs /usr/lib/dovecot/lmtp (Debian dovecot-lmtpd)';
  }
  return undefined;
}

export async function startDovecotLmtp(t: TestContext, o: DovecotLmtpOptions): Promise<DovecotLmtp> {
  const dir = tempDir(t, 'affix-dovecot-');
  chmodSync(dir, 0o755);
  const uid = o.uid ?? 65534;
  const gid = o.gid ?? 65534;
  const mail = join(dir, 'mail');
  mkdirSync(mail);
  chownSync(mail, uid, gid);
  for (const u of o.users) {
    mkdirSync(join(mail, u));
    chownSync(join(mail, u), uid, gid);
  }
  const users = join(dir, 'users');
  writeFileSync(users, o.users.map((u) => `${u}::${uid}:${gid}::${join(mail, u)}::\n`).join(''));
  const lmtpPort = await freePort();
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${join(dir, 'dovecot.log')}
instance_name = affix-test-${lmtpPort}
protocols = lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
first_valid_uid = 1
auth_username_format = %n
passdb {
  driver = passwd-file
  args = ${users}
}
userdb {
  driver = passwd-file
  args = ${users}
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${lmtpPort}
  }
}
`,
  );
  const child: ChildProcess = spawn('dovecot', ['-c', conf, '-F'], { stdio: 'ignore' });
  t.after(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  });
  const lmtpSocket = join(dir, 'run', 'lmtp');
  const logFile = join(dir, 'dovecot.log');
  const until = Date.now() + 15_000;
  for (;;) {
    const up =
      existsSync(lmtpSocket) &&
      (await new Promise<boolean>((resolve) => {
        const s = connect(lmtpPort, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      }));
    if (up) break;
    if (child.exitCode !== null || Date.now() > until) {
      throw new Error(`dovecot did not start: ${existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no log)'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    lmtpSocket,
    lmtpPort,
    maildirOf: (user) => join(mail, user, 'Maildir'),
    fetch(user, location) {
      const args = [
        '-c',
        conf,
        '-o',
        `mail_location=${location}`,
        'fetch',
        '-u',
        user,
        'text',
        'mailbox',
        'INBOX',
        'all',
      ];
      const r = spawnSync('doveadm', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`doveadm fetch failed: ${r.stderr}`);
      return r.stdout
        .split(/^text:\n/m)
        .slice(1)
        .map((m) => m.replace(/\n\f\n?$/, '').replace(/\n$/, ''));
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
}
