/**
 * SASL client authentication to a relayhost: credentials from
 * smtp_sasl_password_maps, mechanisms allowed by the security options,
 * and what a refused login does — by affix and by Postfix 3.7 (Cyrus
 * SASL) against the same scripted relay.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { type ScriptServer, startScriptServer } from '../peers/smtp_script_server.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, startAgent } from './smtp_fixtures.ts';

const AUTH = { user: 'relayuser', pass: 'relay secret' };

interface SaslCase {
  readonly name: string;
  readonly password: string;
  readonly server: ScriptServer;
}

async function cases(t: Parameters<typeof startScriptServer>[0]): Promise<SaslCase[]> {
  return [
    { name: 'good', password: AUTH.pass, server: await startScriptServer(t, { auth: AUTH }) },
    { name: 'wrong', password: 'not it', server: await startScriptServer(t, { auth: AUTH }) },
    { name: 'noauth', password: AUTH.pass, server: await startScriptServer(t) },
  ];
}

function passwordFile(dir: string, list: readonly SaslCase[]): string {
  const file = join(dir, 'sasl_passwd');
  writeFileSync(file, list.map((c) => `[127.0.0.1]:${c.server.port} ${AUTH.user}:${c.password}\n`).join(''));
  return file;
}

const norm = (s: string) =>
  s
    .replace(/^[0-9A-Za-z]{6,}: /, 'ID: ')
    .replace(/:\d{4,5}\b/g, ':PORT')
    .replace(/delay=[\d.]+/, 'delay=D')
    .replace(/delays=[\d.]+\/[\d.]+\/[\d.]+\/[\d.]+/, 'delays=D/D/D/D')
    .replace(/queued as \w+/, 'queued as X');

test('smtp authenticates to a relayhost with PLAIN, and defers when the login is refused', async (t) => {
  const list = await cases(t);
  const { agent, sink } = await startAgent(t, {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_security_options: 'noanonymous',
    smtp_sasl_password_maps: `texthash:${passwordFile(tempDir(t), list)}`,
  });
  const out: Record<string, string> = {};
  for (const c of list) {
    const o = await agent.deliver(
      makeRequest({ nexthop: `[127.0.0.1]:${c.server.port}`, recipients: [`x@${c.name}.test`] }),
    );
    out[c.name] = norm(sink.records.map((r) => r.text).find((l) => l.includes(`to=<x@${c.name}.test>`)) ?? '');
    if (c.name === 'wrong') assert.equal(o.siteFailure, true);
  }
  assert.equal(list[0]!.server.messages[0]?.authUser, AUTH.user);
  assert.match(out['good']!, /status=sent/);
  assert.equal(
    out['wrong'],
    'ID: to=<x@wrong.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=4.7.8, status=deferred (SASL authentication failed; server 127.0.0.1[127.0.0.1] said: 535 5.7.8 Error: authentication failed: authentication failure)',
  );
  // A server without AUTH gets the mail unauthenticated, as with Postfix.
  assert.match(out['noauth']!, /status=sent/);
  assert.equal(list[2]!.server.messages[0]?.authUser, null);
  assert.ok(!sink.lines.some((l) => l.includes(AUTH.pass)), 'the password never reaches the log');
});

test('smtp with the default smtp_sasl_security_options finds no mechanism for PLAIN/LOGIN in plaintext', async (t) => {
  const relay = await startScriptServer(t, { auth: AUTH });
  const file = join(tempDir(t), 'sasl_passwd');
  writeFileSync(file, `[127.0.0.1]:${relay.port} ${AUTH.user}:${AUTH.pass}\n`);
  const { agent, sink } = await startAgent(t, {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_password_maps: `texthash:${file}`,
  });
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${relay.port}`, recipients: ['x@relay.test'] }));
  assert.match(
    sink.records.map((r) => r.text).find((l) => l.includes('to=<x@relay.test>')) ?? '',
    /dsn=4\.7\.0, status=deferred \(SASL authentication failed; cannot authenticate to server 127\.0\.0\.1\[127\.0\.0\.1\]: no mechanism available\)$/,
  );
  assert.equal(relay.messages.length, 0);
});

test('affix and Postfix (Cyrus SASL) agree on SASL outcomes at a relayhost', {
  skip: postfixSkipReason(),
  timeout: 120_000,
}, async (t) => {
  const ours = await cases(t);
  const theirs = await cases(t);
  const dir = tempDir(t, 'affix-sasl-');
  const transport = join(dir, 'transport');
  writeFileSync(transport, theirs.map((c) => `${c.name}.test smtp:[127.0.0.1]:${c.server.port}\n`).join(''));
  const sasl = {
    smtp_sasl_auth_enable: 'yes',
    smtp_sasl_security_options: 'noanonymous',
  };
  const pf = await startPostfix(t, {
    main: {
      ...sasl,
      transport_maps: `texthash:${transport}`,
      smtp_sasl_password_maps: `texthash:${passwordFile(dir, theirs)}`,
    },
  });
  for (const c of theirs) await submit(pf.smtpdPort, '', [`x@${c.name}.test`], 'Subject: sasl\n\nhello\n');
  const { agent, sink } = await startAgent(t, {
    ...sasl,
    smtp_sasl_password_maps: `texthash:${passwordFile(tempDir(t), ours)}`,
  });
  for (const c of ours) {
    await agent.deliver(
      makeRequest({ nexthop: `[127.0.0.1]:${c.server.port}`, sender: '', recipients: [`x@${c.name}.test`] }),
    );
  }
  for (const c of ours) {
    const key = `to=<x@${c.name}.test>`;
    const theirLine = (await pf.waitForLog(new RegExp(`postfix/smtp\\[\\d+\\]: \\w+: ${key}`))).replace(
      /^.*?postfix\/smtp\[\d+\]: /,
      '',
    );
    const ourLine = sink.records.map((r) => r.text).find((l) => l.includes(key)) ?? '';
    assert.equal(norm(ourLine), norm(theirLine), c.name);
  }
  assert.equal(theirs[0]!.server.messages[0]?.authUser, AUTH.user);
});
