/**
 * local delivery to mailboxes: mbox in mail_spool_directory (From_ line,
 * >From quoting, delivery headers, blank line, dot lock, ownership, size
 * limit), Maildir via home_mailbox, unknown users and extensions — each
 * write made as the recipient.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeRequest, normalise, statusLines } from '../smtp/smtp_fixtures.ts';
import { makeWorld, startLocal, USERS } from './local_fixtures.ts';

const skip = process.getuid?.() === 0 ? undefined : 'delivering as other users needs root';

const CONTENT = 'From: sender@example.org\nSubject: hi\n\nFrom the start\n>From quoted\nlast line';

test('local appends to the mbox in mail_spool_directory as the user: From_, headers, >From, blank line', {
  skip,
}, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world);
  const out = await agent.deliver(
    makeRequest({
      nexthop: 'example.test',
      transport: 'local',
      recipients: [{ address: 'alice@example.test', original: 'Alice@Example.test' }],
      content: CONTENT,
    }),
  );
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<alice@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
  ]);
  const mbox = join(world.spool, 'alice');
  const st = statSync(mbox);
  assert.equal(st.uid, USERS.alice);
  assert.equal(st.mode & 0o777, 0o600);
  const text = readFileSync(mbox, 'utf8');
  assert.match(text, /^From sender@example\.org {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n/);
  assert.equal(
    text.replace(/^From .*\n/, ''),
    'Return-Path: <sender@example.org>\nX-Original-To: Alice@Example.test\nDelivered-To: alice@example.test\n' +
      'From: sender@example.org\nSubject: hi\n\n>From the start\n>From quoted\nlast line\n\n',
  );
  assert.ok(!existsSync(`${mbox}.lock`), 'the dot lock is removed');
});

test('local delivers to a Maildir with home_mailbox = Maildir/, with Postfix file names', { skip }, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world, { home_mailbox: 'Maildir/' });
  await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['bob@example.test'], content: CONTENT }),
  );
  assert.match(statusLines(sink)[0]!, /status=sent \(delivered to maildir\)$/);
  const md = join(world.home('bob'), 'Maildir');
  const files = readdirSync(join(md, 'new'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^\d+\.V[0-9a-f]+I[0-9a-f]+M\d+\.[^.]+/);
  assert.deepEqual(readdirSync(join(md, 'tmp')), []);
  assert.equal(statSync(join(md, 'new', files[0]!)).uid, USERS.bob);
  assert.equal(
    readFileSync(join(md, 'new', files[0]!), 'utf8'),
    'Return-Path: <sender@example.org>\nX-Original-To: bob@example.test\nDelivered-To: bob@example.test\n' +
      'From: sender@example.org\nSubject: hi\n\nFrom the start\n>From quoted\nlast line\n',
  );
});

test('local bounces an unknown user with 5.1.1 unknown user: "name"', { skip }, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world);
  const out = await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['nosuchuser@example.test'] }),
  );
  assert.equal(out.statuses[0]!.status, 'bounced');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<nosuchuser@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=5.1.1, status=bounced (unknown user: "nosuchuser")',
  ]);
});

test('local delivers user+ext to the user mailbox with recipient_delimiter = +', { skip }, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world, { recipient_delimiter: '+' });
  await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['carol+lists@example.test'] }),
  );
  assert.match(
    statusLines(sink)[0]!,
    /to=<carol\+lists@example\.test>, relay=local, .*status=sent \(delivered to mailbox\)$/,
  );
  assert.match(readFileSync(join(world.spool, 'carol'), 'utf8'), /Delivered-To: carol\+lists@example\.test\n/);
});

test('local bounces with 5.2.2 File too large past mailbox_size_limit and leaves the mailbox as it was', {
  skip,
}, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world, { mailbox_size_limit: '1500', message_size_limit: '1000' });
  const mbox = join(world.spool, 'alice');
  await agent.deliver(
    makeRequest({
      nexthop: 'example.test',
      transport: 'local',
      recipients: ['alice@example.test'],
      content: `Subject: a\n\n${'x'.repeat(700)}\n`,
    }),
  );
  const before = readFileSync(mbox);
  const out = await agent.deliver(
    makeRequest({
      nexthop: 'example.test',
      transport: 'local',
      recipients: ['alice@example.test'],
      content: `Subject: b\n\n${'y'.repeat(900)}\n`,
    }),
  );
  assert.equal(out.statuses[0]!.status, 'bounced');
  assert.equal(out.statuses[0]!.dsn, '5.2.2');
  assert.equal(
    normalise(statusLines(sink)[1]!),
    `A1B2C3D4E5: to=<alice@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=5.2.2, status=bounced (cannot update mailbox ${mbox} for user alice. error writing message: File too large)`,
  );
  assert.deepEqual(readFileSync(mbox), before);
});

test('local refuses to start when mailbox_size_limit is smaller than message_size_limit', { skip }, async (t) => {
  const world = makeWorld(t);
  await assert.rejects(
    startLocal(t, world, { mailbox_size_limit: '1000', message_size_limit: '2000' }),
    /configuration error: mailbox_size_limit is smaller than message_size_limit/,
  );
});

test('local defers a mailbox owned by someone else (strict_mailbox_ownership)', { skip }, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world);
  const mbox = join(world.spool, 'alice');
  writeFileSync(mbox, '');
  chmodSync(mbox, 0o666);
  const out = await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['alice@example.test'] }),
  );
  assert.equal(out.statuses[0]!.status, 'deferred');
  assert.equal(
    normalise(statusLines(sink)[0]!),
    `A1B2C3D4E5: to=<alice@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=4.2.0, status=deferred (cannot update mailbox ${mbox} for user alice. destination ${mbox} is not owned by recipient)`,
  );
  assert.ok(
    sink.records.some((r) => r.text === 'specify "strict_mailbox_ownership = no" to ignore mailbox ownership mismatch'),
  );
});

test('local defers while another process holds the dot lock', { skip }, async (t) => {
  const world = makeWorld(t);
  const { agent, sink } = await startLocal(t, world, { deliver_lock_attempts: '2', deliver_lock_delay: '1s' });
  writeFileSync(join(world.spool, 'alice.lock'), '');
  const out = await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['alice@example.test'] }),
  );
  assert.equal(out.statuses[0]!.status, 'deferred');
  assert.match(
    statusLines(sink)[0]!,
    /dsn=4\.2\.0, status=deferred \(cannot update mailbox .*\/alice for user alice\. unable to create lock file .*\/alice\.lock: File exists\)$/,
  );
});

test('local hands the recipient to mailbox_transport through the pass function', { skip }, async (t) => {
  const world = makeWorld(t);
  const passed: { transport: string; nexthop: string; rcpts: string[] }[] = [];
  const { agent } = await startLocal(
    t,
    world,
    { mailbox_transport: 'lmtp:unix:/run/dovecot/lmtp' },
    {
      pass: async (transport, nexthop, request) => {
        passed.push({ transport, nexthop, rcpts: request.recipients.map((r) => r.address) });
        return {
          statuses: request.recipients.map((r) => ({
            recipient: r,
            status: 'sent' as const,
            dsn: '2.0.0',
            reason: '250 2.0.0 Saved',
            relay: 'lmtp',
            remoteMta: '',
            diagnostic: '',
            action: 'delivered' as const,
          })),
          siteFailure: false,
        };
      },
    },
  );
  const out = await agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['alice@example.test'] }),
  );
  assert.deepEqual(passed, [{ transport: 'lmtp', nexthop: 'unix:/run/dovecot/lmtp', rcpts: ['alice@example.test'] }]);
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.equal(out.statuses[0]!.reason, '250 2.0.0 Saved');
});
