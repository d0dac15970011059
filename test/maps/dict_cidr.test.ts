/**
 * cidr: tables (IPv4 and IPv6 networks, first match wins, `!` and if/endif),
 * file and inline forms, and the warnings for bad patterns (including
 * Postfix's hint for a network written with host bits), each compared with
 * real Postfix 3.7 `postmap -q`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affixPostmap, realPostmap, skipReason as skip, workDir, writeSource } from './reference.ts';

const TABLE = `# networks
1.2.3.4 exact
1.2.3.0/24 v4net
[2001:db8::]/32 v6net
::1 v6exact
[::2] v6bracket
!10.0.0.0/8 not-ten
if 192.168.0.0/16
192.168.1.0/24 inner
endif
if !172.16.0.0/12
::/0 any-v6
endif
0.0.0.0/0 any-v4
`;

const KEYS = [
  '1.2.3.4',
  '1.2.3.9',
  '2001:db8::5',
  '2001:DB8:0:0:0:0:0:1',
  '2001:db9::1',
  '::1',
  '::2',
  '10.1.1.1',
  '11.0.0.1',
  '192.168.1.5',
  '192.168.2.5',
  '172.16.0.1',
  '[::1]',
  '::ffff:1.2.3.4',
  '1.2.3',
  '01.2.3.4',
  'not-an-address',
  'fe80::1',
];

test('cidr: a network table answers as real postmap -q', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'nets', TABLE);
  let found = 0;
  for (const key of KEYS) {
    const args = ['-q', key, 'cidr:nets'];
    const real = realPostmap(dir, args);
    assert.deepEqual(await affixPostmap(dir, args), real, `key ${key}`);
    if (real.status === 0) found++;
  }
  assert.ok(found >= 10, `only ${found} keys matched`);
});

test('cidr: the inline form answers as real postmap -q', { skip }, async (t) => {
  const dir = workDir(t);
  for (const spec of [
    'cidr:{{127.0.0.0/24 REJECT loopback}}',
    'cidr:{ {::1/128 v6}, {!127.0.0.1 other} }',
    'cidr:{{1.2.3.4 x}',
  ]) {
    for (const key of ['127.0.0.9', '127.0.1.1', '::1', '::2']) {
      const args = ['-q', key, spec];
      assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `${spec} ${key}`);
    }
  }
});

const BAD = `1.2.3.4/24 host-bits
[2001:db8::1]/64 host-bits-v6
::ffff:1.2.3.4/96 mapped-host-bits
1:0:0:1:0:0:0:1/16 compressed-hint
bad/8 x
1.2.3.0/33 bad-length
1.2.3.0/x bad-mask
[1.2.3.4 missing-bracket
[1.2.3.4]x garbage
01.2.3.4 leading-zero
1.2.3.4
endif
endif trailing
if
if 1.2.3.0/24 extra
if 10.0.0.0/8
`;

test('cidr: bad patterns are skipped with the same warnings as real postmap', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'bad', BAD);
  for (const key of ['1.2.3.4', '10.0.0.1']) {
    const args = ['-q', key, 'cidr:bad'];
    assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), key);
  }
});
