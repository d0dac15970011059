/**
 * affix's resolver and rewriter against the real thing: for each
 * configuration, every address is resolved (and rewritten) by affix and by
 * Postfix 3.7's trivial-rewrite (trivial_rewrite_peer.ts) with the same
 * main.cf, and the replies must be equal: transport, next hop, recipient and
 * flag bits. Not run without root and Debian's postfix package.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAddress } from '../../src/rewrite/resolve_addr.ts';
import { rewriteAddress } from '../../src/rewrite/rewrite_tree.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { rewriteContext } from './rewrite_helpers.ts';
import {
  flagBits,
  postfixConfig,
  postfixResolve,
  postfixRewrite,
  trivialRewriteMissing,
} from './trivial_rewrite_peer.ts';

const skip = trivialRewriteMissing();

// inet_interfaces is explicit: Postfix would otherwise use this machine's interfaces, affix the test's.
const BASE = 'myhostname = pfbench.localhost\nmydomain = example.test\ninet_interfaces = 127.0.0.1\n';

const CONFIGS: Readonly<Record<string, string>> = {
  'compatibility level 0': 'relayhost = $mydomain\n',
  'bench with classes and tables':
    'compatibility_level = 3.6\nmydestination = $myhostname, localhost\nproxy_interfaces = 192.0.2.77\n' +
    'recipient_delimiter = +\nvirtual_alias_domains = valias.test\nvirtual_mailbox_domains = vmbox.test\n' +
    'relay_domains = relay.test, .relay2.test\n' +
    'transport_maps = inline:{trans.test=smtp:[mail.trans.test]:2525, {user@trans2.test=error:5.7.1 go away}, ' +
    '.sub.trans.test=discard:, trans3.test=:[nexthop.test], trans4.test=relay, user@trans5.test=retry}\n' +
    'relocated_maps = inline:{moved@pfbench.localhost=new@example.org}\n',
  'null and numeric domains, minus users':
    'compatibility_level = 3.6\nresolve_null_domain = yes\nresolve_numeric_domain = yes\nallow_min_user = yes\n',
  'no bang paths, percent hack or dequoting':
    'compatibility_level = 3.6\nswap_bangpath = no\nallow_percent_hack = no\nresolve_dequoted_address = no\n',
  'no SMTPUTF8, no @myorigin': 'compatibility_level = 3.6\nsmtputf8_enable = no\nappend_at_myorigin = no\n',
  'tables, negation and a file in domain lists':
    'compatibility_level = 3.6\nmydestination = inline:{pfbench.localhost=x, localhost=x}, !ex.test, .sub.test\n' +
    'relay_domains = inline:{relay.test=x}, !bad.relay3.test, relay3.test, DIR/relay_domains\n' +
    'parent_domain_matches_subdomains =\nvirtual_alias_domains = inline:{valias.test=x}\n',
  'pattern tables see full keys only':
    'compatibility_level = 3.6\ntransport_maps = regexp:DIR/transport.regexp\nrelay_domains = pcre:DIR/relay.pcre\n',
  'failing tables': 'compatibility_level = 3.6\nrelay_domains = fail:x\ntransport_maps = fail:y\n',
  'relayhost and transport settings':
    'compatibility_level = 3.6\nvirtual_mailbox_domains = vmbox.test\nvirtual_transport = lmtp:unix:/x\n' +
    'relayhost = [smarthost.test]:587\nrelay_domains = relay.test\nrelay_transport = relay:[r.test]\n',
  'wildcard transport':
    'compatibility_level = 3.6\nrelay_domains = relay.test\n' +
    'transport_maps = inline:{*=wild:hop, relay.test=:}\nempty_address_recipient = bounce-me\n',
};

const ADDRESSES = [
  '',
  'postmaster',
  'user',
  '@',
  'user@',
  'user@@',
  'a!b',
  'a%b',
  'a!b@pfbench.localhost',
  'victim@example.net',
  'user@sub.example.net',
  'victim@example.net.',
  'victim@example.net@pfbench.localhost',
  'victim%example.net@pfbench.localhost',
  'victim%example.net@[127.0.0.1]',
  'example.net!victim',
  'example.net!victim@[127.0.0.1]',
  '@pfbench.localhost:victim@example.net',
  '@[127.0.0.1]:victim@example.net',
  'victim@[127.0.0.1]',
  'victim@[192.0.2.1]',
  'user@[192.0.2.77]',
  'user@[IPv6:::1]',
  'user@[::1]',
  'user@127.0.0.1',
  '-user@pfbench.localhost',
  'user@localhost',
  'user@ex.test',
  'user@a.sub.test',
  'user@relay.test',
  'user@a.relay.test',
  'user@a.relay2.test',
  'user@relay3.test',
  'user@bad.relay3.test',
  'user@filed.test',
  'user@valias.test',
  'user@vmbox.test',
  'moved+x@pfbench.localhost',
  'user+ext@trans.test',
  'user@trans2.test',
  'user@a.sub.trans.test',
  'user@trans3.test',
  'user@trans4.test',
  'user@trans5.test',
  'user@host:port',
  'user@bücher.example',
  'first last@pfbench.localhost',
  'a@b@c@pfbench.localhost',
  'user@[1.2.3.4',
];

const REWRITES = ['a!', 'a!b', '%b', '@', 'a@b', 'a@b.', 'user', '"first last"', '@a,@b:user@c', 'x!y!z'];

/** Runs `jobs` with at most `width` at a time. */
async function inParallel<T>(jobs: (() => Promise<T>)[], width = 16): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

for (const [name, settings] of Object.entries(CONFIGS)) {
  test(`affix resolves and rewrites as Postfix 3.7 trivial-rewrite: ${name}`, { skip }, async (t) => {
    const files = tempDir(t);
    writeFileSync(join(files, 'relay_domains'), 'filed.test\n# a comment\n  x.filed.test\n');
    writeFileSync(
      join(files, 'transport.regexp'),
      '/^user@.*\\.relay\\.test$/ relay:[r.test]\n/^example\\.net$/ smtp:[never]\n',
    );
    writeFileSync(join(files, 'relay.pcre'), '/^relay\\.test$/ ok\n/^(a\\.)?relay2\\.test$/ ok\n');
    const mainCf = BASE + settings.replaceAll('DIR', files);
    const { ctx } = await rewriteContext(t, mainCf);
    const dir = postfixConfig(t, mainCf);

    const resolved = await inParallel(
      ADDRESSES.map((address) => async () => {
        const r = await resolveAddress(ctx, address);
        const affix = { transport: r.transport, nexthop: r.nexthop, recipient: r.recipient, flags: flagBits(r) };
        return { address, affix, postfix: await postfixResolve(dir, address) };
      }),
    );
    const rewritten = await inParallel(
      REWRITES.flatMap((address) =>
        (['local', 'remote'] as const).map((rule) => async () => ({
          address: `${rule} ${address}`,
          affix: rewriteAddress(ctx, rule, address),
          postfix: await postfixRewrite(dir, rule, address),
        })),
      ),
    );
    const differ = [...resolved, ...rewritten].filter((c) => JSON.stringify(c.affix) !== JSON.stringify(c.postfix));
    assert.deepEqual(differ, []);
    assert.equal(resolved.length, ADDRESSES.length);
  });
}
