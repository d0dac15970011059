/**
 * maps: a parameter's list of tables, searched in order with the first hit
 * winning; partial keys skip pattern tables; a failing table stops the
 * search; an empty result is a configuration error; and openDict's own
 * dispatch and error wording.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Dict, type DictLog, DictOpenError } from '../../src/maps/dict.ts';
import { dictTypes, openDict } from '../../src/maps/dict_open.ts';
import { openMaps } from '../../src/maps/maps.ts';

function recorder(): DictLog & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, warn: (t) => warnings.push(t), error: (t) => errors.push(t) };
}

test('openMaps: the first table that has the key wins, in parameter order', async () => {
  const log = recorder();
  const maps = await openMaps('virtual_alias_maps', 'inline:{a=first}, inline:{ {a=second}, b=only-second }', { log });
  assert.equal(maps.dicts.length, 2);
  assert.equal(await maps.find('a'), 'first');
  assert.equal(await maps.find('B'), 'only-second');
  assert.equal(await maps.find('c'), null);
  assert.equal(await maps.find(''), null, 'an empty key is never looked up');
});

test('openMaps: partial keys skip pattern tables (regexp, pcre, cidr), full keys do not', async () => {
  const log = recorder();
  const maps = await openMaps('virtual_alias_maps', 'regexp:{{/^@/ from-regexp}}, inline:{@example.com=from-inline}', {
    log,
  });
  assert.equal(await maps.find('@example.com'), 'from-regexp');
  assert.equal(await maps.find('@example.com', true), 'from-inline');
});

test('openMaps: a failing table stops the search with a warning, even if a later table has the key', async () => {
  const log = recorder();
  const maps = await openMaps('transport_maps', 'fail:down, static:smtp:relay', { log });
  await assert.rejects(maps.find('user@example.com'), {
    name: 'DictLookupError',
    dictError: 'retry',
    table: 'fail:down',
  });
  assert.deepEqual(log.warnings, ['fail:down lookup error for "user@example.com"']);
});

test('openMaps: an empty result warns as Postfix and fails as a configuration error', async () => {
  const log = recorder();
  const maps = await openMaps('canonical_maps', 'inline:{a=}', { log });
  await assert.rejects(maps.find('a'), { name: 'DictLookupError', dictError: 'config' });
  assert.deepEqual(log.warnings, [
    'canonical_maps lookup of a returns an empty string result',
    'canonical_maps should return NO RESULT in case of NOT FOUND',
  ]);
});

test('openDict: an unknown type or a name without type is refused with dict_open.c wording', async () => {
  const log = recorder();
  await assert.rejects(
    openDict('pgsql:/etc/postfix/pg.cf', { log }),
    new DictOpenError('unsupported dictionary type: pgsql'),
  );
  await assert.rejects(
    openDict('/etc/aliases', { log }),
    new DictOpenError('open dictionary: expecting "type:name" form instead of "/etc/aliases"'),
  );
});

test('openDict: a daemon gets a surrogate for a bad table; the error is logged once, each lookup warns', async () => {
  const log = recorder();
  const dict = await openDict('inline:{broken', { log, surrogate: true });
  const reason = 'bad syntax: "inline:{broken"; need "inline:{name=value...}"';
  assert.deepEqual(log.errors, [reason]);
  await assert.rejects(dict.lookup('a'), { dictError: 'retry' });
  await assert.rejects(dict.lookup('b'), { dictError: 'retry' });
  assert.deepEqual(log.warnings, [
    `inline:{broken is unavailable. ${reason}`,
    `inline:{broken is unavailable. ${reason}`,
  ]);
});

test('openDict: a new table type plugs in through openers without changing callers', async () => {
  const log = recorder();
  const seen: string[] = [];
  const openers = {
    pgsql: async (ctx: { type: string; name: string }): Promise<Dict> => ({
      type: ctx.type,
      name: ctx.name,
      fixed: true,
      lookup: async (key: string) => {
        seen.push(key);
        return key === 'known' ? 'from-sql' : null;
      },
    }),
  };
  const maps = await openMaps('virtual_mailbox_maps', 'pgsql:/etc/postfix/pg.cf inline:{other=x}', { log, openers });
  assert.equal(await maps.find('known'), 'from-sql');
  assert.equal(await maps.find('other'), 'x');
  assert.deepEqual(seen, ['known', 'other']);
  assert.ok(dictTypes({ openers }).includes('pgsql'));
});

test('dictTypes: lists the types Postfix 3.7 on Debian has, as postconf -m names them', () => {
  const types = dictTypes();
  for (const t of [
    'btree',
    'cidr',
    'environ',
    'fail',
    'hash',
    'inline',
    'internal',
    'lmdb',
    'pcre',
    'pipemap',
    'proxy',
  ])
    assert.ok(types.includes(t), t);
  for (const t of ['randmap', 'regexp', 'static', 'texthash', 'unionmap', 'unix', 'nis'])
    assert.ok(types.includes(t), t);
});
