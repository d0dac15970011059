import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import { macExpand } from '../../src/config/mac_expand.ts';
import { runTool } from '../peers/postfix_tools.ts';
import { missingPrograms } from '../peers/programs.ts';
import { configDir } from '../peers/tmpdir.ts';

/** Expressions whose expansion real `postconf -x` decides. */
const CASES: readonly string[] = [
  '$full',
  '${full}',
  '$(full)',
  'a$$b',
  '$$full',
  '${full?yes}',
  '${empty?yes}',
  '${full:no}',
  '${empty:no}',
  '${full?{yes}:{no}}',
  '${empty?{yes}:{no}}',
  '${empty?{yes}:no}',
  '${full?{ spaced }}',
  '${ full ? {x} : {y} }',
  '${undefined_name}x',
  '${{$num} == {10} ? {eq} : {ne}}',
  '${{$num} < {9} ? {lt} : {ge}}',
  '${{$num} <= {10} ? {le} : {gt}}',
  '${{abc} < {abd} ? {lt} : {ge}}',
  '${{abc} != {abc} ? {ne} : {eq}}',
  '${{$compatibility_level} <level {2} ? {old} : {new}}',
  '${{3.6} >=level {3.6} ? {ge} : {lt}}',
  '${{3.10} >level {3.9} ? {gt} : {le}}',
  '$nested',
  '${nested?{$full-$nested}}',
  'x$full.y',
  '${full?${nested}}',
];

test('mac_expand agrees with real postconf -x on every expansion form', async (t) => {
  const skip = missingPrograms(['postconf']);
  if (skip) return t.skip(skip);
  const names = CASES.map((_, i) => `t${i}`);
  const main = [
    'compatibility_level = 3.6',
    'full = value',
    'empty =',
    'num = 10',
    'nested = [$full]',
    `smtpd_restriction_classes = full empty num nested ${names.join(' ')}`,
    ...CASES.map((c, i) => `t${i} = ${c}`),
  ].join('\n');
  const dir = configDir(t, `${main}\n`);
  const real = runTool('postconf', ['-c', dir, '-xh', ...names]);
  assert.equal(real.status, 0, real.stderr);
  const expected = real.stdout.split('\n').slice(0, names.length);
  const config = await readConfig(dir);
  const actual = names.map((n) => config.value(n).replace(/\s+/g, ' ').trim());
  for (const [i, c] of CASES.entries()) assert.equal(actual[i], expected[i], `expanding ${c}`);
});

test('mac_expand reports the syntax errors Postfix warns about', () => {
  const lookup = (n: string) => (n === 'a' ? 'x' : undefined);
  assert.deepEqual(macExpand('${a', lookup).errors, ['truncated macro reference: "${a"']);
  assert.deepEqual(macExpand('$', lookup).errors, ['empty macro name: "$"']);
  assert.deepEqual(macExpand('${a b}', lookup).errors, ['attribute name syntax error at: "...a>>> b"']);
  assert.deepEqual(macExpand('${a?{x}y}', lookup).errors, ['":" expected at: "...x}>>>y"']);
  assert.deepEqual(macExpand('${a', lookup).value, '');
});

test('mac_expand stops runaway recursion instead of hanging', () => {
  const r = macExpand('$loop', () => '$loop');
  assert.match(r.errors[0] ?? '', /^unreasonable macro call nesting/);
});

test('mac_expand leaves unknown names empty and lists them', () => {
  const r = macExpand('[$nope]', () => undefined);
  assert.equal(r.value, '[]');
  assert.deepEqual(r.undefinedNames, ['nope']);
});

test('a relational default follows compatibility_level lazily', async (t) => {
  const dir = configDir(t, 'compatibility_level = 3.6\n');
  const config = await readConfig(dir);
  assert.equal(config.value('mynetworks_style'), 'host');
  assert.equal(config.value('relay_domains'), '');
  writeFileSync(join(dir, 'main.cf'), 'compatibility_level = 1\nmydestination = a.test\n');
  const old = await readConfig(dir);
  assert.equal(old.value('mynetworks_style'), 'subnet');
  assert.equal(old.value('relay_domains'), 'a.test');
});
