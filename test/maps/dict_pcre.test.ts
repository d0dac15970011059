/**
 * pcre: tables (PCRE2 semantics as Postfix uses them: bytes, no UTF), file
 * and inline forms: answers, flags, inline options, `$N` results, errors
 * with their offsets, each compared with real Postfix 3.7 `postmap -q`. Then
 * the constructs affix refuses on purpose (JavaScript has no faithful
 * equivalent), each with its reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affixPostmap, realPostmap, skipReason as skip, workDir, writeSource } from './reference.ts';

const TABLE = `/^(\\w+)@example\\.com$/	local $1
/^Subject:\\s+hello/ subject-hello
/^(?<user>[^@]+)@(?<dom>.+)\\.test$/ named $2 $1
/\\d{2,}/ digits
/a.b/ dot-matches-newline
/c.d/s dot-stops-at-newline
/^line2$/m multiline
/(?i)MiXeD/ inline-caseless
/CaseSensitive/i exact-case
/^anch/A anchored
/end$/ dollar-before-final-newline
/fin$/E dollar-end-only
/^(a+?)(a*)$/ lazy $1|$2
/^(b+)(b*)$/U ungreedy $1|$2
/ x y z /x extended
/^\\Qa.b\\E$/ quoted
/^[[:alpha:]]+[[:digit:]]$/ posix-class
/^\\x41\\x{42}\\103$/ escapes
/^(?:(?!bad).)*$/ no-bad
/(?<=pre)fix/ lookbehind
/^(p)\\1$/i backref $1
/^\\p{Lu}$/ upper-letter
/^.$/ one-byte
/X/X obsolete-flag
if /^if/
/^if-in$/ in-block
endif
`;

const KEYS = [
  'john@example.com',
  'Subject:   hello world',
  'alice@box.test',
  'n42',
  'a\nb',
  'c\nd',
  'cxd',
  'line1\nline2',
  'mixed',
  'CaseSensitive',
  'casesensitive',
  'anchor',
  'xanchor',
  'the end\n',
  'the fin\n',
  'the fin',
  'aaa',
  'bbb',
  'xyz',
  'a.b',
  'axb',
  'abc1',
  'ABC',
  'good text',
  'prefix',
  'pp',
  'A',
  'é',
  'if-in',
  'if-out',
];

test('pcre: a rule file answers as real postmap -q', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'rules', TABLE);
  let found = 0;
  for (const key of KEYS) {
    const args = ['-q', key, 'pcre:rules'];
    const real = realPostmap(dir, args);
    assert.deepEqual(await affixPostmap(dir, args), real, `key ${JSON.stringify(key)}`);
    if (real.status === 0) found++;
  }
  assert.ok(found >= 20, `only ${found} keys matched: the table did not load as intended`);
});

const INLINE: readonly { readonly spec: string; readonly keys: readonly string[] }[] = [
  { spec: 'pcre:{{/^Subject:\\s+hello/i DISCARD}}', keys: ['Subject: hello', 'subject: HELLO', 'Subject:hello'] },
  { spec: 'pcre:{ {/^(.+)@(.+)$/ $2 $1}, {/x/ ex} }', keys: ['a@b', 'x', 'y'] },
  { spec: 'pcre:{ {/a/ b} x}', keys: ['a'] },
  { spec: 'pcre:{{/a/ b}', keys: ['a'] },
];

for (const { spec, keys } of INLINE) {
  test(`pcre inline ${spec}: answers as real postmap -q`, { skip }, async (t) => {
    const dir = workDir(t);
    for (const key of keys) {
      const args = ['-q', key, spec];
      assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `key ${JSON.stringify(key)}`);
    }
  });
}

const BAD = `/a(b/ missing-paren
/ab)/ unmatched-paren
/[ab/ missing-bracket
/[z-a]/ range-order
/*a/ nothing-to-repeat
/\\i/ unknown-escape
/(?<=a+)b/ variable-lookbehind
/a{2,1}/ numbers-out-of-order
/\\2(a)/ no-such-group
/[[:foo:]]/ unknown-class
/(?z)/ bad-option
/\\x{100}/ too-large
/abc	no-delimiter
/x/q unknown-flag
/^(y)$/ $2
/^z$/ \${1
if /^i/
/^ix$/ in-if
endif
endif
`;

test('pcre: bad rules are skipped with the same warnings and offsets as real postmap', { skip }, async (t) => {
  const dir = workDir(t);
  writeSource(dir, 'bad', BAD);
  for (const key of ['ix', 'y', 'nothing']) {
    const args = ['-q', key, 'pcre:bad'];
    assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args), `key ${key}`);
  }
});

/** Patterns PCRE2 accepts that affix refuses: JavaScript would match or capture differently. */
const REFUSED: readonly { readonly rule: string; readonly reason: string }[] = [
  { rule: '/a++b/ x', reason: 'possessive quantifier' },
  { rule: '/(?>ab)c/ x', reason: 'atomic group (?>...)' },
  { rule: '/(a)(?1)/ x', reason: 'recursion or subroutine call' },
  { rule: '/(?R)?x/ x', reason: 'recursion or subroutine call' },
  { rule: '/(?(1)a|b)/ x', reason: 'conditional group (?(...)...)' },
  { rule: '/a(*SKIP)b/ x', reason: 'backtracking control verb or (*...) assertion' },
  { rule: '/a\\Kb/ x', reason: '\\K (reset match start)' },
  { rule: '/\\X/ x', reason: '\\X (extended grapheme cluster)' },
  { rule: '/(?|(a)|(b))/ x', reason: 'branch reset group (?|...) with capture groups' },
  { rule: '/(a)\\1/ x', reason: 'back-reference \\1 with case-insensitive matching (use flag "i")' },
  { rule: '/^(?:(a)|b)+$/ $1', reason: 'capture group 1 used as $1 is inside a repetition that may skip it' },
  { rule: '/^(b*)*$/ $1', reason: 'capture group 1 used as $1 is inside a repetition that can match empty' },
];

for (const { rule, reason } of REFUSED) {
  test(`pcre: affix refuses ${rule.split(' ')[0]} (${reason}), which real postmap accepts`, { skip }, async (t) => {
    const dir = workDir(t);
    writeSource(dir, 'rules', `/^ok$/ fine\n${rule}\n`);
    assert.equal(realPostmap(dir, ['-q', 'ok', 'pcre:rules']).status, 0, 'Postfix accepts the table');
    const pattern = rule.slice(0, rule.lastIndexOf('/') + 1);
    assert.deepEqual(await affixPostmap(dir, ['-q', 'ok', 'pcre:rules']), {
      status: 1,
      stdout: '',
      stderr: `postmap: fatal: pcre map rules, line 2: unsupported in affix: ${reason} in ${pattern} (JavaScript would match differently)\n`,
    });
  });
}
