/**
 * postcat: an affix queue file shown with Postfix's section markers and
 * record labels — compared with Postfix 3.7.11's `postcat -q` and `-vq`
 * output for the same message — and the -e/-h/-b/-v/-d/-o variants, files
 * and standard input, and the errors.
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { main as postcat } from '../../src/cli/postcat.ts';
import type { QueueRecipient } from '../../src/queue/queue_envelope.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import type { QueueId } from '../../src/queue/queue_id.ts';
import { runCli } from '../peers/cli_capture.ts';
import { testEnvelope } from '../peers/test_envelope.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { mainCf } from './queue_samples.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');
const sample = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The message of postcat-q-sample.txt, as affix's cleanup would have queued it. */
const HOLD_CONTENT = [
  'Received: by mx.example.test (Postfix, from userid 0)',
  '\tid 0B963160014; Sun, 29 Nov 2026 09:06:56 +0000 (UTC)',
  'Subject: multi',
  'Message-Id: <20261129090656.0B963160014@mx.example.test>',
  'Date: Sun, 29 Nov 2026 09:06:56 +0000 (UTC)',
  'From: root <dave@example.test>',
  '',
  'multi rcpt',
  '',
].join('\n');
const HOLD_ENVELOPE = testEnvelope('dave@example.test', 1795943216 * 1e6, { fullName: 'root' });
const rcpt = (a: string): QueueRecipient => ({ address: a, original: a, orcpt: `rfc822;${a}`, notify: 0 });

async function instance(t: import('node:test').TestContext) {
  const dir = tempDir(t, 'affix-pc-');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'main.cf'), mainCf(dir));
  const store = new FsQueueStore({
    queue_directory: join(dir, 'spool'),
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  await store.init();
  const id = '0B963160014' as QueueId;
  await store.create(
    id,
    'hold',
    HOLD_ENVELOPE,
    [rcpt('user1@remote.test'), rcpt('user2@remote.test')],
    Buffer.from(HOLD_CONTENT),
  );
  return {
    dir,
    conf: join(dir, 'conf'),
    store,
    id,
    run: (args: string[], stdin?: string) => runCli(postcat, ['-c', join(dir, 'conf'), ...args], { stdin }),
  };
}

test('postcat -q prints the sections and records of Postfix 3.7.11 for the same message', async (t) => {
  const inst = await instance(t);
  const r = await inst.run(['-q', inst.id]);
  assert.equal(r.status, 0);
  const want = sample('postcat-q-sample.txt').split('\n');
  const got = r.stdout.split('\n');
  // message_size: recipients and flags agree. Postfix counts its record encoding (about one byte more per
  // line: the size over SMTP with CRLF); affix counts the content as stored with LF line ends. The data
  // offset is each file format's own.
  const size = (line: string) => line.trim().split(/\s+/).slice(1).map(Number);
  const [pfSize, , pfRcpts, pfFlags, pfLength, pfUtf8] = size(want[1]!);
  const [axSize, axOffset, axRcpts, axFlags, axLength, axUtf8] = size(got[1]!);
  const lines = HOLD_CONTENT.split('\n').length - 1;
  assert.deepEqual(
    [axSize! + lines, axRcpts, axFlags, axLength! + lines, axUtf8],
    [pfSize, pfRcpts, pfFlags, pfLength, pfUtf8],
  );
  assert.ok(axOffset! > 0);
  assert.match(got[1]!, /^message_size: ( {0,14}\d+ ){5}( {0,14}\d+)$/);
  assert.deepEqual([got[0], ...got.slice(2)], [want[0], ...want.slice(2)]);
});

test('postcat -v names text records; -e, -h, -b choose the sections', async (t) => {
  const inst = await instance(t);
  const v = await inst.run(['-vq', inst.id]);
  assert.match(v.stdout, /\nregular_text: Subject: multi\nregular_text: Message-Id: /);
  assert.match(
    v.stdout,
    /\nregular_text: \nregular_text: multi rcpt\n\*\*\* HEADER EXTRACTED hold\/0B963160014 \*\*\*\n/,
  );
  const h = await inst.run(['-h', '-q', inst.id]);
  assert.equal(h.stdout, `${HOLD_CONTENT.split('\n\n')[0]}\n`);
  const b = await inst.run(['-b', '-q', inst.id]);
  assert.equal(b.stdout, '\nmulti rcpt\n');
  const e = await inst.run(['-e', '-q', inst.id]);
  assert.ok(e.stdout.startsWith('*** ENVELOPE RECORDS hold/0B963160014 ***\nmessage_size:'));
  assert.ok(
    e.stdout.endsWith(
      'recipient: user2@remote.test\n*** MESSAGE CONTENTS hold/0B963160014 ***\n*** HEADER EXTRACTED hold/0B963160014 ***\n*** MESSAGE FILE END hold/0B963160014 ***\n',
    ),
  );
  assert.ok(!e.stdout.includes('Subject: multi'));
  const d = await inst.run(['-d', '-e', '-q', inst.id]);
  assert.match(d.stdout, /\n 83 sender: dave@example.test\n/);
  assert.match(d.stdout, /\n 82 recipient: user1@remote.test\n/);
  const o = await inst.run(['-o', '-h', '-q', inst.id]);
  assert.match(o.stdout, /^ {5,}\d+ Received: by mx/);
});

test('postcat reads a file by name and from standard input; done recipients show as done_recipient', async (t) => {
  const inst = await instance(t);
  const m = await inst.store.read('hold', inst.id);
  await inst.store.markDone(m, [0]);
  const path = inst.store.pathOf('hold', inst.id);
  const byName = await runCli(postcat, ['-c', inst.conf, path]);
  assert.match(byName.stdout, new RegExp(`^\\*\\*\\* ENVELOPE RECORDS ${path} \\*\\*\\*\\n`));
  assert.match(byName.stdout, /\noriginal_recipient: user1@remote.test\ndone_recipient: user1@remote.test\n/);
  let out = '';
  const io = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: () => true },
    stdin: Readable.from([readFileSync(path)]),
    env: { LANG: 'C' },
    cwd: process.cwd(),
  };
  const stdin = { status: await postcat(['-c', inst.conf], io), stdout: out };
  assert.equal(stdin.status, 0);
  assert.match(stdin.stdout, /^\*\*\* ENVELOPE RECORDS stdin \*\*\*\n/);
  assert.match(stdin.stdout, /\*\*\* MESSAGE FILE END stdin \*\*\*\n$/);
});

test('postcat: bad IDs, missing messages and files that are not queue files', async (t) => {
  const inst = await instance(t);
  const bad = await inst.run(['-q', '../etc']);
  assert.deepEqual([bad.status, bad.stderr], [1, 'postcat: fatal: bad mail queue ID: ../etc\n']);
  const missing = await inst.run(['-q', 'ABCDEF12345']);
  assert.deepEqual(
    [missing.status, missing.stderr],
    [1, 'postcat: fatal: open queue file ABCDEF12345: No such file or directory\n'],
  );
  const other = join(inst.dir, 'conf', 'main.cf');
  const notQueue = await inst.run([other]);
  assert.deepEqual(
    [notQueue.status, notQueue.stderr],
    [0, `postcat: warning: ${other}: input is not a valid queue file\n`],
  );
  const usage = await runCli(postcat, ['-Z']);
  assert.equal(usage.status, 1);
  assert.match(usage.stderr, /^postcat: invalid option -- 'Z'\npostcat: fatal: usage: postcat \[-b \(body text\)\]/);
});

test('postcat -vq of SMTP mail shows the client attributes of postcat-vq-sample.txt (server address and port are not kept)', async (t) => {
  const inst = await instance(t);
  const id = '9F4411600A3' as QueueId;
  const client = {
    name: 'localhost',
    address: '127.0.0.1',
    port: '58604',
    helo: 'client.example.org',
    protocol: 'ESMTP',
    saslMethod: '',
    saslUsername: '',
    saslSender: '',
  };
  await inst.store.create(
    id,
    'incoming',
    { ...HOLD_ENVELOPE, fullName: '', arrival: 1795943151 * 1e6, client },
    [rcpt('user@remote.test')],
    Buffer.from('Subject: deferred test\n\nThis is a test mailing\n'),
  );
  await inst.store.move(id, 'incoming', 'deferred');
  const r = await inst.run(['-vq', id]);
  const attrs = (text: string) =>
    text
      .split('\n')
      .filter((l) => /^(named_attribute|sender|recipient|original_recipient|message_arrival_time|create_time):/.test(l))
      .filter((l) => !/server_(address|port)=/.test(l));
  assert.deepEqual(attrs(r.stdout), attrs(sample('postcat-vq-sample.txt')));
  assert.match(r.stdout, /^\*\*\* ENVELOPE RECORDS deferred\/9\/9F4411600A3 \*\*\*\n/);
});
