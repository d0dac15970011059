/**
 * rewrite_init: building the context from main.cf: the interface addresses
 * that make an address literal local, tables that cannot be opened,
 * configuration errors, and the compatibility_level note.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config_error.ts';
import { resolveAddress } from '../../src/rewrite/resolve_addr.ts';
import { closeRewriteContext } from '../../src/rewrite/rewrite_init.ts';
import { rewriteContext } from './rewrite_helpers.ts';

const BASE = 'compatibility_level = 3.6\nmyhostname = mx.example.test\n';

async function classOf(t: Parameters<typeof rewriteContext>[0], mainCf: string, address: string) {
  const { ctx } = await rewriteContext(t, BASE + mainCf, {
    lookupHost: async (name) => (name === 'mail.example.test' ? ['192.0.2.44', '2001:db8::44'] : []),
  });
  return (await resolveAddress(ctx, address)).class;
}

test('inet_interfaces = all makes every interface address literal local (127.0.0.1, 192.0.2.10, ::1 here)', async (t) => {
  assert.equal(await classOf(t, '', 'u@[192.0.2.10]'), 'local');
  assert.equal(await classOf(t, '', 'u@[IPv6:::1]'), 'local');
  assert.equal(await classOf(t, '', 'u@[192.0.2.11]'), 'default');
});

test('inet_interfaces = loopback-only makes only loopback literals local', async (t) => {
  assert.equal(await classOf(t, 'inet_interfaces = loopback-only\n', 'u@[127.0.0.1]'), 'local');
  assert.equal(await classOf(t, 'inet_interfaces = loopback-only\n', 'u@[192.0.2.10]'), 'default');
});

test('inet_protocols = ipv4 leaves IPv6 literals remote', async (t) => {
  assert.equal(await classOf(t, 'inet_protocols = ipv4\n', 'u@[IPv6:::1]'), 'default');
});

test('host names in inet_interfaces and proxy_interfaces are looked up; their addresses are local', async (t) => {
  const cf = 'inet_interfaces = 127.0.0.1\nproxy_interfaces = mail.example.test\n';
  assert.equal(await classOf(t, cf, 'u@[192.0.2.44]'), 'local');
  assert.equal(await classOf(t, cf, 'u@[IPv6:2001:db8:0::44]'), 'local');
  assert.equal(await classOf(t, cf, 'u@[192.0.2.10]'), 'default');
});

test('a host name that does not resolve is fatal: config variable proxy_interfaces: host not found', async (t) => {
  await assert.rejects(classOf(t, 'proxy_interfaces = nowhere.test\n', 'u@x'), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'config variable proxy_interfaces: host not found: nowhere.test');
    return true;
  });
});

test('a bad boolean is a configuration error with Postfix wording', async (t) => {
  await assert.rejects(rewriteContext(t, `${BASE}swap_bangpath = maybe\n`), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /bad boolean configuration: swap_bangpath = maybe$/);
    return true;
  });
});

test('a table that cannot be opened is logged as an error and defers every recipient', async (t) => {
  const { ctx, log } = await rewriteContext(t, `${BASE}transport_maps = nosuchtype:/x\n`);
  const r = await resolveAddress(ctx, 'u@example.net');
  assert.equal(r.fail, true);
  assert.ok(log.lines.includes('error: unsupported dictionary type: nosuchtype'), log.lines.join('\n'));
  assert.ok(log.lines.includes('warning: transport_maps lookup failure'), log.lines.join('\n'));
});

test('the compatibility note is on at level 0 unless append_dot_mydomain is set', async (t) => {
  const level0 = await rewriteContext(t, 'myhostname = mx.example.test\n');
  assert.equal(level0.ctx.compat.append_dot_mydomain, true);
  const explicit = await rewriteContext(t, 'myhostname = mx.example.test\nappend_dot_mydomain = yes\n');
  assert.equal(explicit.ctx.compat.append_dot_mydomain, false);
  const level36 = await rewriteContext(t, BASE);
  assert.equal(level36.ctx.compat.append_dot_mydomain, false);
});

test('the address_verify_* personality takes its defaults from the regular parameters', async (t) => {
  const { ctx } = await rewriteContext(t, `${BASE}relayhost = [smart.test]\ndefault_transport = smtp:\n`);
  assert.deepEqual(ctx.verify.relayhost, { name: 'address_verify_relayhost', value: '[smart.test]' });
  assert.deepEqual(ctx.verify.default_transport, { name: 'address_verify_default_transport', value: 'smtp:' });
});

test('closeRewriteContext closes every table of the context', async (t) => {
  const { ctx } = await rewriteContext(
    t,
    `${BASE}transport_maps = inline:{a=b}\nrelay_domains = inline:{r.test=x}\nrelocated_maps = inline:{x=y}\n`,
  );
  const closed: string[] = [];
  const watch = (dict: { name: string; close?: () => Promise<void> }) => {
    dict.close = async () => {
      closed.push(dict.name);
    };
  };
  for (const d of ctx.regular.transport_maps!.maps.dicts) watch(d as { name: string });
  for (const d of ctx.relocated_maps!.dicts) watch(d as { name: string });
  for (const p of ctx.relay_domains!.patterns) if (p.dict) watch(p.dict as { name: string });
  await closeRewriteContext(ctx);
  assert.deepEqual(closed.sort(), ['{a=b}', '{r.test=x}', '{x=y}']);
});
