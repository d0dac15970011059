/**
 * SPF as affix evaluates it (src/auth/auth_spf.ts over mailauth) against
 * two independent implementations on the same records, served by a DNS
 * server on loopback: `spfquery` (Perl Mail::SPF, Debian spf-tools-perl)
 * for the result of each case, and postfix-policyd-spf-python for the
 * decision (reject, defer or let pass) that reject_spf_fail and
 * defer_spf_temperror make in its place. Covers the 10-lookup and
 * void-lookup limits, include, redirect, mx, exists with macros.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type SpfParams, spfChecks, spfRestriction } from '../../src/auth/auth_spf.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import type { DnsZone } from '../peers/dns_server.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { needTools, runWithDns, startDns53 } from './auth_tools.ts';

const includes = Array.from({ length: 11 }, (_, i) => `include:i${i}.many.test`).join(' ');
const ZONE: DnsZone = {
  'pass.test': { TXT: ['v=spf1 ip4:192.0.2.10 -all'] },
  'soft.test': { TXT: ['v=spf1 ip4:192.0.2.10 ~all'] },
  'neutral.test': { TXT: ['v=spf1 ?all'] },
  'inc.test': { TXT: ['v=spf1 include:pass.test -all'] },
  'redir.test': { TXT: ['v=spf1 redirect=pass.test'] },
  'mx.test': { TXT: ['v=spf1 mx -all'], MX: [[10, 'mail.mx.test']] },
  'mail.mx.test': { A: ['192.0.2.20'] },
  'ex.test': { TXT: ['v=spf1 exists:%{i}.ip.ex.test -all'] },
  '192.0.2.30.ip.ex.test': { A: ['127.0.0.2'] },
  'many.test': { TXT: [`v=spf1 ${includes} -all`] },
  ...Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`i${i}.many.test`, { TXT: ['v=spf1 -all'] }])),
  'void.test': { TXT: ['v=spf1 a:x1.void.test a:x2.void.test a:x3.void.test ip4:192.0.2.10 -all'] },
  'servfail.test': { fault: 'servfail' },
  'syntax.test': { TXT: ['v=spf1 ip4:192.0.2.300 -all'] },
  'two.test': { TXT: ['v=spf1 -all', 'v=spf1 +all'] },
};

/** [sender, client address, expected result]. */
const CASES: readonly (readonly [string, string, string])[] = [
  ['a@pass.test', '192.0.2.10', 'pass'],
  ['a@pass.test', '192.0.2.11', 'fail'],
  ['a@soft.test', '192.0.2.11', 'softfail'],
  ['a@neutral.test', '192.0.2.11', 'neutral'],
  ['a@nospf.test', '192.0.2.11', 'none'],
  ['a@inc.test', '192.0.2.10', 'pass'],
  ['a@redir.test', '192.0.2.11', 'fail'],
  ['a@mx.test', '192.0.2.20', 'pass'],
  ['a@mx.test', '192.0.2.21', 'fail'],
  ['a@ex.test', '192.0.2.30', 'pass'],
  ['a@ex.test', '192.0.2.31', 'fail'],
  ['a@many.test', '192.0.2.10', 'permerror'],
  ['a@void.test', '192.0.2.10', 'permerror'],
  ['a@servfail.test', '192.0.2.10', 'temperror'],
  ['a@syntax.test', '192.0.2.10', 'permerror'],
  ['a@two.test', '192.0.2.10', 'permerror'],
];

const PARAMS: SpfParams = {
  affix_spf_max_lookups: 10,
  affix_spf_max_void_lookups: 2,
  affix_spf_reject_code: 550,
  affix_spf_defer_code: 451,
};

/** HELO with no SPF of its own, so the MAIL FROM identity decides (and a HELO without a dot is not checked). */
const HELO = 'client';

test('affix, spfquery and policyd-spf agree on every SPF case served from loopback DNS', async (t) => {
  const skip = await needTools(['spfquery', 'policyd-spf', 'unshare']);
  if (skip !== undefined) return t.skip(skip);
  const dns = await startDns53(t, { zone: ZONE });
  const resolver = new DnsResolver({ servers: dns.servers, timeout: 1000, tries: 1 });
  const dir = tempDir(t, 'affix-spf-');
  const conf = join(dir, 'policyd-spf.conf');
  writeFileSync(
    conf,
    'debugLevel = 0\nTestOnly = 1\nHELO_reject = Fail\nMail_From_reject = Fail\nPermError_reject = False\nTempError_Defer = True\nskip_addresses = 192.0.2.255/32\n',
  );
  const requests = CASES.map(([sender, ip]) =>
    [
      'request=smtpd_access_policy',
      'protocol_state=RCPT',
      'protocol_name=ESMTP',
      `helo_name=${HELO}`,
      'queue_id=',
      `sender=${sender}`,
      'recipient=user@example.test',
      `client_address=${ip}`,
      'client_name=unknown',
      'reverse_client_name=unknown',
      '',
      '',
    ].join('\n'),
  ).join('');
  const policy = await runWithDns(t, dns, '/usr/bin/python3', ['/usr/bin/policyd-spf', conf], requests);
  const actions = [...policy.stdout.matchAll(/^action=(.*)$/gm)].map((m) => m[1]!);
  assert.equal(actions.length, CASES.length, policy.stdout + policy.stderr);

  for (const [i, [sender, ip, expected]] of CASES.entries()) {
    const checks = await spfChecks({ ip, helo: HELO, sender, mta: 'mx.example.test', dns: resolver, params: PARAMS });
    const ours = checks.at(-1)!.result;
    assert.equal(ours, expected, `affix: ${sender} from ${ip}`);

    const q = await runWithDns(t, dns, 'spfquery', ['--scope', 'mfrom', '--id', sender, '--ip', ip, '--helo-id', HELO]);
    assert.equal(q.stdout.split('\n')[0], expected, `spfquery: ${sender} from ${ip}: ${q.stdout}${q.stderr}`);

    const reject = spfRestriction('reject_spf_fail', checks, PARAMS, sender, HELO);
    const defer = spfRestriction('defer_spf_temperror', checks, PARAMS, sender, HELO);
    const decision = reject !== null ? 'reject' : defer !== null ? 'defer' : 'dunno';
    const action = actions[i]!;
    const theirs = /^5\d\d /.test(action) ? 'reject' : /^4\d\d |^DEFER/i.test(action) ? 'defer' : 'dunno';
    assert.equal(decision, theirs, `policyd-spf: ${sender} from ${ip}: action=${action}`);
  }
});
