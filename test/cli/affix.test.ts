import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { affixMain } from '../../src/cli/affix.ts';
import { tempDir } from '../peers/tmpdir.ts';

const ROOT = join(import.meta.dirname, '..', '..');

async function run(argv0: string, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: {},
    cwd: process.cwd(),
  };
  const status = await affixMain(argv0, argv, io);
  return { status, stdout, stderr };
}

test('affix without a command, or with an unknown one, prints usage and exits 64', async () => {
  const none = await run('affix', []);
  assert.equal(none.status, 64);
  assert.match(none.stderr, /^usage: affix COMMAND/);
  const bogus = await run('affix', ['frobnicate']);
  assert.equal(bogus.status, 64);
  assert.match(bogus.stderr, /^affix: unknown command: frobnicate\nusage:/);
});

test('a link named after a Postfix program runs that program', async () => {
  const r = await run('/usr/local/sbin/postsuper', ['-Z']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^postsuper: invalid option -- 'Z'\npostsuper: fatal: usage: postsuper \[-c config_dir\]/);
});

test('the queue tools are dispatched by name and exit as Postfix does on a usage error', async () => {
  const expect: Record<string, number> = { postqueue: 69, mailq: 75, sendmail: 75, postsuper: 1, postcat: 1 };
  for (const [tool, status] of Object.entries(expect)) {
    const r = await run('affix', [tool, '-Z']);
    assert.equal(r.status, status, tool);
    assert.match(r.stderr, new RegExp(`^${tool}: invalid option -- 'Z'\n`), tool);
    // sendmail reads main.cf before it complains (as Postfix's does); here there is none.
    assert.match(r.stderr, new RegExp(`${tool}: fatal: (usage: ${tool} |open /etc/postfix/main.cf)`), tool);
  }
});

test('the shipped conf/ starts in the foreground, logs under var/, and stops cleanly on Ctrl-C', async (t) => {
  const dir = tempDir(t);
  cpSync(join(ROOT, 'conf'), join(dir, 'conf'), { recursive: true });
  const tsx = import.meta.resolve('tsx'); // by URL: the child runs in a directory without node_modules
  const entry = join(ROOT, 'test/peers/affix_entry.ts');
  const child = spawn(process.execPath, ['--import', tsx, entry, 'postfix', '-c', 'conf', 'start-fg'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const deadline = Date.now() + 20_000;
  while (!stderr.includes('daemon started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(stderr, /postfix\/master: daemon started -- version \S+, configuration \S+\/conf\n/);
  child.kill('SIGINT');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const log = readFileSync(join(dir, 'var/log/mail.log'), 'utf8');
  assert.match(log, /postfix\/postfix-script\[\d+\]: starting the Postfix mail system\n/);
  assert.match(log, /postfix\/master\[\d+\]: terminating on signal 2\n/);
});
