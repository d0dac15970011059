/**
 * dns_transport: retries, server fallback, slow and unreachable servers, and
 * answers that must not be believed.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import * as packet from 'dns-packet';
import { decodePacket, packetProblem } from '../../src/dns/dns_packet_check.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { parseDnsServer } from '../../src/dns/dns_servers.ts';
import { dnsExchange } from '../../src/dns/dns_transport.ts';
import { startDnsServer } from '../peers/dns_server.ts';

test('dns_transport keeps listening across tries: a slow answer to the first try still counts', async (t) => {
  // The answer to the first query comes at 300 ms, during the second try (200..400 ms);
  // the answer to the second query would come too late (500 ms).
  const dns = await startDnsServer(t, { zone: { 'slow.test': { A: ['192.0.2.7'], delay: 300 } } });
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 200, tries: 2 });
  const r = await resolver.a('slow.test');
  assert.deepEqual(r.status === 'ok' && r.records, [{ type: 'A', address: '192.0.2.7' }]);
  assert.equal(dns.queriesFor('slow.test').length, 2);
});

test('dns_transport gives up on an answer slower than timeout x tries: retry', async (t) => {
  const dns = await startDnsServer(t, { zone: { 'slower.test': { A: ['192.0.2.7'], delay: 400 } } });
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 80, tries: 2 });
  const r = await resolver.a('slower.test');
  assert.equal(r.status, 'retry');
  assert.equal(r.error, 'timeout');
});

test('dns_transport asks the next server after SERVFAIL, REFUSED or silence', async (t) => {
  const first = await startDnsServer(t, {
    zone: { 'a.test': { fault: 'servfail' }, 'b.test': { fault: 'refused' }, 'c.test': { fault: 'drop' } },
  });
  const second = await startDnsServer(t, {
    zone: { 'a.test': { A: ['192.0.2.1'] }, 'b.test': { A: ['192.0.2.2'] }, 'c.test': { A: ['192.0.2.3'] } },
  });
  const resolver = new DnsResolver({ servers: [...first.servers, ...second.servers], timeout: 500, tries: 1 });
  for (const [name, address] of [
    ['a.test', '192.0.2.1'],
    ['b.test', '192.0.2.2'],
    ['c.test', '192.0.2.3'],
  ]) {
    const r = await resolver.a(name!);
    assert.deepEqual(r.status === 'ok' && r.records.map((rr) => rr.address), [address], name);
    assert.equal(first.queriesFor(name!).length, 1);
    assert.equal(second.queriesFor(name!).length, 1);
  }
});

test('dns_transport: a port nobody listens on is a temporary failure, not a hang', async () => {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const resolver = new DnsResolver({ servers: [`127.0.0.1:${port}`], timeout: 1000, tries: 1 });
  const r = await resolver.a('any.test');
  assert.equal(r.status, 'retry');
  assert.ok(r.error === 'network' || r.error === 'timeout', JSON.stringify(r));
  assert.equal(
    r.text,
    'Host or domain name not found. Name service error for name=any.test type=A: Host not found, try again',
  );
});

test('dns_transport ignores an answer to another question and waits for the right one', async (t) => {
  // A fake server that first answers for another name, then for the one asked.
  const server = createSocket('udp4');
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.on('message', (msg, rinfo) => {
    const q = packet.decode(msg);
    const wrong = packet.encode({
      id: q.id ?? 0,
      type: 'response',
      questions: [{ name: 'evil.test', type: 'A' }],
      answers: [{ name: 'evil.test', type: 'A', ttl: 60, data: '203.0.113.66' }],
    });
    const right = packet.encode({
      id: q.id ?? 0,
      type: 'response',
      questions: q.questions ?? [],
      answers: [{ name: 'good.test', type: 'A', ttl: 60, data: '192.0.2.8' }],
    });
    server.send(wrong, rinfo.port, rinfo.address);
    setTimeout(() => server.send(right, rinfo.port, rinfo.address), 20);
  });
  const [host] = [parseDnsServer(`127.0.0.1:${server.address().port}`)!];
  const ex = await dnsExchange('good.test', 'A', { servers: [host!], timeout: 500, tries: 1 });
  assert.equal(ex.kind, 'answer');
  assert.deepEqual(ex.kind === 'answer' && ex.packet.answers?.map((a) => ('data' in a ? a.data : null)), ['192.0.2.8']);
});

test('dns_packet_check refuses an A record whose length is not 4 and records past the end', () => {
  const good = packet.encode({
    id: 1,
    type: 'response',
    questions: [{ name: 'x.test', type: 'A' }],
    answers: [{ name: 'x.test', type: 'A', ttl: 60, data: '192.0.2.1' }],
  });
  assert.equal(packetProblem(good), null);
  assert.ok('packet' in decodePacket(good));
  const long = Buffer.from(good);
  long.writeUInt16BE(8, long.length - 6); // RDLENGTH of the A record
  assert.equal(packetProblem(Buffer.concat([long, Buffer.alloc(4)])), 'bad address length: 8');
  assert.equal(packetProblem(good.subarray(0, good.length - 2)), 'resource data past the end of the message');
  assert.equal(packetProblem(good.subarray(0, 8)), 'short header');
});
