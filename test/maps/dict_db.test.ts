/**
 * Tables of `key value` source files: texthash (read directly) and hash,
 * btree, lmdb (indexed by postmap). Every answer, warning and exit status is
 * compared with real Postfix 3.7 postmap on the same source file; index file
 * names differ by design (`FILE.affixdb`, never Postfix's `FILE.db`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  affixPostmap,
  asAffix,
  realPostmap,
  skipReason as skip,
  sortedLines,
  workDir,
  writeSource,
} from './reference.ts';

const SOURCE = `# a comment line
Foo bar
foo baz
key: val
onlykey
"quoted key" v1
x "unbal
\ta continued
Bob   Value With  Spaces
UPPER Value
Straße v2
ΣΟΦΟΣ v3
  indented text continues nothing
"open quote line
`;

const KEYS = [
  'foo',
  'FOO',
  'Foo',
  'bob',
  'BOB',
  '"quoted key"',
  'quoted key',
  'x',
  'key:',
  'onlykey',
  'missing',
  'upper',
  'strasse',
  'STRASSE',
  'σοφοσ',
  'σοφος',
];

for (const flags of [[], ['-f']] as const) {
  test(`texthash ${flags.join(' ')}: every key answers as real postmap -q, with its warnings`, { skip }, async (t) => {
    const dir = workDir(t);
    writeSource(dir, 'table', SOURCE);
    for (const key of KEYS) {
      const args = [...flags, '-q', key, 'texthash:table'];
      assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `key ${JSON.stringify(key)}`);
    }
  });
}

for (const type of ['hash', 'btree', 'lmdb'] as const) {
  for (const flags of [[], ['-f'], ['-r'], ['-w']] as const) {
    test(`${type} ${flags.join(' ')}: the build warns and the index answers as real postmap`, { skip }, async (t) => {
      const dir = workDir(t);
      writeSource(dir, 'table', SOURCE);
      const build = await affixPostmap(dir, [...flags, `${type}:table`]);
      assert.deepEqual(build, asAffix(realPostmap(dir, [...flags, `${type}:table`])));
      assert.ok(existsSync(join(dir, 'table.affixdb')), 'affix writes its own index');
      for (const key of KEYS) {
        const args = [...flags, '-q', key, `${type}:table`];
        assert.deepEqual(await affixPostmap(dir, args), asAffix(realPostmap(dir, args)), `key ${JSON.stringify(key)}`);
      }
      const listing = await affixPostmap(dir, ['-s', `${type}:table`]);
      const real = realPostmap(dir, ['-s', `${type}:table`]);
      assert.equal(listing.status, real.status);
      // Berkeley DB hash order is arbitrary; btree and lmdb list in key order, as affix does.
      if (type === 'hash') assert.deepEqual(sortedLines(listing.stdout), sortedLines(real.stdout));
      else assert.equal(listing.stdout, real.stdout);
    });
  }
}

test('hash: the default type is default_database_type, and a missing table is fatal as in Postfix', {
  skip,
}, async (t) => {
  const dir = workDir(t);
  for (const args of [['-q', 'a', 'nosuch'], ['-q', 'a', 'hash:nosuch'], ['-q', 'a', 'texthash:nosuch'], ['nosuch']]) {
    assert.deepEqual(await affixPostmap(dir, args), asAffix(realPostmap(dir, args)), args.join(' '));
  }
  writeSource(dir, 'table', 'a b\n');
  assert.equal((await affixPostmap(dir, ['table'])).status, 0);
  assert.deepEqual(await affixPostmap(dir, ['-q', 'a', 'table']), { status: 0, stdout: 'b\n', stderr: '' });
});

test('btree and lmdb: types that cannot be built are refused with Postfix wording', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'table', 'a b\n');
  for (const spec of ['texthash:table', 'regexp:table', 'static:table', 'nosuchtype:table', 'proxy:hash:table']) {
    assert.deepEqual(await affixPostmap(dir, [spec]), realPostmap(dir, [spec]), spec);
  }
});
