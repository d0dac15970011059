/**
 * affix postmap, command line: options, conflicts, usage, -q - (keys on
 * stdin, and message headers/body with -h/-b), -s, -i, -d, -r, -w, and a
 * missing configuration, each compared with real Postfix 3.7 postmap on the
 * same files (index names differ by design: FILE.affixdb).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  affixPostmap,
  asAffix,
  realPostmap,
  skipReason as skip,
  sortedLines,
  workDir,
  writeSource,
} from '../maps/reference.ts';

const SOURCE = 'alpha 1\nBeta 2\ngamma three words\n';

/** Runs `args` with both implementations in fresh, identical directories, then compares everything. */
async function same(t: test.TestContext, args: readonly string[], input = '', build = true) {
  const mine = workDir(t);
  const theirs = workDir(t);
  for (const dir of [mine, theirs]) {
    writeSource(dir, 'table', SOURCE);
    writeSource(dir, 'other', 'delta 4\nalpha other\n');
  }
  if (build) {
    assert.equal((await affixPostmap(mine, ['lmdb:table', 'lmdb:other'])).status, 0);
    assert.equal(realPostmap(theirs, ['lmdb:table', 'lmdb:other']).status, 0);
  }
  const real = asAffix(realPostmap(theirs, args, input));
  assert.deepEqual(await affixPostmap(mine, args, input), real, args.join(' '));
  return { mine, theirs, real };
}

const USAGE_CASES: readonly (readonly string[])[] = [
  ['-Z', 'lmdb:table'],
  ['-j', '-q', 'a', 'lmdb:table'],
  ['-q'],
  ['-q', 'alpha'],
  ['-d', 'alpha'],
  [],
  ['-s'],
  ['-b', 'lmdb:table'],
  ['-h', '-q', 'alpha', 'lmdb:table'],
];

for (const args of USAGE_CASES) {
  test(`postmap ${args.join(' ')}: usage errors as real postmap`, { skip }, async (t) => {
    await same(t, args);
  });
}

for (const [a, b] of [
  ['-d', '-q'],
  ['-q', '-q'],
  ['-q', '-s'],
  ['-d', '-s'],
  ['-s', '-d'],
  ['-s', '-q'],
  ['-i', '-q'],
  ['-d', '-i'],
] as const) {
  test(`postmap ${a} ${b}: the option conflict is handled as real postmap`, { skip }, async (t) => {
    const args = [
      ...(a === '-s' || a === '-i' ? [a] : [a, 'alpha']),
      ...(b === '-s' || b === '-i' ? [b] : [b, 'beta']),
    ];
    await same(t, [...args, 'lmdb:table'], 'zeta 9\n');
  });
}

test('postmap -q: the first table with the key answers; exit 1 when none has it', { skip }, async (t) => {
  await same(t, ['-q', 'ALPHA', 'lmdb:table', 'lmdb:other']);
  await same(t, ['-q', 'delta', 'lmdb:table', 'lmdb:other']);
  await same(t, ['-q', 'nothing', 'lmdb:table', 'lmdb:other']);
});

test('postmap -q -: keys from stdin print as key<TAB>value, from the first table that has each', {
  skip,
}, async (t) => {
  const { real } = await same(t, ['-q', '-', 'lmdb:table', 'lmdb:other'], 'alpha\nnothing\ndelta\nGAMMA\n');
  assert.equal(real.stdout, 'alpha\t1\ndelta\t4\nGAMMA\tthree words\n');
  await same(t, ['-q', '-', 'lmdb:table'], 'nothing\n');
});

test('postmap -q - with a failing table is fatal with query error', { skip }, async (t) => {
  await same(t, ['-q', '-', 'lmdb:table', 'fail:down'], 'alpha\nnothing\n');
  await same(t, ['-q', 'nothing', 'lmdb:table', 'fail:down']);
});

test('postmap -s: lists the first table only, in key order', { skip }, async (t) => {
  const { real } = await same(t, ['-s', 'lmdb:table', 'lmdb:other']);
  assert.equal(real.stdout, 'alpha\t1\nbeta\t2\ngamma\tthree words\n');
});

test('postmap -i: adds stdin records, warning about duplicates (kept unless -r, silent with -w)', {
  skip,
}, async (t) => {
  for (const flags of [[], ['-r'], ['-w']]) {
    const input = 'alpha replaced\nzeta 26\nnovalue\n';
    const { mine, theirs } = await same(t, [...flags, '-i', 'lmdb:table'], input);
    assert.deepEqual(
      (await affixPostmap(mine, ['-s', 'lmdb:table'])).stdout,
      realPostmap(theirs, ['-s', 'lmdb:table']).stdout,
    );
  }
});

test('postmap -d: deletes a key from every table; exit 1 when no table had it', { skip }, async (t) => {
  const { mine, theirs } = await same(t, ['-d', 'ALPHA', 'lmdb:table', 'lmdb:other']);
  assert.deepEqual(
    (await affixPostmap(mine, ['-s', 'lmdb:other'])).stdout,
    realPostmap(theirs, ['-s', 'lmdb:other']).stdout,
  );
  await same(t, ['-d', 'nothing', 'lmdb:table']);
  await same(t, ['-d', 'alpha', 'lmdb:nosuch']);
  await same(t, ['-d', 'alpha', 'texthash:table']);
  await same(t, ['-d', 'alpha', 'fail:x']);
});

test('postmap -d -: deletes the keys read from stdin', { skip }, async (t) => {
  const { mine, theirs } = await same(t, ['-d', '-', 'lmdb:table'], 'beta\nnothing\n');
  assert.deepEqual(sortedLines((await affixPostmap(mine, ['-s', 'lmdb:table'])).stdout), [
    'alpha\t1',
    'gamma\tthree words',
  ]);
  assert.deepEqual(
    (await affixPostmap(mine, ['-s', 'lmdb:table'])).stdout,
    realPostmap(theirs, ['-s', 'lmdb:table']).stdout,
  );
});

test('postmap -h -q -: each header of a message on stdin is a key, continuation lines included', {
  skip,
}, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'checks', '/^Subject:.*free/ REJECT no spam\n/^X-Folded:/ FOLDED\n/^body line/ BODY\n');
  const message = 'From: a@b\nSubject: get it free\nX-Folded: one\n\ttwo\n\nbody line here\n';
  for (const flags of [['-h'], ['-b'], ['-h', '-b'], ['-m']]) {
    const args = [...flags, '-q', '-', 'regexp:checks'];
    assert.deepEqual(await affixPostmap(dir, args, message), realPostmap(dir, args, message), flags.join(' '));
  }
});

test('postmap: a missing configuration directory is fatal as in Postfix', { skip }, async (t) => {
  const dir = workDir(t);
  const args = ['-c', `${dir}/nosuch`, '-q', 'a', 'inline:{a=b}'];
  const real = realPostmap(dir, args);
  assert.equal(real.status, 1);
  assert.deepEqual(await affixPostmap(dir, args), real);
});

test('postmap: default_database_type names the type of a bare file name', { skip }, async (t) => {
  const dir = workDir(t, 'compatibility_level = 3.6\ndefault_database_type = lmdb\n');
  writeSource(dir, 'table', SOURCE);
  assert.deepEqual(await affixPostmap(dir, ['table']), realPostmap(dir, ['table']));
  assert.deepEqual(await affixPostmap(dir, ['-s', 'table']), realPostmap(dir, ['-s', 'table']));
});
