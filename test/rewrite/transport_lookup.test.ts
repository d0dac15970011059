/**
 * transport_lookup against Postfix's golden test (golden/transport.in and
 * transport.ref, copied unchanged from postfix/src/trivial-rewrite): the
 * script's tables and queries are read from transport.in and answered the
 * way its test program prints them; then the `*` entry's 30-second cache.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Dict } from '../../src/maps/dict.ts';
import { Maps, openMaps } from '../../src/maps/maps.ts';
import { parseTransportEntry, TransportMaps, updateRoute } from '../../src/rewrite/transport_lookup.ts';
import { recordingLog } from './rewrite_helpers.ts';

const GOLDEN = join(import.meta.dirname, 'golden');

async function openTransport(spec: string, now?: () => number): Promise<TransportMaps> {
  const maps = await openMaps('transport map', spec, { log: recordingLog(), flags: { no_regsub: true } });
  return TransportMaps.open(maps, { parent: false, addrFind: { recipient_delimiter: '+' }, ...(now ? { now } : {}) });
}

/** Runs transport.in as its shell script would, printing what the test program prints. */
async function runScript(): Promise<string> {
  let out = '';
  let transport: TransportMaps | null = null;
  let inHere = false;
  for (const line of readFileSync(join(GOLDEN, 'transport.in'), 'utf8').split('\n')) {
    if (inHere) {
      if (line === 'EOF') {
        inHere = false;
        continue;
      }
      const [address, expectTransport] = line.split(':');
      const rcptDomain = address!.slice(address!.lastIndexOf('@') + 1);
      const route = await transport!.lookup(address!, rcptDomain, { transport: 'DEFAULT', nexthop: rcptDomain });
      if (route === null) out += `${address}:${rcptDomain} -> (not found)\n`;
      else if (expectTransport !== undefined && expectTransport !== '')
        out += `${address}:${rcptDomain} -> ${route.transport}:${route.nexthop} \n`;
      continue;
    }
    const echo = /^echo (.*)$/.exec(line);
    if (echo) out += `${echo[1]}\n`;
    const run = /\.\/transport '([^']*)'\s+<<'EOF'/.exec(line);
    if (run) {
      transport = await openTransport(run[1]!);
      inHere = true;
    }
  }
  return out;
}

test('transport.in gives Postfix transport.ref', async () => {
  assert.equal(await runScript(), readFileSync(join(GOLDEN, 'transport.ref'), 'utf8'));
});

test('parseTransportEntry splits at the first colon only: smtp:[host]:port', () => {
  assert.deepEqual(parseTransportEntry('smtp:[mail.example]:2525'), {
    transport: 'smtp',
    nexthop: '[mail.example]:2525',
  });
  assert.deepEqual(parseTransportEntry('error:5.1.1 no: such user'), {
    transport: 'error',
    nexthop: '5.1.1 no: such user',
  });
  assert.deepEqual(parseTransportEntry('relay'), { transport: 'relay', nexthop: '' });
});

test('updateRoute: ":" changes nothing, ":hop" keeps the transport, "x" resets the next hop to the domain', () => {
  const current = { transport: 'smtp', nexthop: '[relayhost]' };
  assert.deepEqual(updateRoute('', '', 'd.test', current), current);
  assert.deepEqual(updateRoute('', 'hop', 'd.test', current), { transport: 'smtp', nexthop: 'hop' });
  assert.deepEqual(updateRoute('lmtp', '', 'd.test', current), { transport: 'lmtp', nexthop: 'd.test' });
  assert.deepEqual(updateRoute('error', '', 'd.test', current), {
    transport: 'error',
    nexthop: 'Address is undeliverable',
  });
});

test('transport lookup re-reads the * entry only after 30 seconds', async () => {
  let now = 1_000_000;
  let wildcard = 'first:hop';
  const dict: Dict = {
    type: 'internal',
    name: 'test',
    fixed: true,
    lookup: async (key) => (key === '*' ? wildcard : null),
  };
  const maps = new Maps('transport_maps', [dict], recordingLog());
  const transport = await TransportMaps.open(maps, {
    parent: false,
    addrFind: { recipient_delimiter: '' },
    now: () => now,
  });
  const route = async () =>
    (await transport.lookup('u@d.test', 'd.test', { transport: 'smtp', nexthop: 'd.test' }))?.transport;
  wildcard = 'second:hop';
  now += 30_000;
  assert.equal(await route(), 'first');
  now += 1;
  assert.equal(await route(), 'second');
});

test('transport lookup of a failing table throws, so the resolver can defer', async () => {
  const transport = await openTransport('fail:broken');
  await assert.rejects(transport.lookup('u@d.test', 'd.test', { transport: 'smtp', nexthop: 'd.test' }), {
    name: 'DictLookupError',
  });
});
