/**
 * Mailboxes written by local delivery, read back by the programs users
 * read them with: an mbox by bsd-mailx, a Maildir and an mbox by Dovecot.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dovecotLmtpSkipReason, startDovecotLmtp } from '../peers/dovecot_lmtp.ts';
import { findProgram, missingPrograms } from '../peers/programs.ts';
import { makeRequest } from '../smtp/smtp_fixtures.ts';
import { makeWorld, startLocal, USERS } from './local_fixtures.ts';

const root = process.getuid?.() === 0 ? undefined : 'delivering as other users needs root';

const MESSAGES = [
  'From: one@example.org\nSubject: first\n\nFrom here on\n.\nend of first\n',
  'From: two@example.org\nSubject: second\n\nsecond body without final newline',
];

test('bsd-mailx reads the mbox local wrote: two messages, From_ quoting undone on display', {
  skip: root ?? missingPrograms(['bsd-mailx']),
}, async (t) => {
  const world = makeWorld(t);
  const { agent } = await startLocal(t, world);
  for (const content of MESSAGES) {
    await agent.deliver(
      makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['alice@example.test'], content }),
    );
  }
  const mbox = join(world.spool, 'alice');
  const mailx = findProgram('bsd-mailx')!;
  const show = (n: number) => execFileSync(mailx, ['-N', '-f', mbox], { input: `p ${n}\nx\n`, encoding: 'utf8' });
  const summary = execFileSync(mailx, ['-f', mbox], { input: 'x\n', encoding: 'utf8' });
  assert.match(summary, /2 messages/);
  const first = show(1);
  assert.match(first, /Subject: first/);
  assert.match(first, />From here on\n\.\nend of first/);
  assert.match(show(2), /Subject: second\n(?:.*\n)*?\nsecond body without final newline\n/);
});

test('Dovecot reads the Maildir and the mbox local wrote', { skip: root ?? dovecotLmtpSkipReason() }, async (t) => {
  const world = makeWorld(t);
  const dc = await startDovecotLmtp(t, { users: ['bob'], uid: USERS.bob, gid: USERS.bob });
  const maildirAgent = await startLocal(t, world, { home_mailbox: 'Maildir/' });
  for (const content of MESSAGES) {
    await maildirAgent.agent.deliver(
      makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['bob@example.test'], content }),
    );
  }
  const fromMaildir = dc.fetch('bob', `maildir:${join(world.home('bob'), 'Maildir')}`);
  assert.equal(fromMaildir.length, 2);
  assert.match(
    fromMaildir[0]!,
    /Delivered-To: bob@example\.test\nFrom: one@example\.org\nSubject: first\n\nFrom here on\n\.\nend of first$/,
  );
  assert.match(fromMaildir[1]!, /second body without final newline$/);

  const mboxAgent = await startLocal(t, world);
  for (const content of MESSAGES) {
    await mboxAgent.agent.deliver(
      makeRequest({ nexthop: 'example.test', transport: 'local', recipients: ['bob@example.test'], content }),
    );
  }
  const index = join(world.dir, 'dovecot-index');
  mkdirSync(index);
  chownSync(index, USERS.bob, USERS.bob);
  const fromMbox = dc.fetch('bob', `mbox:${index}:INBOX=${join(world.spool, 'bob')}`);
  assert.equal(fromMbox.length, 2);
  // Dovecot shows mbox "From " quoting as written (mboxo), like most readers.
  assert.match(fromMbox[0]!, /Subject: first\n\n>From here on\n\.\nend of first$/);
  assert.match(fromMbox[1]!, /second body without final newline$/);
});
