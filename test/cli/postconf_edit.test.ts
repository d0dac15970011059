/**
 * affix postconf editing main.cf and master.cf (name=value, -e, -X, -#,
 * -M, -MX, -M#, -F, -P, -PX) must leave byte-identical files to real
 * Postfix 3.7 postconf given the same files and arguments, with the same
 * messages and exit status.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { main } from '../../src/cli/postconf.ts';
import { runCli } from '../peers/cli_capture.ts';
import { runTool } from '../peers/postfix_tools.ts';
import { missingPrograms } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';

const skip = missingPrograms(['postconf']);

/** main.cf with comments and blank lines inside continued values, a duplicate, a Latin-1 byte, no final newline. */
const MAIN_CF = Buffer.concat([
  Buffer.from(`# top comment
biff = no
smtpd_banner = a
   b
# comment inside

   d
mydestination = x
biff=yes
  # indented comment
   cont of biff
myhostname = h`),
  Buffer.from([0xe9]),
  Buffer.from(`.example\r
   continued\r
last = 1`),
]);

const MASTER_CF = `# master header
smtp      inet  n       -       y       -       -       smtpd
  -o smtpd_client_restrictions=$master_only
# comment inside

  -o master_only=x
pickup    unix  n       -       n       60      1       pickup
relay     unix  -       -       n       -       -       smtp
        -o syslog_name=postfix/$service_name
maildrop   unix  -       n       n       -       -       pipe flags=DRXhu
    user=vmail argv=/usr/bin/maildrop -d \${recipient}
relay     unix  -       -       n       -       -       smtp -o second=1
last unix - - n - - local`;

/** Argument lists to run on fresh copies of both files. */
const EDITS: readonly (readonly string[])[] = [
  ['biff=maybe', 'alpha='],
  ['-e', 'biff=1', 'biff=2'],
  ['-e', '  myhostname  =  new.example  '],
  ['last=2', 'new=1'],
  ['-X', 'biff', 'smtpd_banner'],
  ['-X', 'myhostname'],
  ['-#', 'biff', 'smtpd_banner', 'nonexistent'],
  ['-#', 'last'],
  ['-e'],
  ['-e', 'foo'],
  ['-X'],
  ['-e', '#x=1'],
  ['-e', 'x=1\ny=2'],
  ['-X', 'a', 'b=c'],
  ['-X', ' '],
  ['-M', 'smtp/inet'],
  ['-MX', 'smtp/inet'],
  ['-MX', 'relay/unix'],
  ['-M#', 'smtp/inet', 'relay/unix', 'last/unix'],
  ['-M', 'smtp/inet=smtp inet n - n - - smtpd -o a=b -o {c = d e}'],
  ['-M', 'relay/unix=relay unix - - n - - smtp'],
  ['-M', 'new/unix=new unix - - n - - local'],
  ['-M', 'pickup/unix=renamed unix n - n 60 1 pickup'],
  ['-M', 'bad/unix=bad unix'],
  ['-M', 'bad/unix=bad unix q - n - - local'],
  ['-M', 'smtp'],
  ['-F', 'smtp/inet/chroot=n', 'pickup/unix/wakeup=30'],
  ['-F', 'maildrop/unix/command=pipe flags=R user=x argv=/bin/true'],
  ['-F', 'relay/unix/process_limit=5'],
  ['-F', 'smtp/inet/private=a b'],
  ['-F', 'smtp/inet/*=y'],
  ['-F', 'smtp/inet/chroot=q'],
  ['-F', 'nonexistent/inet/chroot=y'],
  ['-P', 'smtp/inet/master_only=y'],
  ['-P', 'smtp/inet/new=1', 'relay/unix/x=2', 'last/unix/y=3'],
  ['-P', 'smtp/inet/x=a b'],
  ['-P', 'smtp/inet/*=1'],
  ['-PX', 'smtp/inet/master_only', 'relay/unix/syslog_name'],
  ['-PX', 'smtp/inet/nonexistent'],
];

/** A config directory with MAIN_CF and MASTER_CF. */
function setUp(t: TestContext): string {
  const dir = tempDir(t, 'affix-edit-');
  writeFileSync(join(dir, 'main.cf'), MAIN_CF);
  writeFileSync(join(dir, 'master.cf'), MASTER_CF);
  // Postfix reads a main.cf modified within the last second again and again, warning each time.
  const past = Date.now() / 1000 - 3600;
  for (const f of ['main.cf', 'master.cf']) utimesSync(join(dir, f), past, past);
  return dir;
}

/** Every file of `dir`, byte for byte. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
}

const warnings = (stderr: string, dir: string) =>
  [...new Set(stderr.split('\n').filter((l) => l !== ''))].map((l) => l.replaceAll(dir, 'DIR')).sort();

for (const args of EDITS) {
  test(`postconf ${JSON.stringify(args)} edits as Postfix 3.7 does`, { skip }, async (t) => {
    const realDir = setUp(t);
    const ourDir = setUp(t);
    const real = runTool('postconf', ['-c', realDir, ...args]);
    const ours = await runCli(main, ['-c', ourDir, ...args]);
    assert.deepEqual(contents(ourDir), contents(realDir), 'files');
    assert.equal(ours.stdout, real.stdout, 'standard output');
    assert.deepEqual(warnings(ours.stderr, ourDir), warnings(real.stderr, realDir), 'stderr');
    assert.equal(ours.status, real.status, 'exit status');
  });
}

test('postconf adds several new names as Postfix 3.7 does, in sorted order (3.7: hash order)', { skip }, async (t) => {
  const args = ['biff=maybe', 'last=2', 'zeta = z z', 'alpha=', 'mid=3'];
  const realDir = setUp(t);
  const ourDir = setUp(t);
  const real = runTool('postconf', ['-c', realDir, ...args]);
  const ours = await runCli(main, ['-c', ourDir, ...args]);
  assert.equal(ours.status, real.status);
  const realLines = readFileSync(join(realDir, 'main.cf'), 'latin1').split('\n');
  const ourLines = readFileSync(join(ourDir, 'main.cf'), 'latin1').split('\n');
  const appended = ourLines.slice(-4, -1);
  assert.deepEqual(appended, ['alpha = ', 'mid = 3', 'zeta = z z']);
  assert.deepEqual(ourLines.slice(0, -4), realLines.slice(0, -4), 'the lines before the new ones');
  assert.deepEqual([...realLines.slice(-4)].sort(), [...ourLines.slice(-4)].sort(), 'the same new lines');
});

test('postconf name=value replaces in place, keeps comments, appends new names sorted', async (t) => {
  const dir = tempDir(t, 'affix-edit-');
  writeFileSync(join(dir, 'main.cf'), '# c\nb = 1\n  continued\n# kept\nz = 2\n');
  const r = await runCli(main, ['-c', dir, 'b=new', 'y=3', 'a=4']);
  assert.deepEqual(r, { status: 0, stdout: '', stderr: '' });
  assert.equal(readFileSync(join(dir, 'main.cf'), 'utf8'), '# c\nb = new\n# kept\nz = 2\na = 4\ny = 3\n');
  assert.deepEqual(readdirSync(dir).sort(), ['main.cf'], 'no main.cf.tmp is left behind');
});

test('postconf -e on a missing main.cf fails and leaves nothing behind', async (t) => {
  const dir = tempDir(t, 'affix-edit-');
  const r = await runCli(main, ['-c', dir, 'a=1']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `postconf: fatal: open ${dir}/main.cf for reading: No such file or directory\n`);
  assert.deepEqual(readdirSync(dir), []);
});
