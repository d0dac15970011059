/**
 * mail_addr_find: the keys an address lookup tries and their order, as
 * virtual(5), canonical(5), transport(5) and access(5) describe them, with
 * recipient_delimiter, local domains, partial keys, and the extension
 * handed back when the match was on the address without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quote822Local, unquote822Local } from '../../src/global/quote_822_local.ts';
import { type Dict, type DictLog, DictLookupError } from '../../src/maps/dict.ts';
import { type MailAddrFindOptions, mailAddrFind, stripAddr } from '../../src/maps/mail_addr_find.ts';
import { Maps } from '../../src/maps/maps.ts';

const log: DictLog = { warn: () => undefined, error: () => undefined };

/** A table that records every key it is asked and knows the keys in `values`. */
function recording(values: Readonly<Record<string, string>>, fixed = true) {
  const asked: string[] = [];
  const dict: Dict = {
    type: 'test',
    name: 'recording',
    fixed,
    lookup: async (key) => {
      asked.push(key);
      return values[key] ?? null;
    },
  };
  return { asked, maps: new Maps('virtual_alias_maps', [dict], log) };
}

const LOCAL: MailAddrFindOptions = {
  recipient_delimiter: '+',
  myorigin: 'example.com',
  isLocalDomain: (d) => d === 'localhost',
};

test('mailAddrFind: virtual(5) order for a local domain: user+ext@domain, user@domain, user+ext, user, @domain', async () => {
  const { asked, maps } = recording({});
  assert.equal(await mailAddrFind(maps, 'joe+lists@example.com', LOCAL), null);
  assert.deepEqual(asked, ['joe+lists@example.com', 'joe@example.com', 'joe+lists', 'joe', '@example.com']);
});

test('mailAddrFind: a domain that is neither myorigin nor local skips the localpart keys', async () => {
  const { asked, maps } = recording({});
  await mailAddrFind(maps, 'joe+lists@elsewhere.test', LOCAL);
  assert.deepEqual(asked, ['joe+lists@elsewhere.test', 'joe@elsewhere.test', '@elsewhere.test']);
});

test('mailAddrFind: isLocalDomain (mydestination) makes the localpart keys count', async () => {
  const { asked, maps } = recording({ joe: 'local-joe' });
  assert.deepEqual(await mailAddrFind(maps, 'joe@localhost', LOCAL), { value: 'local-joe', extension: null });
  assert.deepEqual(asked, ['joe@localhost', 'joe']);
});

test('mailAddrFind: a match without the extension returns the extension with its delimiter', async () => {
  const { maps } = recording({ 'joe@example.com': 'joseph@example.net' });
  assert.deepEqual(await mailAddrFind(maps, 'joe+lists@example.com', LOCAL), {
    value: 'joseph@example.net',
    extension: '+lists',
  });
});

test('mailAddrFind: postmaster, owner-x and x-request are never split at the delimiter', async () => {
  const dash = { ...LOCAL, recipient_delimiter: '-' };
  for (const address of ['postmaster@elsewhere.test', 'owner-list@elsewhere.test', 'list-request@elsewhere.test']) {
    const { asked, maps } = recording({});
    await mailAddrFind(maps, address, dash);
    assert.deepEqual(asked, [address, `@elsewhere.test`], address);
  }
  const { asked, maps } = recording({});
  await mailAddrFind(maps, 'a-b@elsewhere.test', dash);
  assert.deepEqual(asked, ['a-b@elsewhere.test', 'a@elsewhere.test', '@elsewhere.test']);
});

test('mailAddrFind: transport(5) order: address, domain, then parents as .domain (or plain with pdms)', async () => {
  const transport = { recipient_delimiter: '+', strategy: ['full', 'noext', 'domain', 'pddms'] as const };
  let r = recording({});
  await mailAddrFind(r.maps, 'u@a.b.example', transport);
  assert.deepEqual(r.asked, ['u@a.b.example', 'a.b.example', '.b.example', '.example']);
  r = recording({});
  await mailAddrFind(r.maps, 'u@a.b.example', { ...transport, strategy: ['full', 'noext', 'domain', 'pdms'] });
  assert.deepEqual(r.asked, ['u@a.b.example', 'a.b.example', 'b.example', 'example']);
});

test('mailAddrFind: partial keys are never given to pattern tables', async () => {
  const { asked, maps } = recording({}, false);
  await mailAddrFind(maps, 'joe+x@example.com', LOCAL);
  assert.deepEqual(asked, ['joe+x@example.com']);
});

test('mailAddrFind: a table failure stops the search and is passed on', async () => {
  const failing: Dict = {
    type: 'fail',
    name: 'x',
    fixed: true,
    lookup: async () => {
      throw new DictLookupError('fail:x', 'retry');
    },
  };
  await assert.rejects(mailAddrFind(new Maps('virtual_alias_maps', [failing], log), 'a@b', LOCAL), {
    name: 'DictLookupError',
  });
});

test('mailAddrFind: a localpart that needs quoting is asked quoted first, then as is', async () => {
  const { asked, maps } = recording({});
  await mailAddrFind(maps, 'john smith@elsewhere.test', LOCAL);
  assert.deepEqual(asked, ['"john smith"@elsewhere.test', 'john smith@elsewhere.test', '@elsewhere.test']);
});

test('quote822Local, unquote822Local, stripAddr: quote_822_local and strip_addr behaviour', () => {
  assert.equal(quote822Local('john smith@example.com'), '"john smith"@example.com');
  assert.equal(quote822Local('a.b@example.com'), 'a.b@example.com');
  assert.equal(quote822Local('a..b@example.com'), '"a..b"@example.com');
  assert.equal(quote822Local('x"y@example.com'), '"x\\"y"@example.com');
  assert.equal(unquote822Local('"john smith"@example.com'), 'john smith@example.com');
  assert.equal(unquote822Local('"x\\"y"@example.com'), 'x"y@example.com');
  assert.deepEqual(stripAddr('a+b+c@d', { recipient_delimiter: '+' }), { stripped: 'a@d', extension: '+b+c' });
  assert.equal(stripAddr('+abc@d', { recipient_delimiter: '+' }), null, 'never an empty localpart');
  assert.equal(stripAddr('abc@d', { recipient_delimiter: '' }), null);
});
