/**
 * match_list (string and domain lists) and resolve_local. resolve_local is
 * checked against Postfix's golden test (golden/resolve_local.in and .ref,
 * copied unchanged from postfix/src/global); the lists against the rules of
 * match_list.c and match_ops.c: exact names, `.domain`, parent-domain style,
 * `!` negation, tables (full name, then parents for fixed-key tables only),
 * and /file patterns.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config_error.ts';
import { domainList, matchParentStyle, stringList } from '../../src/rewrite/match_list.ts';
import { canonicalAddress, resolveLocal } from '../../src/rewrite/resolve_local.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { recordingLog } from './rewrite_helpers.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

/** What `./resolve_local MYDESTINATION DOMAIN` prints. */
async function resolveLocalRun(mydestination: string, domain: string): Promise<string> {
  const log = recordingLog();
  const local = {
    mydestination: await stringList('mydestination', mydestination, { log }),
    addresses: new Set<string>(),
    warn: (w: string) => log.warn(w),
  };
  let verdict: string;
  try {
    verdict = (await resolveLocal(local, domain)) ? 'YES' : 'NO';
  } catch {
    verdict = 'ERROR';
  }
  const warnings = log.lines.filter((l) => l.startsWith('warning: ')).map((l) => `unknown: ${l}\n`);
  return `${warnings.join('')}mydestination=${mydestination} destination=${domain} ${verdict}\n`;
}

test('resolve_local.in gives Postfix resolve_local.ref', async () => {
  let out = '';
  for (const line of readFileSync(join(GOLDEN, 'resolve_local.in'), 'utf8').split('\n')) {
    const m = /^\.\/resolve_local (\S+) (\S+)$/.exec(line);
    if (m) out += await resolveLocalRun(m[1]!, m[2] === "''" ? '' : m[2]!);
  }
  assert.equal(out, readFileSync(join(GOLDEN, 'resolve_local.ref'), 'utf8'));
});

test('resolveLocal: an address literal is local when it is one of the addresses, in any spelling', async () => {
  const log = recordingLog();
  const local = {
    mydestination: await stringList('mydestination', 'mx.example', { log }),
    addresses: new Set(['127.0.0.1', '::1'].map((a) => canonicalAddress(a)!)),
    warn: (w: string) => log.warn(w),
  };
  assert.equal(await resolveLocal(local, 'MX.Example.'), true);
  assert.equal(await resolveLocal(local, '[127.0.0.1]'), true);
  assert.equal(await resolveLocal(local, '[IPv6:0:0:0::1]'), true);
  assert.equal(await resolveLocal(local, '[ipv6:::1]'), true);
  assert.equal(await resolveLocal(local, '[127.0.0.2]'), false);
  assert.equal(await resolveLocal(local, '[300.0.0.1]'), false);
  assert.deepEqual(log.lines, ['warning: valid_ipv4_hostaddr: invalid octet value: 300.0.0.1']);
});

const DOMAIN_CASES: readonly (readonly [string, boolean, string, boolean])[] = [
  // patterns, parent style, name, expected
  ['example.com', false, 'example.com', true],
  ['example.com', false, 'EXAMPLE.COM', true],
  ['example.com', false, 'sub.example.com', false],
  ['example.com', true, 'sub.example.com', true],
  ['example.com', true, 'badexample.com', false],
  ['.example.com', false, 'sub.example.com', true],
  ['.example.com', false, 'a.b.example.com', true],
  ['.example.com', false, 'example.com', false],
  ['!sub.example.com, example.com', true, 'sub.example.com', false],
  ['!sub.example.com, example.com', true, 'other.example.com', true],
  ['!!example.com', false, 'example.com', true],
  ['inline:{example.com=x}', true, 'a.example.com', true],
  ['inline:{example.com=x}', false, 'a.example.com', false],
  ['inline:{.example.com=x}', false, 'a.b.example.com', true],
  ['!inline:{bad.example.com=x}, .example.com', false, 'bad.example.com', false],
];

for (const [patterns, parent, name, expected] of DOMAIN_CASES) {
  test(`domainList ${JSON.stringify(patterns)}${parent ? ' (parent style)' : ''} ${expected ? 'matches' : 'does not match'} ${name}`, async () => {
    const list = await domainList('relay_domains', patterns, { log: recordingLog(), parent });
    assert.equal(await list.match(name), expected);
  });
}

test('stringList compares whole names only: no subdomains, even with a leading dot', async () => {
  const list = await stringList('virtual_alias_domains', 'example.com, .example.net', { log: recordingLog() });
  assert.equal(await list.match('Example.COM'), true);
  assert.equal(await list.match('sub.example.com'), false);
  assert.equal(await list.match('sub.example.net'), false);
  assert.equal(await list.match('.example.net'), true);
});

test('domainList reads /file patterns, with ! applying to every line of a negated file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'domains');
  writeFileSync(file, '# relay for these\nfiled.example\n  second.example\n!not.filed.example\n');
  const list = await domainList('relay_domains', `!${file}, .filed.example`, { log: recordingLog() });
  assert.equal(await list.match('filed.example'), false);
  assert.equal(await list.match('second.example'), false);
  assert.equal(await list.match('not.filed.example'), true);
  assert.equal(await list.match('x.filed.example'), true);
});

test('domainList with an unreadable /file fails each lookup with a warning instead of matching', async () => {
  const log = recordingLog();
  const list = await domainList('relay_domains', '/nonexistent/affix/domains', { log });
  await assert.rejects(list.match('example.com'), { name: 'DictLookupError' });
  assert.deepEqual(log.lines, [
    'warning: non-existent:/nonexistent/affix/domains is unavailable. open file /nonexistent/affix/domains: No such file or directory',
    'warning: relay_domains: non-existent:/nonexistent/affix/domains: table lookup problem',
  ]);
});

test('a table that fails stops the match with a warning and DictLookupError, even after a !', async () => {
  const log = recordingLog();
  const list = await domainList('relay_domains', '!fail:broken, example.com', { log });
  await assert.rejects(list.match('example.com'), { name: 'DictLookupError' });
  assert.ok(log.lines.includes('warning: relay_domains: fail:broken: table lookup problem'), log.lines.join('\n'));
});

test("a ! without a pattern is a configuration error: PARAM: no pattern after '!'", async () => {
  await assert.rejects(domainList('relay_domains', 'example.com, !', { log: recordingLog() }), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, "relay_domains: no pattern after '!'");
    return true;
  });
});

test('matchParentStyle follows parent_domain_matches_subdomains', () => {
  const list = ['debug_peer_list', 'relay_domains', 'smtpd_access_maps'];
  assert.equal(matchParentStyle(list, 'relay_domains'), true);
  assert.equal(matchParentStyle(list, 'transport_maps'), false);
});
