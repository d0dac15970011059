/**
 * Tables written in the table name itself (inline, static, unionmap,
 * pipemap, fail, environ, randmap with one value) and their syntax errors,
 * each compared with real Postfix 3.7 `postmap -q` on the same text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affixPostmap, realPostmap, skipReason as skip, workDir } from './reference.ts';

const CASES: readonly { readonly spec: string; readonly keys: readonly string[] }[] = [
  { spec: 'inline:{u@x=foo, {b = c d}}', keys: ['b', 'B', 'u@x', 'U@X', 'c', 'b = c d'] },
  { spec: 'inline:{ {a=1}, {a=2}, A=3 }', keys: ['a', 'A'] },
  { spec: 'inline:{a=, {b = }}', keys: ['a', 'b'] },
  { spec: 'inline:{=a}', keys: ['', 'a'] },
  { spec: 'inline:{"a b"=c}', keys: ['a'] },
  { spec: 'inline:{ {"a b" = c} }', keys: ['"a b"', 'a b'] },
  { spec: 'inline:{}', keys: ['a'] },
  { spec: 'inline:{ }', keys: ['a'] },
  { spec: 'inline:{a}', keys: ['a'] },
  { spec: 'inline:{a=b', keys: ['a'] },
  { spec: 'inline:{a=b}x', keys: ['a'] },
  { spec: 'inline:a=b', keys: ['a'] },
  { spec: 'inline:{ {a=b}x }', keys: ['a'] },
  { spec: 'static:value', keys: ['anything', ''] },
  { spec: 'static:{ a value with spaces }', keys: ['x'] },
  { spec: 'static:{}', keys: ['x'] },
  { spec: 'static:{a', keys: ['x'] },
  { spec: 'static:{a}b', keys: ['x'] },
  { spec: 'unionmap:{inline:{a=b}, static:c, inline:{a=d}}', keys: ['a', 'z'] },
  { spec: 'unionmap:{inline:{a=b}, inline:{x=y}}', keys: ['a', 'x', 'z'] },
  { spec: 'unionmap:{inline:{a=b}, fail:x}', keys: ['a'] },
  { spec: 'unionmap:{}', keys: ['a'] },
  { spec: 'unionmap:{a}', keys: ['a'] },
  { spec: 'unionmap:{static:a', keys: ['a'] },
  { spec: 'unionmap:{inline:{a=b}, static:}', keys: ['a'] },
  { spec: 'pipemap:{inline:{a=b}, inline:{b=c}}', keys: ['a', 'b', 'A'] },
  { spec: 'pipemap:{inline:{a=b}, inline:{x=c}}', keys: ['a'] },
  { spec: 'pipemap:{fail:x}', keys: ['a'] },
  { spec: 'pipemap:{inline:{a=b}, fail:x}', keys: ['a', 'z'] },
  { spec: 'fail:whatever', keys: ['a'] },
  { spec: 'randmap:{only}', keys: ['a'] },
  { spec: 'randmap:{}', keys: ['a'] },
  { spec: 'environ:x', keys: ['AFFIX_TEST_VAR', 'affix_test_lower', 'nosuchvariable'] },
  { spec: 'nosuchtype:x', keys: ['a'] },
  { spec: 'environ:', keys: ['a'] },
  { spec: ':x', keys: ['a'] },
  { spec: 'unix:passwd.byname', keys: ['root', 'ROOT', 'nosuchuser'] },
  { spec: 'unix:group.byname', keys: ['root', 'nosuchgroup'] },
  { spec: 'unix:other', keys: ['root'] },
  { spec: 'internal:x', keys: ['a'] },
];

for (const { spec, keys } of CASES) {
  test(`${spec}: postmap -q answers as real postmap`, { skip }, async (t) => {
    const dir = workDir(t);
    for (const key of keys) {
      const real = realPostmap(dir, ['-q', key, spec]);
      assert.deepEqual(await affixPostmap(dir, ['-q', key, spec]), real, `key ${JSON.stringify(key)}`);
    }
  });
}

test('environ: a table reads the environment the command was given', async (t) => {
  const dir = workDir(t);
  const env = { LANG: 'C', only_here: 'yes' };
  assert.deepEqual(await affixPostmap(dir, ['-q', 'ONLY_HERE', 'environ:x'], undefined, env), {
    status: 0,
    stdout: 'yes\n',
    stderr: '',
  });
});

test('proxy:TYPE:NAME is the table itself, since affix has no proxymap service (deliberate difference)', async (t) => {
  const dir = workDir(t);
  // Real postmap would try /var/spool/postfix/private/proxymap and fail without a running Postfix.
  assert.deepEqual(await affixPostmap(dir, ['-q', 'a', 'proxy:inline:{a=b}']), {
    status: 0,
    stdout: 'b\n',
    stderr: '',
  });
  const root = await affixPostmap(dir, ['-q', 'root', 'proxy:unix:passwd.byname']);
  assert.equal(root.status, 0);
  assert.match(root.stdout, /^root:[^:]*:0:0:/);
});

test('nis: behaves as Postfix on a host without NIS domain: warns and finds nothing', { skip }, async (t) => {
  const dir = workDir(t);
  const args = ['-q', 'root', 'nis:mail.aliases'];
  assert.deepEqual(await affixPostmap(dir, args), realPostmap(dir, args));
});
