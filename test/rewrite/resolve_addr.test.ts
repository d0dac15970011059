/**
 * resolve_addr: Postfix's `resolve` request. First Postfix's own golden
 * cases (golden/resolve_clnt.ref, copied unchanged from postfix/src/global,
 * with MYHOSTNAME and MYDOMAIN replaced as its Makefile does, under the
 * configuration it requires: relayhost = $mydomain, no transport map, and
 * append_dot_mydomain = yes as at the time it was written); then the open
 * relay tricks of bench-and-security.md §4.3, each of which must resolve to
 * class default, never local; then address classes, transports and next hops.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAddress } from '../../src/rewrite/resolve_addr.ts';
import { isFinalClass, type ResolveReply, resolveFlagsText } from '../../src/rewrite/resolve_reply.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { rewriteContext } from './rewrite_helpers.ts';

const MYHOSTNAME = 'mx.example.test';
const MYDOMAIN = 'example.test';
const GOLDEN_CF = `myhostname = ${MYHOSTNAME}\nmydomain = ${MYDOMAIN}\nrelayhost = $mydomain\nappend_dot_mydomain = yes\n`;

interface GoldenCase {
  readonly verify: boolean;
  readonly address: string;
  readonly transport: string;
  readonly nexthop: string;
  readonly recipient: string;
  readonly flags: string;
}

function goldenCases(): GoldenCase[] {
  const text = readFileSync(join(import.meta.dirname, 'golden', 'resolve_clnt.ref'), 'utf8')
    .replaceAll('MYHOSTNAME', MYHOSTNAME)
    .replaceAll('MYDOMAIN', MYDOMAIN);
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      const field = (name: string) => new RegExp(`^${name} {1,10}(.*)$`, 'm').exec(block)?.[1] ?? '';
      return {
        verify: field('class') === 'verify',
        address: /^address {4}(.*)$/m.exec(block)![1]!,
        transport: field('transport'),
        nexthop: field('nexthop'),
        recipient: field('recipient'),
        flags: field('flags'),
      };
    });
}

const GOLDEN = goldenCases();

test('resolve_clnt.ref has its 49 cases', () => {
  assert.equal(GOLDEN.length, 49);
});

for (const c of GOLDEN) {
  const what = `${c.verify ? 'verify' : 'resolve'} ${JSON.stringify(c.address)}`;
  test(`${what} gives Postfix's ${c.transport} ${c.nexthop} ${c.recipient} ${c.flags.trim()}`, async (t) => {
    const { ctx } = await rewriteContext(t, GOLDEN_CF);
    const r = await resolveAddress(ctx, c.address, { verify: c.verify });
    assert.deepEqual(
      [r.transport, r.nexthop === '' ? '[none]' : r.nexthop, r.recipient, resolveFlagsText(r)],
      [c.transport, c.nexthop, c.recipient, c.flags],
    );
  });
}

// The bench configuration: this host is pfbench.localhost, listening on 127.0.0.1, relaying for nobody.
const BENCH_CF = `
compatibility_level = 3.6
myhostname = pfbench.localhost
mydomain = localhost
mydestination = $myhostname, localhost
inet_interfaces = 127.0.0.1
`;

/**
 * §4.3, nmap's smtp-open-relay recipients with DOMAIN = example.net, SRVNAME =
 * pfbench.localhost and IP = 127.0.0.1, in the internal form smtpd passes
 * (quotes removed), plus the other tricks. Each: recipient, next hop, routed.
 * The real Postfix 3.7 trivial-rewrite gives the same (postfix_compare.test.ts).
 */
const RELAY_TRICKS: readonly (readonly [string, string, string, boolean])[] = [
  ['relaytest@example.net', 'relaytest@example.net', 'example.net', false],
  ['relaytest%example.net@[127.0.0.1]', 'relaytest@example.net', 'example.net', false],
  ['relaytest%example.net@pfbench.localhost', 'relaytest@example.net', 'example.net', false],
  ['relaytest%example.net', 'relaytest@example.net', 'example.net', false],
  ['relaytest@example.net@[127.0.0.1]', 'relaytest@example.net', 'example.net', false],
  ['relaytest@example.net@pfbench.localhost', 'relaytest@example.net', 'example.net', false],
  ['@[127.0.0.1]:relaytest@example.net', '@[127.0.0.1]:relaytest@example.net', 'example.net', true],
  ['@pfbench.localhost:relaytest@example.net', '@pfbench.localhost:relaytest@example.net', 'example.net', true],
  ['example.net!relaytest', 'relaytest@example.net', 'example.net', false],
  ['example.net!relaytest@[127.0.0.1]', 'relaytest@example.net', 'example.net', false],
  ['example.net!relaytest@pfbench.localhost', 'relaytest@example.net', 'example.net', false],
  ['victim%example.net@localhost', 'victim@example.net', 'example.net', false],
  ['victim@[192.0.2.1]', 'victim@[192.0.2.1]', '[192.0.2.1]', false],
  ['victim@example.net.', 'victim@example.net', 'example.net', false],
  ['victim@example.net@pfbench.localhost.', 'victim@example.net', 'example.net', false],
];

for (const [address, recipient, nexthop, routed] of RELAY_TRICKS) {
  test(`relay trick ${JSON.stringify(address)} resolves to class default ${recipient}, not local`, async (t) => {
    const { ctx } = await rewriteContext(t, BENCH_CF);
    const r = await resolveAddress(ctx, address);
    assert.deepEqual(
      { class: r.class, transport: r.transport, nexthop: r.nexthop, recipient: r.recipient, routed: r.routed },
      { class: 'default', transport: 'smtp', nexthop, recipient, routed },
    );
    assert.equal(isFinalClass(r.class), false);
  });
}

test('a quoted local part with @ ("victim@example.net"@pfbench.localhost) is cracked open to example.net', async (t) => {
  // smtpd passes the internal form victim@example.net@pfbench.localhost and quotes that in its reply.
  const { ctx } = await rewriteContext(t, BENCH_CF);
  const r = await resolveAddress(ctx, 'victim@example.net@pfbench.localhost');
  assert.deepEqual([r.class, r.recipient, r.nexthop], ['default', 'victim@example.net', 'example.net']);
});

test('with resolve_dequoted_address = no a quoted @ stays in the local part and the mail is local', async (t) => {
  const { ctx } = await rewriteContext(t, `${BENCH_CF}resolve_dequoted_address = no\n`);
  const r = await resolveAddress(ctx, 'victim@example.net@pfbench.localhost');
  assert.deepEqual([r.class, r.recipient, r.routed], ['local', 'victim@example.net@pfbench.localhost', true]);
});

async function resolveIn(t: Parameters<typeof rewriteContext>[0], mainCf: string, address: string, sender = '') {
  const { ctx, log } = await rewriteContext(t, BENCH_CF + mainCf);
  const r = await resolveAddress(ctx, address, { sender });
  return { r, log: log.lines };
}

const brief = (r: ResolveReply) => `${r.transport} ${r.nexthop} ${r.recipient} ${resolveFlagsText(r).trim()}`;

test('the null address resolves to empty_address_recipient at myhostname, class local', async (t) => {
  const { r } = await resolveIn(t, '', '');
  assert.equal(brief(r), 'local pfbench.localhost MAILER-DAEMON@pfbench.localhost CLASS_LOCAL');
});

test('a bare local part resolves at myhostname', async (t) => {
  const { r } = await resolveIn(t, '', 'postmaster');
  assert.equal(brief(r), 'local pfbench.localhost postmaster@pfbench.localhost CLASS_LOCAL');
});

test('an address literal of inet_interfaces is local; one of proxy_interfaces too', async (t) => {
  const a = await resolveIn(t, 'proxy_interfaces = 192.0.2.77\n', 'user@[127.0.0.1]');
  assert.equal(brief(a.r), 'local pfbench.localhost user@[127.0.0.1] CLASS_LOCAL');
  const b = await resolveIn(t, 'proxy_interfaces = 192.0.2.77\n', 'user@[192.0.2.77]');
  assert.equal(brief(b.r), 'local pfbench.localhost user@[192.0.2.77] CLASS_LOCAL');
});

test('an IPv6 literal needs the IPv6: prefix to be local; without it the address is an error', async (t) => {
  const a = await resolveIn(t, 'inet_interfaces = all\n', 'user@[IPv6:0:0::1]');
  assert.equal(a.r.class, 'local');
  const b = await resolveIn(t, 'inet_interfaces = all\n', 'user@[::1]');
  assert.equal(brief(b.r), 'CHANNEL NOT UPDATED NEXTHOP NOT UPDATED user@[::1] FLAG_ERROR CLASS_DEFAULT');
  assert.deepEqual(b.log, ['warning: valid_ipv4_hostaddr: invalid character 58(decimal): ::1']);
});

test('user@ipaddress is an error unless resolve_numeric_domain, which makes it a (local) literal', async (t) => {
  const a = await resolveIn(t, '', 'user@127.0.0.1');
  assert.equal(a.r.error, true);
  const b = await resolveIn(t, 'resolve_numeric_domain = yes\n', 'user@127.0.0.1');
  assert.equal(brief(b.r), 'local pfbench.localhost user@[127.0.0.1] CLASS_LOCAL');
});

test('user@ is an error unless resolve_null_domain, which resolves it at myhostname', async (t) => {
  const a = await resolveIn(t, '', 'user@');
  assert.equal(brief(a.r), 'CHANNEL NOT UPDATED NEXTHOP NOT UPDATED user@ FLAG_ERROR CLASS_DEFAULT');
  const b = await resolveIn(t, 'resolve_null_domain = yes\n', 'user@');
  assert.equal(brief(b.r), 'local pfbench.localhost user@pfbench.localhost CLASS_LOCAL');
});

test('a recipient starting with - is an error unless allow_min_user', async (t) => {
  const a = await resolveIn(t, '', '-user@pfbench.localhost');
  assert.equal(brief(a.r), 'local pfbench.localhost -user@pfbench.localhost FLAG_ERROR CLASS_LOCAL');
  const b = await resolveIn(t, 'allow_min_user = yes\n', '-user@pfbench.localhost');
  assert.equal(b.r.error, false);
});

test('a virtual alias domain resolves to the error transport: 5.1.1 User unknown in virtual alias table', async (t) => {
  const a = await resolveIn(t, 'virtual_alias_domains = valias.test\n', 'user@valias.test');
  assert.equal(brief(a.r), 'error 5.1.1 User unknown in virtual alias table user@valias.test CLASS_ALIAS');
  const b = await resolveIn(
    t,
    'virtual_alias_domains = valias.test\nshow_user_unknown_table_name = no\n',
    'u@valias.test',
  );
  assert.equal(b.r.nexthop, '5.1.1 User unknown');
});

test('transport_maps does not override the virtual alias class', async (t) => {
  const { r } = await resolveIn(
    t,
    'virtual_alias_domains = valias.test\ntransport_maps = static:smtp\n',
    'u@valias.test',
  );
  assert.equal(r.transport, 'error');
});

test('virtual mailbox, relay and default domains take their transports; relay_domains matches subdomains', async (t) => {
  const cf = 'virtual_mailbox_domains = vmbox.test\nrelay_domains = relay.test\n';
  const v = await resolveIn(t, cf, 'u@vmbox.test');
  assert.equal(brief(v.r), 'virtual vmbox.test u@vmbox.test CLASS_VIRTUAL');
  const r = await resolveIn(t, cf, 'u@a.relay.test');
  assert.equal(brief(r.r), 'relay a.relay.test u@a.relay.test CLASS_RELAY');
  const d = await resolveIn(t, cf, 'u@other.test');
  assert.equal(brief(d.r), 'smtp other.test u@other.test CLASS_DEFAULT');
});

test('a domain in both virtual_alias_domains and relay_domains draws a helpful warning', async (t) => {
  const { r, log } = await resolveIn(
    t,
    'virtual_alias_domains = both.test\nrelay_domains = both.test\n',
    'u@both.test',
  );
  assert.equal(r.class, 'alias');
  assert.deepEqual(log, ['warning: do not list domain both.test in BOTH virtual_alias_domains and relay_domains']);
});

test('relayhost replaces the domain as next hop for relay and default classes, not for local', async (t) => {
  const cf = 'relayhost = [smarthost.test]:587\nrelay_domains = relay.test\n';
  assert.equal((await resolveIn(t, cf, 'u@other.test')).r.nexthop, '[smarthost.test]:587');
  assert.equal((await resolveIn(t, cf, 'u@relay.test')).r.nexthop, '[smarthost.test]:587');
  assert.equal((await resolveIn(t, cf, 'u@pfbench.localhost')).r.nexthop, 'pfbench.localhost');
});

test('a transport:[host]:port setting overrides relayhost; local_transport = local:$myhostname sets the next hop', async (t) => {
  const cf =
    'relayhost = [smarthost.test]\ndefault_transport = smtp:[outbound.test]:2525\nmyorigin = pfbench.localhost\n';
  assert.equal(
    brief((await resolveIn(t, cf, 'u@other.test')).r),
    'smtp [outbound.test]:2525 u@other.test CLASS_DEFAULT',
  );
  const local = await resolveIn(t, 'mydestination = $myhostname, other.test\n', 'u@other.test');
  assert.equal(brief(local.r), 'local pfbench.localhost u@other.test CLASS_LOCAL');
});

test('a transport_maps entry without next hop resets it to the domain, overriding relayhost', async (t) => {
  const { r } = await resolveIn(
    t,
    'relayhost = [smarthost.test]\ntransport_maps = inline:{other.test=smtp}\n',
    'u@other.test',
  );
  assert.equal(brief(r), 'smtp other.test u@other.test CLASS_DEFAULT');
});

test('transport_maps: user+ext@domain, then user@domain, then domain, then .parent, then *', async (t) => {
  const table =
    'transport_maps = inline:{u+x@t.test=a:1, u@t.test=b:2, t.test=c:3, .t.test=d:4, *=e:5}\nrecipient_delimiter = +\n';
  const cases: readonly (readonly [string, string])[] = [
    ['u+x@t.test', 'a 1'],
    ['u+y@t.test', 'b 2'],
    ['v@t.test', 'c 3'],
    ['v@sub.t.test', 'd 4'],
    ['v@t2.test', 'e 5'],
  ];
  const { ctx } = await rewriteContext(t, BENCH_CF + table);
  for (const [address, route] of cases) {
    const r = await resolveAddress(ctx, address);
    assert.equal(`${r.transport} ${r.nexthop}`, route, address);
  }
});

test('transport_maps: parent domains match as example.com when transport_maps is in parent_domain_matches_subdomains', async (t) => {
  const cf = 'transport_maps = inline:{t.test=c:3}\nparent_domain_matches_subdomains = transport_maps\n';
  assert.equal((await resolveIn(t, cf, 'v@sub.t.test')).r.transport, 'c');
  assert.equal((await resolveIn(t, 'transport_maps = inline:{t.test=c:3}\n', 'v@sub.t.test')).r.transport, 'smtp');
});

test('transport_maps error: and discard: results; error and retry alone say Address is undeliverable', async (t) => {
  const cf =
    'transport_maps = inline:{{e.test=error:5.7.1 no mail here}, d.test=discard:, x.test=error, r.test=retry, k.test=:[keep.test]}\n';
  const { ctx } = await rewriteContext(t, BENCH_CF + cf);
  const routes: Record<string, string> = {};
  for (const d of ['e.test', 'd.test', 'x.test', 'r.test', 'k.test']) {
    const r = await resolveAddress(ctx, `u@${d}`);
    routes[d] = `${r.transport}|${r.nexthop}`;
  }
  assert.deepEqual(routes, {
    'e.test': 'error|5.7.1 no mail here',
    'd.test': 'discard|d.test',
    'x.test': 'error|Address is undeliverable',
    'r.test': 'retry|Address is undeliverable',
    'k.test': 'smtp|[keep.test]',
  });
});

test('relocated_maps bounces a moved user with 5.1.6, whatever the class', async (t) => {
  const cf = 'relocated_maps = inline:{old@pfbench.localhost=new@example.org}\nrecipient_delimiter = +\n';
  const { r } = await resolveIn(t, cf, 'old+tag@pfbench.localhost');
  assert.equal(brief(r), 'error 5.1.6 User has moved to new@example.org old+tag@pfbench.localhost CLASS_LOCAL');
});

test('sender_dependent_relayhost_maps and _default_transport_maps follow the sender; <> is the null sender key', async (t) => {
  const cf =
    'sender_dependent_relayhost_maps = inline:{s@example.org=[sdr.test]:25, <>=[bounces.test]}\n' +
    'sender_dependent_default_transport_maps = inline:{@example.org=smtp2, o@example.org=DUNNO}\n';
  const { ctx } = await rewriteContext(t, BENCH_CF + cf);
  const route = async (sender: string) => {
    const r = await resolveAddress(ctx, 'u@other.test', { sender });
    return `${r.transport} ${r.nexthop}`;
  };
  assert.equal(await route('s@example.org'), 'smtp2 [sdr.test]:25');
  assert.equal(await route('o@example.org'), 'smtp other.test');
  assert.equal(await route(''), 'smtp [bounces.test]');
  assert.equal(await route('x@elsewhere.test'), 'smtp other.test');
});

test('address verification probes use the address_verify_* personality', async (t) => {
  const cf = 'address_verify_relayhost = [verify.test]\naddress_verify_default_transport = smtp3\n';
  const { ctx } = await rewriteContext(t, BENCH_CF + cf);
  const regular = await resolveAddress(ctx, 'u@other.test');
  const probe = await resolveAddress(ctx, 'u@other.test', { verify: true });
  assert.deepEqual(
    [regular.transport, regular.nexthop, probe.transport, probe.nexthop],
    ['smtp', 'other.test', 'smtp3', '[verify.test]'],
  );
});

test('a failing mydestination table fails the request (try again), it does not misroute it', async (t) => {
  const { r, log } = await resolveIn(t, 'mydestination = fail:broken\n', 'u@pfbench.localhost');
  assert.deepEqual([r.fail, r.class, r.recipient], [true, null, 'NEXTRCPT NOT UPDATED']);
  assert.ok(log.includes('warning: mydestination: fail:broken: table lookup problem'), log.join('\n'));
});

test('a failing relay_domains or transport_maps table fails the request with a lookup failure warning', async (t) => {
  const a = await resolveIn(t, 'relay_domains = fail:broken\n', 'u@other.test');
  assert.deepEqual([a.r.fail, a.r.class], [true, null]);
  assert.ok(a.log.includes('warning: relay_domains lookup failure'), a.log.join('\n'));
  const b = await resolveIn(t, 'transport_maps = fail:broken\n', 'u@other.test');
  assert.deepEqual([b.r.fail, b.r.class, b.r.recipient], [true, 'default', 'u@other.test']);
  assert.ok(b.log.includes('warning: transport_maps lookup failure'), b.log.join('\n'));
});

test('a transport setting with an empty transport fails the request and names the parameter', async (t) => {
  const { ctx, log, dir } = await rewriteContext(t, `${BENCH_CF}default_transport = :nowhere\n`);
  const r = await resolveAddress(ctx, 'u@other.test');
  assert.equal(r.fail, true);
  assert.deepEqual(log.lines, [
    `warning: file ${dir}/main.cf: parameter default_transport: null transport is not allowed`,
  ]);
});

test('transport_maps and relay_domains pattern tables see the full address or name, never partial keys', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'transport.regexp'), '/^example\\.net$/ smtp:[never.test]\n/^u@/ lmtp:[u.test]\n');
  writeFileSync(join(dir, 'relay.regexp'), '/^relay\\.test$/ ok\n');
  const cf = `transport_maps = regexp:${dir}/transport.regexp\nrelay_domains = regexp:${dir}/relay.regexp\n`;
  const { ctx } = await rewriteContext(t, BENCH_CF + cf);
  const route = async (address: string) => {
    const r = await resolveAddress(ctx, address);
    return `${r.class} ${r.transport} ${r.nexthop}`;
  };
  assert.equal(await route('v@example.net'), 'default smtp example.net');
  assert.equal(await route('u@example.net'), 'default lmtp [u.test]');
  assert.equal(await route('v@relay.test'), 'relay relay relay.test');
  assert.equal(await route('v@a.relay.test'), 'default smtp a.relay.test');
});
