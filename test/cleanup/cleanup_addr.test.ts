/**
 * cleanup's envelope address processing: canonical mapping of sender and
 * recipients, masquerading, virtual alias expansion with address
 * extensions, its loop and size limits, and duplicate recipients.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MailError } from '../../src/global/reply.ts';
import { harness } from '../qmgr/harness.ts';

const rcpt = (...addresses: string[]) => addresses.map((address) => ({ address, orcpt: null, notify: 0 }));

async function envelope(h: Awaited<ReturnType<typeof harness>>, over: Parameters<typeof h.submit>[0]) {
  const r = await h.submit(over);
  return h.store.read('incoming', r.queueId);
}

test('canonical_maps, sender_canonical_maps and recipient_canonical_maps rewrite the envelope; orig_to keeps the address given', async (t) => {
  const h = await harness(t, [
    'sender_canonical_maps = inline:{ sender@example.org=Sender.Name@example.org }',
    'recipient_canonical_maps = inline:{ old@remote.test=new@remote.test }',
    'canonical_maps = inline:{ @legacy.test=@modern.test }',
  ]);
  const m = await envelope(h, { recipients: rcpt('old@remote.test', 'joe@legacy.test') });
  assert.equal(m.envelope.sender, 'Sender.Name@example.org');
  assert.deepEqual(
    m.recipients.map((r) => [r.recipient.address, r.recipient.original, r.recipient.orcpt]),
    [
      ['new@remote.test', 'old@remote.test', 'rfc822;new@remote.test'],
      ['joe@modern.test', 'joe@legacy.test', 'rfc822;joe@modern.test'],
    ],
  );
});

test('masquerade_domains strips subdomains of the sender, and masquerade_exceptions keeps root', async (t) => {
  const h = await harness(t, ['masquerade_domains = example.org', 'masquerade_exceptions = root']);
  assert.equal((await envelope(h, { sender: 'joe@host.sub.example.org' })).envelope.sender, 'joe@example.org');
  assert.equal((await envelope(h, { sender: 'root@host.example.org' })).envelope.sender, 'root@host.example.org');
  // Recipients are not masqueraded by default (masquerade_classes).
  const m = await envelope(h, { recipients: rcpt('user@host.example.org') });
  assert.equal(m.recipients[0]!.recipient.address, 'user@host.example.org');
});

test('virtual_alias_maps expands a recipient to several, propagating the address extension', async (t) => {
  const h = await harness(t, [
    'recipient_delimiter = +',
    'virtual_alias_maps = inline:{ {list@example.test = a@remote.test, b@remote.test}, user@example.test=real@dest.test }',
  ]);
  const m = await envelope(h, { recipients: rcpt('list@example.test', 'user+tag@example.test') });
  assert.deepEqual(
    m.recipients.map((r) => [r.recipient.address, r.recipient.original]),
    [
      ['a@remote.test', 'list@example.test'],
      ['b@remote.test', 'list@example.test'],
      ['real+tag@dest.test', 'user+tag@example.test'],
    ],
  );
});

test('virtual alias expansion stops at an address in its own expansion', async (t) => {
  const h = await harness(t, [
    'virtual_alias_maps = inline:{ {self@example.test = self@example.test, copy@remote.test} }',
  ]);
  const m = await envelope(h, { recipients: rcpt('self@example.test') });
  assert.deepEqual(
    m.recipients.map((r) => r.recipient.address),
    ['self@example.test', 'copy@remote.test'],
  );
});

test('an alias loop or an oversized expansion refuses the message: 451 4.6.0 Alias expansion error', async (t) => {
  const h = await harness(t, [
    'virtual_alias_recursion_limit = 5',
    'virtual_alias_expansion_limit = 3',
    'virtual_alias_maps = inline:{ a@loop.test=b@loop.test, b@loop.test=a@loop.test, {big@example.test = 1@x.test, 2@x.test, 3@x.test, 4@x.test} }',
  ]);
  const refused = (err: unknown) => err instanceof MailError && err.message === '451 4.6.0 Alias expansion error';
  await assert.rejects(h.submit({ recipients: rcpt('a@loop.test') }), refused);
  assert.ok(
    h
      .lines()
      .some((l) =>
        /^postfix\/cleanup\[100\]: warning: \w+: unreasonable virtual_alias_maps map nesting for a@loop\.test -- message not accepted, try again later$/.test(
          l,
        ),
      ),
  );
  await assert.rejects(h.submit({ recipients: rcpt('big@example.test') }), refused);
  assert.ok(
    h.lines().some((l) => l.includes('unreasonable virtual_alias_maps map expansion size for big@example.test')),
  );
});

test('cleanup drops duplicate recipients, and the null sender stays null while MAILER-DAEMON@$myorigin becomes null', async (t) => {
  const h = await harness(t);
  const m = await envelope(h, { recipients: rcpt('user@remote.test', 'user@remote.test', 'other@remote.test') });
  assert.deepEqual(
    m.recipients.map((r) => r.recipient.address),
    ['user@remote.test', 'other@remote.test'],
  );
  assert.equal((await envelope(h, { sender: '' })).envelope.sender, '');
  assert.equal((await envelope(h, { sender: 'MAILER-DAEMON@example.test' })).envelope.sender, '');
});

test('receive_override_options = no_address_mappings turns off canonical and virtual mapping', async (t) => {
  const h = await harness(t, ['virtual_alias_maps = inline:{ user@remote.test=other@remote.test }']);
  const mapped = await envelope(h, {});
  assert.equal(mapped.recipients[0]!.recipient.address, 'other@remote.test');
  const plain = await envelope(h, { receive_override_options: ['no_address_mappings'] });
  assert.equal(plain.recipients[0]!.recipient.address, 'user@remote.test');
});
