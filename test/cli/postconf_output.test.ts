/**
 * affix postconf output held against texts captured from real Postfix
 * 3.7.11 postconf (so these run without Postfix installed): whitespace
 * normalisation and -f folding, -M columns and -Mf folding, user-defined
 * parameter warnings, the config directory as named, and the lists of
 * table types, lock methods and SASL plug-ins.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/postconf.ts';
import { formatLine } from '../../src/cli/postconf_print.ts';
import { runCli } from '../peers/cli_capture.ts';
import { configDir, tempDir } from '../peers/tmpdir.ts';

const MAIN_CF = `# comment
biff = no
myhostname = mx.example.test
smtpd_banner = $myhostname   ESMTP
   $mail_name
# inner comment

  (Debian)
foo_unused = 1
t_class = permit
smtpd_restriction_classes = t_class
biff = yes
user_ref = hello
mydestination = $user_ref, localhost
header_checks = regexp:{{/^Subject: .*forbidden/ REJECT forbidden subject}, {/^X-Test: hold/ HOLD held by header check}}
`;

const MASTER_CF = `smtp      inet  n       -       y       -       -       smtpd
  -o smtpd_client_restrictions=$master_only
  -o master_only=x
  -o t_class=y
  -o bogus_o=z
  -o x=$undefined_thing
scalemail-backend unix - n       n       -       2       pipe flags=R
    user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store \${nexthop}
    \${user} \${extension}
`;

test('formatLine collapses whitespace and, with -f, folds before column 80 with a 4-space indent', () => {
  assert.equal(formatLine('a =  b\t\tc\n  d ', false), 'a = b c d\n');
  assert.equal(formatLine('', false), '\n');
  const long = `t_rcpt = ${'word '.repeat(20)}end`;
  assert.equal(
    formatLine(long, true),
    't_rcpt = word word word word word word word word word word word word word word\n' +
      '    word word word word word word end\n',
  );
});

test('postconf -n lists explicit settings with whitespace normalised, and warns about unused and undefined names', async (t) => {
  const dir = configDir(t, MAIN_CF, MASTER_CF);
  const r = await runCli(main, ['-c', dir, '-n']);
  assert.equal(r.status, 0);
  assert.equal(
    r.stdout,
    `biff = yes
config_directory = ${dir}
header_checks = regexp:{{/^Subject: .*forbidden/ REJECT forbidden subject}, {/^X-Test: hold/ HOLD held by header check}}
mydestination = $user_ref, localhost
myhostname = mx.example.test
smtpd_banner = $myhostname ESMTP $mail_name (Debian)
smtpd_restriction_classes = t_class
t_class = permit
user_ref = hello
`,
  );
  assert.deepEqual(r.stderr.split('\n').filter(Boolean).sort(), [
    `postconf: warning: ${dir}/main.cf, line 12: overriding earlier entry: biff=no`,
    `postconf: warning: ${dir}/main.cf: unused parameter: foo_unused=1`,
    `postconf: warning: ${dir}/master.cf: undefined parameter: undefined_thing`,
    `postconf: warning: ${dir}/master.cf: unused parameter: bogus_o=z`,
    `postconf: warning: ${dir}/master.cf: unused parameter: x=$undefined_thing`,
  ]);
});

test('postconf -nf folds a long value as Postfix does', async (t) => {
  const dir = configDir(t, MAIN_CF, MASTER_CF);
  const r = await runCli(main, ['-c', dir, '-nf', 'header_checks']);
  assert.equal(
    r.stdout,
    'header_checks = regexp:{{/^Subject: .*forbidden/ REJECT forbidden subject},\n' +
      '    {/^X-Test: hold/ HOLD held by header check}}\n',
  );
});

test('postconf -M puts the fields at fixed columns; -Mf puts each -o on its own line', async (t) => {
  const dir = configDir(t, MAIN_CF, MASTER_CF);
  const m = await runCli(main, ['-c', dir, '-M']);
  assert.equal(
    m.stdout,
    'smtp       inet  n       -       y       -       -       smtpd -o smtpd_client_restrictions=$master_only' +
      ' -o master_only=x -o t_class=y -o bogus_o=z -o x=$undefined_thing\n' +
      'scalemail-backend unix - n       n       -       2       pipe flags=R user=scalemail' +
      ' argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} ${extension}\n',
  );
  const mf = await runCli(main, ['-c', dir, '-Mf']);
  assert.equal(
    mf.stdout,
    `smtp       inet  n       -       y       -       -       smtpd
    -o smtpd_client_restrictions=$master_only
    -o master_only=x
    -o t_class=y
    -o bogus_o=z
    -o x=$undefined_thing
scalemail-backend unix - n       n       -       2       pipe flags=R
    user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store \${nexthop}
    \${user} \${extension}
`,
  );
  // -M prints no main.cf warnings about unused parameters, only master.cf ones.
  assert.ok(!mf.stderr.includes('foo_unused'));
  assert.ok(mf.stderr.includes('unused parameter: bogus_o=z'));
});

test('postconf -F and -P name each field and -o setting service/type/name', async (t) => {
  const dir = configDir(t, MAIN_CF, MASTER_CF);
  const f = await runCli(main, ['-c', dir, '-F', 'smtp/inet/chroot', 'scalemail-backend/unix/command']);
  assert.equal(
    f.stdout,
    'smtp/inet/chroot = y\nscalemail-backend/unix/command = pipe flags=R user=scalemail' +
      ' argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} ${extension}\n',
  );
  const p = await runCli(main, ['-c', dir, '-Px', 'smtp/inet/smtpd_client_restrictions', 'smtp/inet/t_class']);
  assert.equal(p.stdout, 'smtp/inet/smtpd_client_restrictions = x\nsmtp/inet/t_class = y\n');
});

test('postconf takes the config directory as named: relative -c, and MAIL_CONFIG', async (t) => {
  const base = tempDir(t);
  mkdirSync(join(base, 'conf'));
  writeFileSync(join(base, 'conf', 'main.cf'), 'biff = no\nbogus = 1\n');
  writeFileSync(join(base, 'conf', 'master.cf'), '');
  const rel = await runCli(main, ['-c', 'conf', '-n'], { cwd: base });
  assert.equal(rel.stdout, 'biff = no\nconfig_directory = conf\n');
  assert.equal(rel.stderr, 'postconf: warning: conf/main.cf: unused parameter: bogus=1\n');
  const env = await runCli(main, ['-n'], { cwd: base, env: { MAIL_CONFIG: join(base, 'conf') } });
  assert.equal(env.stdout, `biff = no\nconfig_directory = ${join(base, 'conf')}\n`);
});

test('postconf -m, -l, -a and -A list what affix supports', async (t) => {
  const dir = configDir(t, 'biff = no\n');
  const maps = (await runCli(main, ['-c', dir, '-m'])).stdout.split('\n').filter(Boolean);
  assert.deepEqual(maps, [...maps].sort(), 'sorted');
  for (const type of ['texthash', 'hash', 'btree', 'lmdb', 'regexp', 'pcre', 'cidr', 'inline', 'static', 'fail']) {
    assert.ok(maps.includes(type), `-m lists ${type}`);
  }
  for (const type of ['unionmap', 'pipemap', 'environ', 'unix', 'proxy']) assert.ok(maps.includes(type), type);
  assert.equal((await runCli(main, ['-l'])).stdout, 'flock\nfcntl\ndotlock\n');
  assert.equal((await runCli(main, ['-a'])).stdout, 'affix\ndovecot\n');
  assert.equal((await runCli(main, ['-A'])).stdout, 'cyrus\n');
});

test('postconf -e writes settings that postconf -n and -x then read', async (t) => {
  const dir = configDir(t, '# empty\n');
  const e = await runCli(main, ['-c', dir, '-e', 'myhostname = mx.example.test', 'mydomain=example.test']);
  assert.deepEqual(e, { status: 0, stdout: '', stderr: '' });
  const n = await runCli(main, ['-c', dir, '-n']);
  assert.equal(n.stdout, `config_directory = ${dir}\nmydomain = example.test\nmyhostname = mx.example.test\n`);
  const x = await runCli(main, ['-c', dir, '-x', 'myorigin', 'mydestination']);
  assert.equal(
    x.stdout,
    'myorigin = mx.example.test\nmydestination = mx.example.test, localhost.example.test, localhost\n',
  );
});
