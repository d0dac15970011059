/**
 * rewrite_tree: Postfix's `rewrite` request in the local and remote contexts.
 * golden/rewrite_clnt.ref is Postfix's file (postfix/src/global), copied
 * unchanged; as its Makefile does, MYDOMAIN and INVALID_DOMAIN are replaced by
 * the test's mydomain and remote_header_rewrite_domain.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rewriteAddress, rewriteAddressInternal } from '../../src/rewrite/rewrite_tree.ts';
import { rewriteContext } from './rewrite_helpers.ts';

const MAIN_CF = `
myhostname = mx.example.test
mydomain = example.test
remote_header_rewrite_domain = invalid.test
append_dot_mydomain = yes
`;

interface RewriteCase {
  readonly rule: 'local' | 'remote';
  readonly address: string;
  readonly result: string;
}

function goldenCases(): RewriteCase[] {
  const text = readFileSync(join(import.meta.dirname, 'golden', 'rewrite_clnt.ref'), 'utf8')
    .replaceAll('MYDOMAIN', 'example.test')
    .replaceAll('INVALID_DOMAIN', 'invalid.test');
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const field = (name: string) => new RegExp(`^${name} +(.*)$`, 'm').exec(block)![1]!;
      return { rule: field('rule') as 'local' | 'remote', address: field('address'), result: field('result') };
    });
}

const GOLDEN = goldenCases();

test('rewrite_clnt.ref has its 26 cases', () => {
  assert.equal(GOLDEN.length, 26);
});

for (const c of GOLDEN) {
  test(`rewrite (${c.rule}) turns ${JSON.stringify(c.address)} into ${JSON.stringify(c.result)} as Postfix`, async (t) => {
    const { ctx } = await rewriteContext(t, MAIN_CF);
    assert.equal(rewriteAddress(ctx, c.rule, c.address), c.result);
  });
}

const MORE: readonly (readonly [RewriteCase['rule'], string, string])[] = [
  ['local', '@a,@b:user@c.example', 'user@c.example'],
  ['local', '@a.example:user', 'user@mx.example.test'],
  ['local', 'user', 'user@mx.example.test'],
  ['remote', 'user', 'user@invalid.test'],
  ['local', 'user@[192.0.2.1]', 'user@[192.0.2.1]'],
  ['local', 'user@[IPv6:2001:db8::1]', 'user@[IPv6:2001:db8::1]'],
  ['local', '"first last"', '"first last"@mx.example.test'],
  ['local', 'site!"a b"', '"a b"@site.example.test'],
  ['local', 'x!y!z', 'y!z@x.example.test'],
  ['local', 'a%b%c', 'a%b@c.example.test'],
  ['local', 'user@host.example.', 'user@host.example'],
  ['local', 'user@host..', 'user@host..'],
];

for (const [rule, address, result] of MORE) {
  test(`rewrite (${rule}) turns ${JSON.stringify(address)} into ${JSON.stringify(result)}`, async (t) => {
    const { ctx } = await rewriteContext(t, MAIN_CF);
    assert.equal(rewriteAddress(ctx, rule, address), result);
  });
}

test('rewrite (remote) leaves an incomplete address alone when remote_header_rewrite_domain is empty', async (t) => {
  const { ctx } = await rewriteContext(t, 'myhostname = mx.example.test\nmydomain = example.test\n');
  assert.equal(rewriteAddress(ctx, 'remote', 'user'), 'user');
  assert.equal(rewriteAddress(ctx, 'remote', 'user@host'), 'user@host');
});

test('rewrite does not append .mydomain at compatibility_level 3.6 (append_dot_mydomain = no)', async (t) => {
  const { ctx } = await rewriteContext(t, 'compatibility_level = 3.6\nmyhostname = mx.example.test\n');
  assert.equal(rewriteAddress(ctx, 'local', 'user@host'), 'user@host');
});

test('rewrite logs the compatibility note when the level-0 default of append_dot_mydomain changes an address', async (t) => {
  const { ctx, log } = await rewriteContext(t, 'myhostname = mx.example.test\nmydomain = example.test\n');
  assert.equal(rewriteAddress(ctx, 'local', 'user@host'), 'user@host.example.test');
  assert.deepEqual(log.lines, [
    'info: using backwards-compatible default setting append_dot_mydomain=yes to rewrite "host" to "host.example.test"',
  ]);
});

test('rewrite asks to add localhost to an address class when user@localhost is rewritten by the old default', async (t) => {
  const { ctx, log } = await rewriteContext(
    t,
    'myhostname = mx.example.test\nmydomain = example.test\nmydestination =\n',
  );
  assert.equal(rewriteAddress(ctx, 'local', 'user@localhost'), 'user@localhost.example.test');
  assert.deepEqual(log.lines, [
    'info: using backwards-compatible default setting append_dot_mydomain=yes to rewrite "localhost" to ' +
      '"localhost.example.test"; please add "localhost" to mydestination or other address class',
  ]);
});

test('rewrite of user@localhost logs nothing when localhost is in mydestination', async (t) => {
  const { ctx, log } = await rewriteContext(t, 'myhostname = mx.example.test\nmydomain = example.test\n');
  assert.equal(rewriteAddress(ctx, 'local', 'user@localhost'), 'user@localhost.example.test');
  assert.deepEqual(log.lines, []);
});

test('rewrite of a null address warns and returns it empty, as the rewrite service', async (t) => {
  const { ctx, log } = await rewriteContext(t, MAIN_CF);
  assert.equal(rewriteAddress(ctx, 'local', ''), '');
  assert.deepEqual(log.lines, ['warning: rewrite_addr: null address']);
});

test('rewriteAddressInternal takes and gives the internal form', async (t) => {
  const { ctx } = await rewriteContext(t, MAIN_CF);
  assert.equal(rewriteAddressInternal(ctx, 'local', 'first last'), 'first last@mx.example.test');
  assert.equal(rewriteAddressInternal(ctx, 'local', '@a:victim@example.net'), 'victim@example.net');
});
