/**
 * smtpd_match_list tests: client address matching against net patterns
 * (mynetworks and the other namadr lists), in list order with negation,
 * including the converted-address memo: the same answers on the first and
 * later checks of an address, and past the memo's limit.
 */
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { test } from 'node:test';
import { MatchList } from '../../src/smtpd/smtpd_match_list.ts';

const list = () =>
  MatchList.create(
    'mynetworks',
    'addr',
    ['!127.0.0.2', '127.0.0.0/8', '[::1]/128', '[2001:db8::]/32', '10.0.0.0/8'],
    null,
  );

test('net patterns match in order, the first match deciding, IPv4 and IPv6 alike', async () => {
  const mynetworks = await list();
  for (let round = 0; round < 2; round++) {
    assert.equal(await mynetworks.matchClient('unknown', '127.0.0.1'), true);
    assert.equal(await mynetworks.matchClient('unknown', '127.0.0.2'), false, 'negated before the /8');
    assert.equal(await mynetworks.matchClient('unknown', '::ffff:127.0.0.1'), true, 'IPv4-mapped form');
    assert.equal(await mynetworks.matchClient('unknown', '::1'), true);
    assert.equal(await mynetworks.matchClient('unknown', '2001:DB8:0:1::5'), true);
    assert.equal(await mynetworks.matchClient('unknown', '2001:db9::1'), false);
    assert.equal(await mynetworks.matchClient('unknown', '192.0.2.1'), false);
  }
});

test('what is no IP address never matches a net pattern, as BlockList.check() has it', async () => {
  const mynetworks = await list();
  const reference = new BlockList();
  reference.addSubnet('127.0.0.0', 8, 'ipv4');
  for (const bogus of ['localhost', '', '127.0.0.256', '1.2.3']) {
    assert.equal(await mynetworks.matchClient('unknown', bogus), false, bogus);
    assert.equal(reference.check(bogus, 'ipv4'), false, bogus);
  }
});

test('answers stay right for more client addresses than the memo keeps', async () => {
  const mynetworks = await list();
  for (let i = 0; i < 3000; i++) {
    const inside = `10.${(i >> 8) & 255}.${i & 255}.1`;
    const outside = `11.${(i >> 8) & 255}.${i & 255}.1`;
    assert.equal(await mynetworks.matchClient('unknown', inside), true, inside);
    assert.equal(await mynetworks.matchClient('unknown', outside), false, outside);
  }
  assert.equal(await mynetworks.matchClient('unknown', '127.0.0.2'), false);
});
