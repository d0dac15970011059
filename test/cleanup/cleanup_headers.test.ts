/**
 * cleanup's header processing: the message-id line, missing headers for
 * local mail (and always_add_missing_headers), Resent- headers, the local
 * Received: header, header address rewriting, the hop count, and line ends.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import type { CleanupResult } from '../../src/cleanup/cleanup_service.ts';
import { MailError } from '../../src/global/reply.ts';
import { harness } from '../qmgr/harness.ts';

process.env.TZ = 'UTC';

async function stored(
  h: Awaited<ReturnType<typeof harness>>,
  r: CleanupResult,
  queue: 'incoming' | 'hold' = 'incoming',
) {
  return text(h.store.content(await h.store.read(queue, r.queueId)));
}

const LOCAL = { origin: 'pickup', client: null, logContext: 'local', uid: 1000 } as const;

test('cleanup logs the Message-Id of mail from the network and adds no header to it', async (t) => {
  const h = await harness(t);
  const a = await h.submit({}, 'Message-Id: <abc@client.example.org>\nSubject: x\n\nbody\n');
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${a.queueId}: message-id=<abc@client.example.org>`));
  const b = await h.submit({}, 'Subject: no id\n\nbody\n');
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${b.queueId}: message-id=<>`));
  assert.equal(await stored(h, b), 'Subject: no id\n\nbody\n');
});

test('cleanup gives local mail its Received: header and the missing Message-Id, Date and From', async (t) => {
  const h = await harness(t);
  const r = await h.submit({ ...LOCAL, sender: 'dave', fullName: 'Dave Smith' }, 'Subject: hello\n\nbody\n');
  const id = r.queueId;
  assert.equal(
    await stored(h, r),
    [
      `Received: by mx.example.test (${h.config.params.mail_name}, from userid 1000)`,
      `\tid ${id}; Sun, 29 Nov 2026 09:00:00 +0000 (UTC)`,
      'Subject: hello',
      `Message-Id: <20261129090000.${id}@mx.example.test>`,
      'Date: Sun, 29 Nov 2026 09:00:00 +0000 (UTC)',
      'From: Dave Smith <dave@example.test>',
      '',
      'body',
      '',
    ].join('\n'),
  );
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${id}: message-id=<20261129090000.${id}@mx.example.test>`));
  assert.equal((await h.store.read('incoming', id)).envelope.sender, 'dave@example.test');
});

test('cleanup adds missing headers to network mail with always_add_missing_headers, MAILER-DAEMON for the null sender', async (t) => {
  const h = await harness(t, ['always_add_missing_headers = yes', 'enable_long_queue_ids = yes']);
  const r = await h.submit({ sender: '' }, 'Subject: bounce\n\nbody\n');
  const content = await stored(h, r);
  assert.match(
    content,
    new RegExp(
      `^Subject: bounce\\nMessage-Id: <${r.queueId}@mx\\.example\\.test>\\nDate: .+\\nFrom: MAILER-DAEMON\\n\\n`,
    ),
  );
});

test('cleanup adds Resent- headers when the message has Resent- headers, and logs resent-message-id', async (t) => {
  const h = await harness(t);
  const r = await h.submit(
    { ...LOCAL, sender: 'dave@example.test' },
    'From: orig@example.org\nMessage-Id: <orig@example.org>\nResent-From: dave@example.test\nSubject: fwd\n\nbody\n',
  );
  const content = await stored(h, r);
  assert.match(
    content,
    new RegExp(`\\nResent-Message-Id: <\\d{14}\\.${r.queueId}@mx\\.example\\.test>\\nResent-Date: `),
  );
  assert.doesNotMatch(content, /\nResent-From: .*\nResent-From:/s);
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${r.queueId}: message-id=<orig@example.org>`));
  assert.ok(h.lines().some((l) => l.startsWith(`postfix/cleanup[100]: ${r.queueId}: resent-message-id=<`)));
});

test('cleanup completes header addresses of local mail and leaves those of remote mail alone', async (t) => {
  const h = await harness(t);
  const local = await h.submit(LOCAL, 'To: joe, "Ann Lee" <ann>\nCc: bob@other.test\nSubject: x\n\nbody\n');
  assert.match(await stored(h, local), /\nTo: joe@example\.test, "Ann Lee" <ann@example\.test>\nCc: bob@other\.test\n/);
  const remote = await h.submit({}, 'To: joe\nSubject: x\n\nbody\n');
  assert.match(await stored(h, remote), /^To: joe\n/);
});

test('cleanup rewrites remote header addresses with remote_header_rewrite_domain', async (t) => {
  const h = await harness(t, ['remote_header_rewrite_domain = domain.invalid']);
  const r = await h.submit({}, 'From: joe\nSubject: x\n\nbody\n');
  assert.match(await stored(h, r), /^From: joe@domain\.invalid\n/);
});

test('cleanup refuses a message over hopcount_limit: 554 5.4.0 Error: too many hops', async (t) => {
  const h = await harness(t, ['hopcount_limit = 5']);
  const received = 'Received: from a by b\n'.repeat(5);
  await assert.rejects(h.submit({}, `${received}Subject: loop\n\nbody\n`), (err: unknown) => {
    assert.ok(err instanceof MailError);
    assert.equal(err.message, '554 5.4.0 Error: too many hops');
    return true;
  });
  assert.ok(
    h.lines().some((l) => /^postfix\/cleanup\[100\]: warning: \w+: message rejected: hopcount exceeded$/.test(l)),
  );
});

test('cleanup stores LF line ends: CRLF becomes LF, a stray CR a blank, a last line without end gets one', async (t) => {
  const h = await harness(t);
  const r = await h.submit({}, 'Subject: crlf\r\nX-Odd: a\rb\r\n\r\nline one\r\nno end');
  assert.equal(await stored(h, r), 'Subject: crlf\nX-Odd: a b\n\nline one\nno end\n');
  const m = await h.store.read('incoming', r.queueId);
  assert.equal(m.size, Buffer.byteLength('Subject: crlf\nX-Odd: a b\n\nline one\nno end\n'));
});

test('cleanup keeps the bytes of lines it does not change, 8-bit text included', async (t) => {
  const h = await harness(t);
  const body = Buffer.concat([Buffer.from('Subject: latin\n\ncaf'), Buffer.from([0xe9]), Buffer.from('\n')]);
  const r = await h.cleanup.submit(
    { ...baseRequest(h), queueId: h.cleanup.newQueueId() },
    (async function* () {
      yield body;
    })(),
  );
  const file = readFileSync(h.store.pathOf('incoming', r.queueId));
  assert.ok(file.includes(body), 'the 0xE9 byte is stored as it came');
});

function baseRequest(h: Awaited<ReturnType<typeof harness>>) {
  return {
    queueId: h.cleanup.newQueueId(),
    sender: 'sender@example.org',
    recipients: [{ address: 'user@remote.test', orcpt: null, notify: 0 }],
    client: null,
    origin: 'smtpd' as const,
    envid: null,
    ret: null,
    smtputf8: false,
    body8bit: true,
    fullName: '',
    actions: {},
    logContext: 'client.example.org[127.0.0.5]',
  };
}
