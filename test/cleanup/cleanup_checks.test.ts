/**
 * cleanup's header_checks, mime_header_checks and body_checks, with
 * Postfix's log lines and the replies smtpd sends for them; the access
 * actions smtpd passes; message_size_limit; write errors and the
 * free-space check.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { CleanupServer } from '../../src/cleanup/cleanup_api.ts';
import { MailError } from '../../src/global/reply.ts';
import type { QueueStore } from '../../src/queue/queue_store.ts';
import { harness } from '../qmgr/harness.ts';

const CHECKS = [
  '/^Subject: forbidden/ REJECT 5.7.1 forbidden subject',
  '/^Subject: plain reject/ REJECT',
  '/^Subject: later/ REJECT 4.7.1 try again later',
  '/^X-Test: hold/ HOLD held by header check',
  '/^X-Test: discard/ DISCARD',
  '/^X-Test: warn/ WARN just a warning',
  '/^X-Secret:/ IGNORE',
  '/^X-Old: (.*)/ REPLACE X-New: $1',
  '/^X-Tag:/ PREPEND X-Tagged: yes',
  '/^X-Test: redirect/ REDIRECT boss@other.test',
  '/^X-Test: filter/ FILTER scan:[127.0.0.1]:10025',
  '/^Content-Type: application\\/x-evil/ REJECT 5.7.1 no evil attachments',
  '',
].join('\n');

const BODY = ['/^viagra/ REJECT 5.7.1 body spam', '/^drop this line/ IGNORE', ''].join('\n');

async function checked(t: import('node:test').TestContext) {
  return harness(t, ['header_checks = regexp:$DIR/header_checks', 'body_checks = regexp:$DIR/body_checks'], {
    header_checks: CHECKS,
    body_checks: BODY,
  });
}

const CLIENT =
  'from client.example.org[127.0.0.5]; from=<sender@example.org> to=<user@remote.test> proto=ESMTP helo=<client.example.org>';

function refusal(reply: string) {
  return (err: unknown) => {
    assert.ok(err instanceof MailError, String(err));
    assert.equal(err.message, reply);
    return true;
  };
}

test('header_checks REJECT refuses with 550 and the text, logs `reject: header ...`, and leaves no file', async (t) => {
  const h = await checked(t);
  await assert.rejects(h.submit({}, 'Subject: forbidden stuff\n\nbody\n'), refusal('550 5.7.1 forbidden subject'));
  const line = h.lines().find((l) => l.includes(': reject: header'));
  assert.match(line ?? '', /^postfix\/cleanup\[100\]: (\w+): reject: header Subject: forbidden stuff /);
  const id = /: (\w+): reject/.exec(line!)![1]!;
  assert.equal(
    line,
    `postfix/cleanup[100]: ${id}: reject: header Subject: forbidden stuff ${CLIENT}: 5.7.1 forbidden subject`,
  );
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${id}: removed (canceled)`));
  assert.equal(existsSync(h.store.pathOf('incoming', id as never)), false);
  await assert.rejects(h.submit({}, 'Subject: plain reject\n\nbody\n'), refusal('550 5.7.1 message content rejected'));
  await assert.rejects(h.submit({}, 'Subject: later\n\nbody\n'), refusal('451 4.7.1 try again later'));
});

test('header_checks HOLD puts the message in hold and logs `hold: header ...`', async (t) => {
  const h = await checked(t);
  const r = await h.submit({}, 'X-Test: hold\nSubject: x\n\nbody\n');
  assert.equal(r.outcome, 'held');
  assert.ok(existsSync(h.store.pathOf('hold', r.queueId)));
  assert.ok(
    h.lines().includes(`postfix/cleanup[100]: ${r.queueId}: hold: header X-Test: hold ${CLIENT}: held by header check`),
  );
});

test('header_checks DISCARD accepts and drops the message: `discard: header ...`, `removed (discarded)`', async (t) => {
  const h = await checked(t);
  const r = await h.submit({}, 'X-Test: discard\nSubject: forbidden too\n\nbody\n');
  assert.equal(r.outcome, 'discarded');
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${r.queueId}: discard: header X-Test: discard ${CLIENT}`));
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${r.queueId}: removed (discarded)`));
  assert.ok(!h.lines().some((l) => l.includes(`${r.queueId}: reject:`)), 'checks stop after DISCARD');
});

test('header_checks WARN, IGNORE, REPLACE and PREPEND edit the stored headers and log Postfix lines', async (t) => {
  const h = await checked(t);
  const r = await h.submit({}, 'X-Test: warn\nX-Secret: s3cret\nX-Old: value\nX-Tag: t\nSubject: x\n\nbody\n');
  const content = await text(h.store.content(await h.store.read('incoming', r.queueId)));
  assert.equal(content, 'X-Test: warn\nX-New: value\nX-Tagged: yes\nX-Tag: t\nSubject: x\n\nbody\n');
  const id = r.queueId;
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${id}: warning: header X-Test: warn ${CLIENT}: just a warning`));
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${id}: replace: header X-Old: value ${CLIENT}: X-New: value`));
  assert.ok(h.lines().includes(`postfix/cleanup[100]: ${id}: prepend: header X-Tag: t ${CLIENT}: X-Tagged: yes`));
});

test('header_checks REDIRECT and FILTER are kept in the envelope for qmgr', async (t) => {
  const h = await checked(t);
  const r = await h.submit({}, 'X-Test: redirect\n\nbody\n');
  assert.equal((await h.store.read('incoming', r.queueId)).envelope.redirect, 'boss@other.test');
  assert.ok(
    h
      .lines()
      .includes(`postfix/cleanup[100]: ${r.queueId}: redirect: header X-Test: redirect ${CLIENT}: boss@other.test`),
  );
  const f = await h.submit({}, 'X-Test: filter\n\nbody\n');
  assert.equal((await h.store.read('incoming', f.queueId)).envelope.filter, 'scan:[127.0.0.1]:10025');
});

test('mime_header_checks (by default $header_checks) see the headers of MIME parts', async (t) => {
  const h = await checked(t);
  const mime = [
    'Subject: attachment',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XX"',
    '',
    '--XX',
    'Content-Type: text/plain',
    '',
    'hello',
    '--XX',
    'Content-Type: application/x-evil; name=a.exe',
    '',
    'AAAA',
    '--XX--',
    '',
  ].join('\n');
  await assert.rejects(h.submit({}, mime), refusal('550 5.7.1 no evil attachments'));
  assert.ok(h.lines().some((l) => l.includes(': reject: header Content-Type: application/x-evil; name=a.exe from ')));
});

test('body_checks REJECT logs `reject: body ...`; IGNORE drops the line', async (t) => {
  const h = await checked(t);
  await assert.rejects(h.submit({}, 'Subject: x\n\nhello\nviagra cheap\n'), refusal('550 5.7.1 body spam'));
  assert.ok(h.lines().some((l) => l.endsWith(`: reject: body viagra cheap ${CLIENT}: 5.7.1 body spam`)));
  const r = await h.submit({}, 'Subject: x\n\nkeep\ndrop this line\nkeep too\n');
  assert.equal(
    await text(h.store.content(await h.store.read('incoming', r.queueId))),
    'Subject: x\n\nkeep\nkeep too\n',
  );
});

test('a header_checks table that cannot answer refuses with 451 4.3.0 and a map lookup warning', async (t) => {
  const h = await harness(t, ['header_checks = fail:checks']);
  await assert.rejects(h.submit({}, 'Subject: x\n\nbody\n'), refusal('451 4.3.0 Error: queue file write error'));
  assert.ok(
    h
      .lines()
      .some((l) =>
        /^postfix\/cleanup\[100\]: warning: \w+: header_checks map lookup problem -- message not accepted, try again later$/.test(
          l,
        ),
      ),
  );
});

test('smtpd access actions: HOLD queues to hold, DISCARD drops, with no file in incoming', async (t) => {
  const h = await harness(t);
  const held = await h.submit({ actions: { hold: 'test' } });
  assert.equal(held.outcome, 'held');
  assert.ok(existsSync(h.store.pathOf('hold', held.queueId)));
  const dropped = await h.submit({ actions: { discard: 'test' } });
  assert.equal(dropped.outcome, 'discarded');
  assert.equal(existsSync(h.store.pathOf('incoming', dropped.queueId)), false);
});

test('message_size_limit: 552 5.3.4 Error: message file too big, with `queue file size limit exceeded`', async (t) => {
  const h = await harness(t, ['message_size_limit = 100']);
  await assert.rejects(
    h.submit({}, `Subject: big\n\n${'x'.repeat(200)}\n`),
    refusal('552 5.3.4 Error: message file too big'),
  );
  assert.ok(h.lines().some((l) => /^postfix\/cleanup\[100\]: warning: \w+: queue file size limit exceeded$/.test(l)));
  let files = 0;
  for await (const _ of h.store.list('incoming')) files++;
  assert.equal(files, 0);
});

test('a queue write error refuses with 451 4.3.0 Error: queue file write error, never a success', async (t) => {
  const h = await harness(t);
  const broken: QueueStore = Object.create(h.store, {
    create: { value: () => Promise.reject(Object.assign(new Error('No space left on device'), { code: 'ENOSPC' })) },
  });
  const cleanup = new CleanupServer({ ...h.cleanup.context, store: broken });
  await assert.rejects(
    cleanup.submit(
      {
        queueId: h.store.newId(),
        sender: 's@example.org',
        recipients: [{ address: 'u@remote.test', orcpt: null, notify: 0 }],
        client: null,
        origin: 'smtpd',
        envid: null,
        ret: null,
        smtputf8: false,
        body8bit: false,
        fullName: '',
        actions: {},
        logContext: 'unknown[127.0.0.5]',
      },
      (async function* () {
        yield Buffer.from('Subject: x\n\nbody\n');
      })(),
    ),
    refusal('451 4.3.0 Error: queue file write error'),
  );
  assert.ok(
    h.lines().some((l) => /^postfix\/cleanup\[100\]: warning: \w+: write queue file: No space left on device$/.test(l)),
  );
});

test('the free-space check smtpd makes at MAIL: 452 4.3.1 Insufficient system storage below queue_minfree', async (t) => {
  const h = await harness(t, ['queue_minfree = 999999999999999']);
  await assert.rejects(h.cleanup.checkSpace(), refusal('452 4.3.1 Insufficient system storage'));
  assert.ok(
    h
      .lines()
      .some((l) =>
        /^postfix\/cleanup\[100\]: warning: not enough free space in mail queue: \d+ bytes < 1\.5\*message size limit$/.test(
          l,
        ),
      ),
  );
  const ok = await harness(t, ['queue_minfree = 0', 'message_size_limit = 1000']);
  await ok.cleanup.checkSpace();
});
