/**
 * local delivery through aliases(5), .forward and :include: — addresses,
 * /files, |commands, owner- lists, luser_relay, loops — with the status
 * line of each destination, as Postfix's local(8) logs them.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeRequest, normalise, statusLines } from '../smtp/smtp_fixtures.ts';
import { makeWorld, startLocal, USERS } from './local_fixtures.ts';

const skip = process.getuid?.() === 0 ? undefined : 'delivering as other users needs root';

function setup(t: Parameters<typeof makeWorld>[0]) {
  const world = makeWorld(t);
  const pub = join(world.dir, 'pub');
  mkdirSync(pub);
  chmodSync(pub, 0o777);
  const list = join(world.dir, 'list.txt');
  writeFileSync(list, '# the list\nalice\ncarol@example.test\n');
  const aliases = join(world.dir, 'aliases');
  writeFileSync(
    aliases,
    [
      // texthash takes postmap(1) syntax: key, white space, value.
      'postmaster alice',
      'team alice, bob',
      `archive ${pub}/archive.mbox`,
      `pipe "|/bin/cat > ${pub}/pipe.out"`,
      'remote someone@elsewhere.test, alice',
      `list :include:${list}`,
      'owner-list bob',
      `fail75 "|/bin/sh -c 'exit 75'"`,
      'fail1 "|echo oops; exit 1"',
      '',
    ].join('\n'),
  );
  return { world, pub, aliases };
}

const deliver = (agent: Awaited<ReturnType<typeof startLocal>>['agent'], rcpt: string, content?: string) =>
  agent.deliver(
    makeRequest({ nexthop: 'example.test', transport: 'local', recipients: [rcpt], ...(content ? { content } : {}) }),
  );

test('local expands an alias to several mailboxes: one line per mailbox, orig_to the alias', { skip }, async (t) => {
  const { world, aliases } = setup(t);
  const { agent, sink } = await startLocal(t, world, { alias_maps: `texthash:${aliases}` });
  const out = await deliver(agent, 'team@example.test');
  assert.equal(out.statuses.length, 1);
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<alice@example.test>, orig_to=<team@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
    'A1B2C3D4E5: to=<bob@example.test>, orig_to=<team@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
  ]);
  assert.match(readFileSync(join(world.spool, 'bob'), 'utf8'), /Delivered-To: team@example\.test\n/);
});

test('local delivers an alias to a file and to a command as default_privs', { skip }, async (t) => {
  const { world, pub, aliases } = setup(t);
  const { agent, sink } = await startLocal(t, world, { alias_maps: `texthash:${aliases}` });
  await deliver(agent, 'archive@example.test');
  await deliver(agent, 'pipe@example.test');
  assert.deepEqual(statusLines(sink).map(normalise), [
    `A1B2C3D4E5: to=<archive@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to file: ${pub}/archive.mbox)`,
    `A1B2C3D4E5: to=<pipe@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to command: /bin/cat > ${pub}/pipe.out)`,
  ]);
  const { statSync } = await import('node:fs');
  assert.equal(statSync(join(pub, 'archive.mbox')).uid, 65534);
  assert.equal(statSync(join(pub, 'pipe.out')).uid, 65534);
  assert.match(
    readFileSync(join(pub, 'pipe.out'), 'utf8'),
    /^From sender@example\.org .*\nReturn-Path: <sender@example\.org>\nX-Original-To: pipe@example\.test\nDelivered-To: pipe@example\.test\nFrom: sender@example\.org/,
  );
});

test('local reports a command exit status: 75 defers, 1 bounces with the output', { skip }, async (t) => {
  const { world, aliases } = setup(t);
  const { agent, sink } = await startLocal(t, world, { alias_maps: `texthash:${aliases}` });
  const a = await deliver(agent, 'fail75@example.test');
  const b = await deliver(agent, 'fail1@example.test');
  assert.equal(a.statuses[0]!.status, 'deferred');
  assert.equal(b.statuses[0]!.status, 'bounced');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<fail75@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=4.3.0, status=deferred (temporary failure)',
    'A1B2C3D4E5: to=<fail1@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=5.3.0, status=bounced (Command died with status 1: "echo oops; exit 1". Command output: oops )',
  ]);
});

test('local forwards an alias to a remote address through cleanup: forwarded as NEWID', { skip }, async (t) => {
  const { world, aliases } = setup(t);
  const { agent, sink, cleanup } = await startLocal(t, world, { alias_maps: `texthash:${aliases}` });
  await deliver(agent, 'remote@example.test');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<alice@example.test>, orig_to=<remote@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
    'A1B2C3D4E5: to=<remote@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (forwarded as F0RWARD1)',
  ]);
  assert.equal(cleanup.submitted.length, 1);
  const sub = cleanup.submitted[0]!;
  assert.deepEqual(
    sub.request.recipients.map((r) => r.address),
    ['someone@elsewhere.test'],
  );
  assert.equal(sub.request.sender, 'sender@example.org');
  assert.match(
    sub.content,
    /^Received: by mx\.example\.test \(affix\)\n\tid F0RWARD1; .+\nDelivered-To: remote@example\.test\nFrom: sender@example\.org\n/,
  );
});

test('local re-queues the members of an :include: list, with the owner- alias as the sender', { skip }, async (t) => {
  const { world, aliases } = setup(t);
  const { agent, sink, cleanup } = await startLocal(t, world, { alias_maps: `texthash:${aliases}` });
  await deliver(agent, 'list@example.test');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<list@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (forwarded as F0RWARD1)',
  ]);
  const sub = cleanup.submitted[0]!;
  assert.equal(sub.request.sender, 'owner-list@example.test');
  assert.deepEqual(
    sub.request.recipients.map((r) => r.address),
    ['alice@example.test', 'carol@example.test'],
  );
});

test('local follows ~/.forward: \\user keeps a copy, other addresses get one', { skip }, async (t) => {
  const { world } = setup(t);
  const fwd = join(world.home('bob'), '.forward');
  writeFileSync(fwd, '\\bob, carol\n');
  chownSync(fwd, USERS.bob, USERS.bob);
  const { agent, sink } = await startLocal(t, world);
  await deliver(agent, 'bob@example.test');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<bob@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
    'A1B2C3D4E5: to=<carol@example.test>, orig_to=<bob@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=2.0.0, status=sent (delivered to mailbox)',
  ]);
});

test('local refuses a |command in .forward when allow_mail_to_commands excludes forward', { skip }, async (t) => {
  const { world } = setup(t);
  const fwd = join(world.home('alice'), '.forward');
  writeFileSync(fwd, '"|/bin/true"\n');
  chownSync(fwd, USERS.alice, USERS.alice);
  const { agent, sink } = await startLocal(t, world, { allow_mail_to_commands: 'alias' });
  const out = await deliver(agent, 'alice@example.test');
  assert.equal(out.statuses[0]!.status, 'bounced');
  assert.match(
    statusLines(sink)[0]!,
    /to=<alice@example\.test>, .*dsn=5\.7\.1, status=bounced \(mail to command is restricted\)$/,
  );
});

test('local sends unknown users to luser_relay', { skip }, async (t) => {
  const { world } = setup(t);
  const { agent, sink, cleanup } = await startLocal(t, world, { luser_relay: 'catchall+$user@elsewhere.test' });
  await deliver(agent, 'ghost@example.test');
  assert.match(
    statusLines(sink)[0]!,
    /to=<ghost@example\.test>, relay=local, .*status=sent \(forwarded as F0RWARD1\)$/,
  );
  assert.deepEqual(
    cleanup.submitted[0]!.request.recipients.map((r) => r.address),
    ['catchall+ghost@elsewhere.test'],
  );
});

test('local bounces mail that already has Delivered-To: the recipient (forwarding loop)', { skip }, async (t) => {
  const { world } = setup(t);
  const { agent, sink } = await startLocal(t, world);
  await deliver(agent, 'alice@example.test', 'Delivered-To: Alice@example.test\nSubject: loop\n\nbody\n');
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<alice@example.test>, relay=local, delay=D, delays=D/D/D/D, dsn=5.4.6, status=bounced (mail forwarding loop for alice@example.test)',
  ]);
});

test('local runs mailbox_command as the user with $HOME and the recipient in the environment', { skip }, async (t) => {
  const { world } = setup(t);
  const { agent, sink } = await startLocal(t, world, {
    mailbox_command: 'cat > "$HOME/mc.out"; echo "$USER $RECIPIENT" >> "$HOME/mc.out"',
  });
  await deliver(agent, 'carol@example.test');
  assert.match(
    statusLines(sink)[0]!,
    /status=sent \(delivered to command: cat > "\$HOME\/mc\.out"; echo "\$USER \$RECIPIENT" >> "\$HOME\/mc\.out"\)$/,
  );
  const out = readFileSync(join(world.home('carol'), 'mc.out'), 'utf8');
  assert.match(out, /Delivered-To: carol@example\.test\n/);
  assert.match(out, /carol carol@example\.test\n$/);
});
