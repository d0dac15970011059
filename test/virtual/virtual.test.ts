/**
 * virtual delivery: Maildir and mbox mailboxes under virtual_mailbox_base
 * written as the table's uid/gid, unknown users, virtual_mailbox_limit,
 * bad uids, affix's per-mailbox quota; the Maildir read back by Dovecot;
 * and the same deliveries made by Postfix 3.7's virtual(8), line by line.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { createVirtualAgent } from '../../src/virtual/virtual.ts';
import { dovecotLmtpSkipReason, startDovecotLmtp } from '../peers/dovecot_lmtp.ts';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { configDir, tempDir } from '../peers/tmpdir.ts';
import { mainCfText, makeRequest, normalise, statusLines } from '../smtp/smtp_fixtures.ts';

const skip = process.getuid?.() === 0 ? undefined : 'writing mailboxes as other users needs root';
const VUID = 5010;

function world(t: TestContext) {
  const dir = tempDir(t, 'affix-virtual-');
  chmodSync(dir, 0o755);
  const base = join(dir, 'vhosts');
  mkdirSync(join(base, 'virt.test'), { recursive: true });
  chmodSync(base, 0o755);
  chownSync(join(base, 'virt.test'), VUID, VUID);
  const mailboxes = join(dir, 'vmailbox');
  writeFileSync(
    mailboxes,
    [
      'alice@virt.test virt.test/alice/',
      'bob@virt.test virt.test/bob',
      'big@virt.test virt.test/big',
      'full@virt.test virt.test/full/',
      'low@virt.test virt.test/low',
      '',
    ].join('\n'),
  );
  const uids = join(dir, 'vuid');
  writeFileSync(
    uids,
    `alice@virt.test ${VUID}\nbob@virt.test ${VUID}\nbig@virt.test ${VUID}\nfull@virt.test ${VUID}\nlow@virt.test 42\n`,
  );
  const quotas = join(dir, 'vquota');
  writeFileSync(quotas, 'full@virt.test 1k\n');
  const settings = {
    virtual_mailbox_base: base,
    virtual_mailbox_maps: `texthash:${mailboxes}`,
    virtual_uid_maps: `texthash:${uids}`,
    virtual_gid_maps: `static:${VUID}`,
  };
  return { dir, base, settings, quotas };
}

async function startVirtual(t: TestContext, settings: Record<string, string>) {
  const config = await readConfig(
    configDir(
      t,
      mainCfText({
        compatibility_level: '3.6',
        myhostname: 'mx.example.test',
        virtual_mailbox_domains: 'virt.test',
        ...settings,
      }),
    ),
  );
  const sink = new MemorySink();
  const agent = await createVirtualAgent({ config, log: createLog({ program: 'virtual', sink, pid: 4444 }) });
  t.after(() => agent.close());
  return { agent, sink };
}

const CONTENT = 'From: sender@example.org\nSubject: virtual\n\nFrom a virtual test\n';
const to = (address: string, content = CONTENT) =>
  makeRequest({ nexthop: 'virt.test', transport: 'virtual', recipients: [address], content });

test('virtual delivers to Maildir and mbox mailboxes as the virtual uid, and bounces unknown users', {
  skip,
}, async (t) => {
  const w = world(t);
  const { agent, sink } = await startVirtual(t, w.settings);
  await agent.deliver(to('alice@virt.test'));
  await agent.deliver(to('bob@virt.test'));
  const out = await agent.deliver(to('zed@virt.test'));
  assert.equal(out.statuses[0]!.status, 'bounced');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<alice@virt.test>, relay=virtual, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to maildir)',
    'A1B2C3D4E5: to=<bob@virt.test>, relay=virtual, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
    'A1B2C3D4E5: to=<zed@virt.test>, relay=virtual, delay=D, delays=D/D/D/D, dsn=5.1.1, status=bounced (unknown user: "zed@virt.test")',
  ]);
  const newDir = join(w.base, 'virt.test', 'alice', 'new');
  const [file] = readdirSync(newDir);
  assert.equal(statSync(join(newDir, file!)).uid, VUID);
  assert.match(
    readFileSync(join(newDir, file!), 'utf8'),
    /^Return-Path: <sender@example\.org>\nX-Original-To: alice@virt\.test\nDelivered-To: alice@virt\.test\nFrom: sender/,
  );
  const mbox = join(w.base, 'virt.test', 'bob');
  assert.equal(statSync(mbox).uid, VUID);
  assert.match(readFileSync(mbox, 'utf8'), /^From sender@example\.org {2}.*\n(?:.*\n)*\n>From a virtual test\n\n$/);
});

test('virtual bounces with 5.2.2 past virtual_mailbox_limit, and defers a uid below virtual_minimum_uid', {
  skip,
}, async (t) => {
  const w = world(t);
  const { agent, sink } = await startVirtual(t, {
    ...w.settings,
    virtual_mailbox_limit: '1000',
    message_size_limit: '900',
  });
  const big = await agent.deliver(to('big@virt.test', `Subject: big\n\n${'z'.repeat(700)}\n`));
  await agent.deliver(to('big@virt.test', `Subject: big\n\n${'z'.repeat(700)}\n`));
  const low = await agent.deliver(to('low@virt.test'));
  assert.equal(big.statuses[0]!.status, 'sent');
  assert.equal(low.statuses[0]!.status, 'deferred');
  const mbox = join(w.base, 'virt.test', 'big');
  assert.deepEqual(statusLines(sink).slice(1).map(normalise), [
    `A1B2C3D4E5: to=<big@virt.test>, relay=virtual, delay=D, delays=D/D/D/D, dsn=5.2.2, status=bounced (delivery failed to mailbox ${mbox}: error writing message: File too large)`,
    'A1B2C3D4E5: to=<low@virt.test>, relay=virtual, delay=D, delays=D/D/D/D, dsn=4.3.5, status=deferred (mail system configuration error)',
  ]);
  assert.ok(
    sink.records.some(
      (r) => r.level === 'warning' && r.text === 'recipient low@virt.test: bad uid 42 in virtual_uid_maps',
    ),
  );
});

test('virtual_mailbox_quota_maps (affix): a message past the quota bounces with 5.2.2 naming mailbox and quota', {
  skip,
}, async (t) => {
  const w = world(t);
  const { agent, sink } = await startVirtual(t, { ...w.settings, virtual_mailbox_quota_maps: `texthash:${w.quotas}` });
  const first = await agent.deliver(to('full@virt.test', `Subject: one\n\n${'q'.repeat(600)}\n`));
  const second = await agent.deliver(to('full@virt.test', `Subject: two\n\n${'q'.repeat(600)}\n`));
  assert.equal(first.statuses[0]!.status, 'sent');
  assert.equal(second.statuses[0]!.status, 'bounced');
  assert.equal(second.statuses[0]!.dsn, '5.2.2');
  const path = join(w.base, 'virt.test', 'full/');
  assert.match(
    statusLines(sink)[1]!,
    new RegExp(
      `dsn=5\\.2\\.2, status=bounced \\(delivery failed to mailbox ${path.replace(/[.]/g, '\\.')}: mailbox is full \\(quota 1024 bytes, \\d+ bytes used, message \\d+ bytes\\)\\)$`,
    ),
  );
});

test('Dovecot reads the Maildir virtual wrote', { skip: skip ?? dovecotLmtpSkipReason() }, async (t) => {
  const w = world(t);
  const dc = await startDovecotLmtp(t, { users: ['alice'], uid: VUID, gid: VUID });
  const { agent } = await startVirtual(t, w.settings);
  await agent.deliver(to('alice@virt.test'));
  const texts = dc.fetch('alice', `maildir:${join(w.base, 'virt.test', 'alice')}`);
  assert.equal(texts.length, 1);
  assert.match(texts[0]!, /Subject: virtual\n\nFrom a virtual test$/);
});

test('affix virtual logs what Postfix virtual logs for the same mailboxes', {
  skip: skip ?? postfixSkipReason(),
  timeout: 120_000,
}, async (t) => {
  const ours = world(t);
  const theirs = world(t);
  const pf = await startPostfix(t, {
    main: {
      ...theirs.settings,
      virtual_mailbox_domains: 'virt.test',
    },
  });
  const rcpts = ['alice@virt.test', 'bob@virt.test', 'zed@virt.test', 'low@virt.test'];
  await submit(pf.smtpdPort, '', ['alice@virt.test', 'bob@virt.test', 'low@virt.test'], CONTENT);
  const { agent, sink } = await startVirtual(t, ours.settings);
  for (const r of rcpts) await agent.deliver(to(r));
  const norm = (s: string, base: string) =>
    normalise(s)
      .replace(/^\w+: /, 'ID: ')
      .split(base)
      .join('BASE');
  for (const r of ['alice@virt.test', 'bob@virt.test', 'low@virt.test']) {
    const line = (await pf.waitForLog(new RegExp(`postfix/virtual\\[\\d+\\]: \\w+: to=<${r}>`))).replace(
      /^.*?postfix\/virtual\[\d+\]: /,
      '',
    );
    const mine = statusLines(sink).find((l) => l.includes(`to=<${r}>`)) ?? '';
    assert.equal(norm(mine, ours.base), norm(line, theirs.base), r);
  }
  assert.ok(pf.log().includes('warning: recipient low@virt.test: bad uid 42 in virtual_uid_maps'), pf.log());
  assert.ok(sink.records.some((r) => r.text === 'recipient low@virt.test: bad uid 42 in virtual_uid_maps'));
});
