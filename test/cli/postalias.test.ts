/**
 * affix postalias and affix newaliases on aliases(5) files: what a build
 * stores (values in RFC 822 external form, the `@` marker and Debian's
 * YP_* entries), -q, -q -, -s, -i, -d, bad lines and bad flags, each compared
 * with real Postfix 3.7 postalias and newaliases on the same files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { newaliasesMain } from '../../src/cli/postalias.ts';
import {
  affixPostalias,
  asAffix,
  realPostalias,
  skipReason as skip,
  sortedLines,
  TEST_ENV,
  workDir,
  writeSource,
} from '../maps/reference.ts';
import { runCli } from '../peers/cli_capture.ts';

const ALIASES = `# comment
Postmaster: root
root:	admin@example.com,  bob
list: a, b,
	c, "d e"@x.y
pipe: "|/usr/bin/cmd arg", /var/mail/file, |/bin/true
inc: :include:/etc/inc.list
"quoted name": x
bad line without colon
user@dom: x
colonless:
: novalue
dup: first
DUP: second
esc: \\root, joe (Joe Bloggs), Joe <joe@x>
tab:	x	y
a,b: c
`;

const KEYS = [
  'postmaster',
  'POSTMASTER',
  'root',
  'list',
  'pipe',
  'inc',
  'quoted name',
  'dup',
  'esc',
  'tab',
  '@',
  'nosuch',
];

/** postalias -s output without the time-dependent YP_LAST_MODIFIED value. */
const listing = (stdout: string) => sortedLines(stdout).map((l) => l.replace(/^(YP_LAST_MODIFIED:\t)\d+$/, '$1TIME'));

test('postalias: building an aliases file warns and stores what real postalias stores', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'aliases', ALIASES);
  assert.deepEqual(await affixPostalias(dir, ['aliases']), asAffix(realPostalias(dir, ['aliases'])));
  const mine = await affixPostalias(dir, ['-s', 'aliases']);
  const real = realPostalias(dir, ['-s', 'aliases']);
  assert.equal(mine.status, real.status);
  assert.deepEqual(listing(mine.stdout), listing(real.stdout));
  assert.ok(listing(real.stdout).includes('pipe:\t"|/usr/bin/cmd arg", /var/mail/file, |/bin/true'));
  for (const key of KEYS) {
    assert.deepEqual(
      await affixPostalias(dir, ['-q', key, 'aliases']),
      realPostalias(dir, ['-q', key, 'aliases']),
      key,
    );
  }
  const input = `${KEYS.join('\n')}\n`;
  assert.deepEqual(
    await affixPostalias(dir, ['-q', '-', 'aliases'], input),
    realPostalias(dir, ['-q', '-', 'aliases'], input),
  );
});

test('postalias -i and -d: incremental changes keep the @ marker, as real postalias', { skip }, async (t) => {
  const mine = workDir(t);
  const theirs = workDir(t);
  for (const dir of [mine, theirs]) writeSource(dir, 'aliases', 'root: admin\nold: gone\n');
  assert.equal((await affixPostalias(mine, ['lmdb:aliases'])).status, 0);
  assert.equal(realPostalias(theirs, ['lmdb:aliases']).status, 0);
  const input = 'new: person@example.com\nroot: ignored-duplicate\nbroken line\n';
  assert.deepEqual(
    await affixPostalias(mine, ['-i', 'lmdb:aliases'], input),
    realPostalias(theirs, ['-i', 'lmdb:aliases'], input),
  );
  for (const args of [
    ['-d', 'OLD', 'lmdb:aliases'],
    ['-d', 'old', 'lmdb:aliases'],
  ]) {
    assert.deepEqual(await affixPostalias(mine, args), realPostalias(theirs, args), args.join(' '));
  }
  const a = await affixPostalias(mine, ['-s', 'lmdb:aliases']);
  const b = realPostalias(theirs, ['-s', 'lmdb:aliases']);
  assert.deepEqual(listing(a.stdout), listing(b.stdout));
  assert.ok(listing(b.stdout).includes('new:\tperson@example.com'));
});

for (const args of [['-Z', 'aliases'], ['-b', 'aliases'], ['-q'], ['-q', 'root'], [], ['-q', 'a', '-s', 'aliases']]) {
  test(`postalias ${args.join(' ')}: usage errors as real postalias`, { skip }, async (t) => {
    const dir = workDir(t);
    writeSource(dir, 'aliases', 'root: admin\n');
    assert.deepEqual(await affixPostalias(dir, args), realPostalias(dir, args));
  });
}

function realNewaliases(dir: string, args: readonly string[]) {
  const r = spawnSync('/usr/bin/newaliases', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], ...TEST_ENV },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('newaliases: builds $alias_database with postalias, as sendmail -bi does', { skip }, async (t) => {
  const mine = workDir(t);
  const theirs = workDir(t);
  for (const dir of [mine, theirs]) {
    writeFileSync(join(dir, 'main.cf'), `compatibility_level = 3.6\nalias_database = lmdb:${dir}/aliases\n`);
    writeSource(dir, 'aliases', 'root: admin\nbad line\n');
  }
  const a = await runCli(newaliasesMain, ['-C', mine], { cwd: mine });
  const b = realNewaliases(theirs, ['-C', theirs]);
  assert.equal(a.status, b.status);
  assert.equal(a.stderr.replaceAll(mine, 'DIR'), b.stderr.replaceAll(theirs, 'DIR'));
  assert.equal((await affixPostalias(mine, ['-q', 'root', `lmdb:${mine}/aliases`])).stdout, 'admin\n');
});

test('newaliases: -oA names the table, an operand and a bad option are refused with status 75', { skip }, async (t) => {
  const dir = workDir(t, 'compatibility_level = 3.6\nalias_database =\n');
  writeSource(dir, 'other', 'x: y\n');
  for (const args of [
    ['-C', dir, `-oAlmdb:${dir}/other`],
    ['-C', dir, 'recipient'],
    ['-C', dir, '-Z'],
    ['-C', dir, '-oA'],
    ['-C', dir],
  ]) {
    const a = await runCli(newaliasesMain, args, { cwd: dir });
    const b = realNewaliases(dir, args);
    assert.deepEqual(a, b, args.join(' '));
  }
  assert.equal((await affixPostalias(dir, ['-q', 'x', `lmdb:${dir}/other`])).stdout, 'y\n');
});
