/**
 * regexp: tables (POSIX regular expressions, glibc semantics), file and
 * inline forms: answers, `$N` results, flags, if/endif, and the warnings for
 * bad rules, each compared with real Postfix 3.7 `postmap -q`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affixPostmap, realPostmap, skipReason as skip, workDir, writeSource } from './reference.ts';

const TABLE = `# addresses
/^(.*)@example\\.com$/	local $1
/^(.+)\\+(.+)@(.*)$/ ext ${'${1}'} plus $2 at $3
/[[:digit:]]{3,}/		DIGITS
/^(a|ab)(b*)c$/ split $1/$2
/^x(.*)y$/i case-sensitive $1
/^Subject:.*(viagra|cialis)/ REJECT spam $1
/^[^@]+$/ bare
!/foo/ notfoo
/\\<word\\>/ whole-word
/a\\|b/x bre-alternation
/^(q)\\1$/i backref $1
/^line2$/m multiline
/^dot.dot$/ dot-matches-newline
/^cost \\$5$/ money $$5
/^(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)$/ ten $10 $1
if /^if/
/^if-in$/ in-block
endif
if !/^nif/
/^z/ z-outside
endif
`;

const KEYS = [
  'user@example.com',
  'USER@EXAMPLE.COM',
  'a+b@c.d',
  'abc123456',
  'abbc',
  'abc',
  'xAy',
  'XaY',
  'Subject: cheap VIAGRA now',
  'plain',
  'foo',
  'a word here',
  'swordfish@x',
  'a|b@x',
  'qq@x',
  'line1\nline2@x',
  'dot\ndot',
  'cost $5',
  'abcdefghij',
  'if-in',
  'if-out@x',
  'zed@x',
  'nifz@x',
  'héllo@example.com',
];

test('regexp: a rule file answers as real postmap -q', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'rules', TABLE);
  let found = 0;
  for (const key of KEYS) {
    const args = ['-q', key, 'regexp:rules'];
    const real = realPostmap(dir, args);
    assert.deepEqual(await affixPostmap(dir, args), real, `key ${JSON.stringify(key)}`);
    if (real.status === 0) found++;
  }
  assert.ok(found >= 20, `only ${found} keys matched: the table did not load as intended`);
});

const INLINE: readonly { readonly spec: string; readonly keys: readonly string[] }[] = [
  { spec: 'regexp:{ {/^a(.)c$/ got $1}, {/b/ bee} }', keys: ['abc', 'xbx', 'zzz'] },
  { spec: 'regexp:{{/^user@(.*)$/ domain $1}}', keys: ['user@example.org', 'other@x'] },
  { spec: 'regexp:{/a/ b}', keys: ['a'] },
  { spec: 'regexp:{{/a/ b}', keys: ['a'] },
  { spec: 'regexp:{ {/a/ b}, {/b/ c}', keys: ['a'] },
  { spec: 'regexp:{ {/a/ b} x}', keys: ['a'] },
  { spec: 'regexp:{ {/a/} }', keys: ['a'] },
];

for (const { spec, keys } of INLINE) {
  test(`regexp inline ${spec}: answers as real postmap -q`, { skip }, async (t) => {
    const dir = workDir(t);
    for (const key of keys) {
      const args = ['-q', key, spec];
      assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `key ${JSON.stringify(key)}`);
    }
  });
}

const BAD = `/a(b/ unmatched-paren
/abc	no-closing-delimiter
/x/q unknown-flag
/^z$/ $2
/^w(.)$/ \${1}z $$ $
/^v(.)$/ $x
!/^n(.)$/ $1
/[z-a]/ bad-range
/[[:nosuch:]]/ bad-class
/a{2,1}/ bad-interval
/a{1/ open-interval
/*a/ bad-repeat
/a\\/ trailing-backslash
/(a)\\2/ bad-backref
/[a/ open-bracket
if /^i/
/^ix$/ in-if
endif
endif
ENDIF trailing
if /^j/ extra text
endif
garbage line
if !/^k/
/^k/ never
`;

test('regexp: bad rules are skipped with the same warnings as real postmap', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'bad', BAD);
  for (const key of ['zz', 'ix', 'nothing-matches']) {
    const args = ['-q', key, 'regexp:bad'];
    assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `key ${key}`);
  }
});

test('regexp: a missing rule file is fatal as in Postfix, and the table cannot be written', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'rules', '/a/ b\n');
  for (const args of [
    ['-q', 'a', 'regexp:nosuch'],
    ['-d', 'a', 'regexp:rules'],
    ['-s', 'regexp:rules'],
  ]) {
    assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), args.join(' '));
  }
});
