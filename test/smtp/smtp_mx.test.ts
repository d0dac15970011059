/**
 * The smtp client's next hop through the DNS (a test DNS server on
 * 127.0.0.1): MX preference and fallback to the next MX, the domain's own
 * address without MX, null MX, NXDOMAIN, SERVFAIL, an MX without address,
 * and mail that would loop back to this host.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { seededRandom } from '../../src/dns/dns_rr.ts';
import { startDnsServer } from '../peers/dns_server.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { makeRequest, normalise, startAgent, statusLines } from './smtp_fixtures.ts';

const ZONE = {
  'two.test': {
    MX: [
      [10, 'mx1.two.test'],
      [20, 'mx2.two.test'],
    ] as [number, string][],
  },
  'mx1.two.test': { A: ['127.0.0.2'] },
  'mx2.two.test': { A: ['127.0.0.1'] },
  'plain.test': { A: ['127.0.0.1'] },
  'nullmx.test': { MX: [[0, '.']] as [number, string][] },
  'servfail.test': { fault: 'servfail' as const },
  'noaddr.test': { MX: [[10, 'ghost.noaddr.test']] as [number, string][] },
  'loop.test': { MX: [[10, 'self.loop.test']] as [number, string][] },
  'self.loop.test': { A: ['127.0.0.1'] },
};

async function setup(
  t: TestContext,
  script: Parameters<typeof startScriptServer>[1] = {},
  extra: Record<string, string> = {},
) {
  const dns = await startDnsServer(t, { zone: ZONE });
  const mx = await startScriptServer(t, script);
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 });
  const { agent, sink } = await startAgent(
    t,
    { smtp_dns_support_level: 'enabled', smtp_tcp_port: String(mx.port), ...extra },
    'smtp',
    { dns: resolver, random: seededRandom(1) },
  );
  return { dns, mx, agent, sink };
}

test('smtp tries the next MX when the best one refuses the connection', async (t) => {
  const { mx, agent, sink } = await setup(t);
  const out = await agent.deliver(makeRequest({ nexthop: 'two.test', recipients: ['u@two.test'] }));
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.equal(mx.messages.length, 1);
  const texts = sink.records.map((r) => normalise(r.text));
  assert.ok(texts.includes('connect to mx1.two.test[127.0.0.2]:PORT: Connection refused'), texts.join('\n'));
  assert.match(
    statusLines(sink)[0]!,
    /^A1B2C3D4E5: to=<u@two\.test>, relay=mx2\.two\.test\[127\.0\.0\.1\]:\d+, .* status=sent/,
  );
});

test('smtp keeps a 4xx recipient for the next MX, logs why it skipped the first, and delivers there', async (t) => {
  const dns = await startDnsServer(t, {
    zone: { ...ZONE, 'mx1.two.test': { A: ['127.0.0.1'] }, 'mx2.two.test': { A: ['127.0.0.3'] } },
  });
  const first = await startScriptServer(t, { rcpt: (a) => `450 4.2.1 <${a}>: try later` });
  const second = await startScriptServer(t, { host: '127.0.0.3', port: first.port });
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 });
  const { agent, sink } = await startAgent(
    t,
    { smtp_dns_support_level: 'enabled', smtp_tcp_port: String(first.port) },
    'smtp',
    {
      dns: resolver,
    },
  );
  const out = await agent.deliver(makeRequest({ nexthop: 'two.test', recipients: ['u@two.test'] }));
  const texts = sink.records.map((r) => normalise(r.text));
  assert.ok(
    texts.includes(
      'A1B2C3D4E5: host mx1.two.test[127.0.0.1] said: 450 4.2.1 <u@two.test>: try later (in reply to RCPT TO command)',
    ),
    texts.join('\n'),
  );
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.equal(second.messages.length, 1);
  assert.match(statusLines(sink)[0]!, /relay=mx2\.two\.test\[127\.0\.0\.3\]:\d+, .*status=sent/);
});

test('smtp delivers to the domain itself when it has no MX record', async (t) => {
  const { mx, agent, sink } = await setup(t);
  await agent.deliver(makeRequest({ nexthop: 'plain.test', recipients: ['u@plain.test'] }));
  assert.equal(mx.messages.length, 1);
  assert.match(statusLines(sink)[0]!, /relay=plain\.test\[127\.0\.0\.1\]:\d+, .*status=sent/);
});

test('smtp bounces null MX and NXDOMAIN, and defers SERVFAIL, with Postfix texts', async (t) => {
  const { agent, sink } = await setup(t);
  await agent.deliver(makeRequest({ nexthop: 'nullmx.test', recipients: ['u@nullmx.test'] }));
  await agent.deliver(makeRequest({ nexthop: 'nx.test', recipients: ['u@nx.test'] }));
  const sf = await agent.deliver(makeRequest({ nexthop: 'servfail.test', recipients: ['u@servfail.test'] }));
  await agent.deliver(makeRequest({ nexthop: 'noaddr.test', recipients: ['u@noaddr.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<u@nullmx.test>, relay=none, delay=D, delays=D/D/D/D, dsn=5.1.0, status=bounced (Domain nullmx.test does not accept mail (nullMX))',
    'A1B2C3D4E5: to=<u@nx.test>, relay=none, delay=D, delays=D/D/D/D, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=nx.test type=A: Host not found)',
    'A1B2C3D4E5: to=<u@servfail.test>, relay=none, delay=D, delays=D/D/D/D, dsn=4.4.3, status=deferred (Host or domain name not found. Name service error for name=servfail.test type=MX: Host not found, try again)',
    'A1B2C3D4E5: to=<u@noaddr.test>, relay=none, delay=D, delays=D/D/D/D, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=ghost.noaddr.test type=A: Host not found)',
  ]);
  assert.equal(sf.siteFailure, true);
  assert.ok(
    sink.records.some(
      (r) => r.level === 'warning' && r.text === 'no MX host for noaddr.test has a valid address record',
    ),
  );
});

test('smtp refuses mail whose MX is this host on port 25: loops back to myself', async (t) => {
  const { agent, sink } = await setup(t, {}, { smtp_tcp_port: '25' });
  await agent.deliver(makeRequest({ nexthop: 'loop.test', recipients: ['u@loop.test'] }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<u@loop.test>, relay=none, delay=D, delays=D/D/D/D, dsn=5.4.6, status=bounced (mail for loop.test loops back to myself)',
  ]);
});
