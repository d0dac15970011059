/**
 * STARTTLS from the smtp client to servers with a valid, a self-signed, an
 * expired and a wrong-name certificate, at each smtp_tls_security_level
 * (set per destination through smtp_tls_policy_maps, with the name to match),
 * and the same deliveries made by Postfix 3.7 with the same policy: the
 * `... TLS connection established` lines, the verification failures, and
 * the status lines must agree.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { type ScriptServer, startScriptServer } from '../peers/smtp_script_server.ts';
import { makeTestCerts, type TestCerts } from '../peers/test_certs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, startAgent, statusLines } from './smtp_fixtures.ts';

const NAME = 'mx.tls.test';
const LEVELS = ['none', 'may', 'encrypt', 'verify', 'secure'] as const;
const CERTS = ['valid', 'selfSigned', 'expired', 'wrongName'] as const;
type Level = (typeof LEVELS)[number];
type CertKind = (typeof CERTS)[number];

interface Case {
  readonly level: Level;
  readonly cert: CertKind;
  readonly server: ScriptServer;
}

async function servers(t: Parameters<typeof makeTestCerts>[0], certs: TestCerts): Promise<Case[]> {
  const cases: Case[] = [];
  for (const level of LEVELS) {
    for (const cert of CERTS) cases.push({ level, cert, server: await startScriptServer(t, { tls: certs[cert] }) });
  }
  return cases;
}

function policyFile(dir: string, cases: readonly Case[]): string {
  const file = join(dir, 'tls_policy');
  const match = (level: Level) => (level === 'verify' || level === 'secure' ? ` match=${NAME}` : '');
  writeFileSync(file, cases.map((c) => `[127.0.0.1]:${c.server.port} ${c.level}${match(c.level)}\n`).join(''));
  return file;
}

const norm = (s: string) =>
  s
    .replace(/^[0-9A-Za-z]{6,}: /, 'ID: ')
    .replace(/:\d{4,5}\b/g, ':PORT')
    .replace(/delay=[\d.]+/, 'delay=D')
    .replace(/delays=[\d.]+\/[\d.]+\/[\d.]+\/[\d.]+/, 'delays=D/D/D/D')
    .replace(/queued as \w+/, 'queued as X');

/** What the client must do with each certificate at each level. */
const EXPECT: Readonly<Record<Level, Readonly<Record<CertKind, RegExp>>>> = {
  none: { valid: /status=sent/, selfSigned: /status=sent/, expired: /status=sent/, wrongName: /status=sent/ },
  may: { valid: /status=sent/, selfSigned: /status=sent/, expired: /status=sent/, wrongName: /status=sent/ },
  encrypt: { valid: /status=sent/, selfSigned: /status=sent/, expired: /status=sent/, wrongName: /status=sent/ },
  verify: {
    valid: /status=sent/,
    selfSigned: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
    expired: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
    wrongName: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
  },
  secure: {
    valid: /status=sent/,
    selfSigned: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
    expired: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
    wrongName: /dsn=4\.7\.5, status=deferred \(Server certificate not verified\)/,
  },
};

const TRUST: Readonly<Record<Level, Readonly<Record<CertKind, string | null>>>> = {
  none: { valid: null, selfSigned: null, expired: null, wrongName: null },
  may: { valid: 'Trusted', selfSigned: 'Untrusted', expired: 'Untrusted', wrongName: 'Trusted' },
  encrypt: { valid: 'Trusted', selfSigned: 'Untrusted', expired: 'Untrusted', wrongName: 'Trusted' },
  verify: { valid: 'Verified', selfSigned: 'Untrusted', expired: 'Untrusted', wrongName: 'Untrusted' },
  secure: { valid: 'Verified', selfSigned: 'Untrusted', expired: 'Untrusted', wrongName: 'Untrusted' },
};

test('smtp STARTTLS per level and certificate: outcome, trust word and verification line', async (t) => {
  const certs = makeTestCerts(t, NAME);
  const cases = await servers(t, certs);
  const dir = tempDir(t);
  const { agent, sink } = await startAgent(t, {
    smtp_tls_CAfile: certs.caFile,
    smtp_tls_loglevel: '1',
    smtp_tls_policy_maps: `texthash:${policyFile(dir, cases)}`,
  });
  for (const c of cases) {
    const mark = sink.mark();
    const rcpt = `${c.level}-${c.cert}@tls.test`;
    await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${c.server.port}`, recipients: [rcpt] }));
    const texts = sink.records.slice(mark).map((r) => r.text);
    const status = texts.find((l) => l.includes(`to=<${rcpt}>`)) ?? '';
    assert.match(status, EXPECT[c.level][c.cert], `${c.level}/${c.cert}: ${texts.join('\n')}`);
    const trust = TRUST[c.level][c.cert];
    const established = texts.find((l) => l.includes('TLS connection established'));
    if (trust === null) assert.equal(established, undefined);
    else
      assert.match(
        established ?? '',
        new RegExp(
          `^${trust} TLS connection established to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:\\d+: TLSv1\\.3 with cipher TLS_AES_256_GCM_SHA384 \\(256/256 bits\\) key-exchange X25519 server-signature RSA-PSS \\(2048 bits\\) server-digest SHA256$`,
        ),
        `${c.level}/${c.cert}`,
      );
    const sent = c.server.messages.length === 1;
    assert.equal(sent, EXPECT[c.level][c.cert].source.includes('sent'));
    if (sent) assert.equal(c.server.messages[0]!.tls, c.level !== 'none');
  }
  const failures = sink.records.map((r) => norm(r.text)).filter((l) => l.includes('verification failed'));
  assert.deepEqual(failures, [
    'certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: self-signed certificate',
    'server certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: certificate has expired',
    'server certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: num=62:hostname mismatch',
    'certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: self-signed certificate',
    'server certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: certificate has expired',
    'server certificate verification failed for 127.0.0.1[127.0.0.1]:PORT: num=62:hostname mismatch',
  ]);
});

test('smtp with TLS required: a server without STARTTLS, and one that refuses it, are deferred', async (t) => {
  const plain = await startScriptServer(t);
  const certs = makeTestCerts(t, NAME);
  const refusing = await startScriptServer(t, {
    tls: certs.valid,
    starttlsReply: '454 4.7.0 TLS not available due to local problem',
  });
  const { agent, sink } = await startAgent(t, { smtp_tls_security_level: 'encrypt' });
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${plain.port}`, recipients: ['a@tls.test'] }));
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${refusing.port}`, recipients: ['b@tls.test'] }));
  assert.deepEqual(statusLines(sink).map(norm), [
    'ID: to=<a@tls.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host 127.0.0.1[127.0.0.1])',
    'ID: to=<b@tls.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.7.0, status=deferred (TLS is required, but host 127.0.0.1[127.0.0.1] refused to start TLS: 454 4.7.0 TLS not available due to local problem)',
  ]);
  assert.equal(plain.messages.length + refusing.messages.length, 0);
});

test('affix and Postfix agree on STARTTLS outcomes and log lines per level and certificate', {
  skip: postfixSkipReason(),
  timeout: 120_000,
}, async (t) => {
  const certs = makeTestCerts(t, NAME);
  const ours = await servers(t, certs);
  const theirs = await servers(t, certs);
  const dir = tempDir(t, 'affix-tls-');
  const transport = join(dir, 'transport');
  writeFileSync(transport, theirs.map((c) => `${c.level}-${c.cert}.test smtp:[127.0.0.1]:${c.server.port}\n`).join(''));
  const pf = await startPostfix(t, {
    main: {
      transport_maps: `texthash:${transport}`,
      smtp_tls_CAfile: certs.caFile,
      smtp_tls_loglevel: '1',
      smtp_tls_policy_maps: `texthash:${policyFile(dir, theirs)}`,
    },
  });
  for (const c of theirs) await submit(pf.smtpdPort, '', [`x@${c.level}-${c.cert}.test`], 'Subject: tls\n\nhello\n');
  const { agent, sink } = await startAgent(t, {
    smtp_tls_CAfile: certs.caFile,
    smtp_tls_loglevel: '1',
    smtp_tls_policy_maps: `texthash:${policyFile(tempDir(t), ours)}`,
  });
  for (const c of ours) {
    await agent.deliver(
      makeRequest({ nexthop: `[127.0.0.1]:${c.server.port}`, sender: '', recipients: [`x@${c.level}-${c.cert}.test`] }),
    );
  }
  for (const c of theirs) await pf.waitForLog(new RegExp(`to=<x@${c.level}-${c.cert}\\.test>`));
  const pfRecords = pf
    .log()
    .split('\n')
    .map((l) => /postfix\/smtp\[(\d+)\]: (.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ pid: m[1]!, text: norm(m[2]!) }))
    .filter((r) => !r.text.startsWith('warning: TLS library problem'));
  const ourLines = sink.records.map((r) => norm(r.level === 'warning' ? `warning: ${r.text}` : r.text));
  // Postfix delivers in parallel: a delivery's lines are those of its process since its previous status line.
  const pick = (records: readonly { pid: string; text: string }[], key: string): string[] => {
    const i = records.findIndex((r) => r.text.includes(`to=<${key}>`));
    if (i < 0) return [];
    const pid = records[i]!.pid;
    const out: string[] = [];
    for (let j = i; j >= 0; j--) {
      const r = records[j]!;
      if (r.pid !== pid) continue;
      if (j < i && r.text.includes('to=<')) break;
      out.unshift(r.text);
    }
    return out;
  };
  for (const c of ours) {
    const key = `x@${c.level}-${c.cert}.test`;
    const ourRecords = ourLines.map((text) => ({ pid: '1', text }));
    assert.deepEqual(pick(ourRecords, key), pick(pfRecords, key), `${c.level}/${c.cert}`);
  }
});
