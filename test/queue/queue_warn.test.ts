/**
 * The warning-time record of the queue file: written from the envelope,
 * rewritten in place by updateWarn() without breaking the checksum, and
 * files from before the record still read.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { QueueEnvelope, QueueRecipient } from '../../src/queue/queue_envelope.ts';
import { encodeTrailer, headCrc, MAGIC, QueueFileCorrupt } from '../../src/queue/queue_file_format.ts';
import { FsQueueStore } from '../../src/queue/queue_fs_store.ts';
import { tempDir } from '../peers/tmpdir.ts';

const ENVELOPE: QueueEnvelope = {
  sender: 'sender@example.org',
  arrival: 1_795_943_444_398_619,
  client: null,
  envid: null,
  ret: null,
  warnAt: 1_795_943_744_398_619,
  smtputf8: false,
  body8bit: false,
  rewriteContext: 'remote',
  fullName: '',
  attributes: {},
};
const RCPTS: QueueRecipient[] = [{ address: 'a@example.test', original: 'a@example.test', orcpt: null, notify: 0 }];

async function store(t: import('node:test').TestContext) {
  const s = new FsQueueStore({
    queue_directory: tempDir(t),
    hash_queue_names: ['deferred', 'defer'],
    hash_queue_depth: 1,
    enable_long_queue_ids: false,
  });
  await s.init();
  return s;
}

test('the warning time reads back, clears in place, and a done mark after it still checks out', async (t) => {
  const s = await store(t);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, Buffer.from('Subject: x\n\nbody\n'));
  const before = readFileSync(s.pathOf('incoming', m.id)).length;
  assert.equal((await s.read('incoming', m.id)).envelope.warnAt, ENVELOPE.warnAt);
  await s.updateWarn(await s.read('incoming', m.id), null);
  const cleared = await s.read('incoming', m.id);
  assert.equal(cleared.envelope.warnAt, null);
  await s.markDone(cleared, [0]);
  const again = await s.read('incoming', m.id);
  assert.deepEqual(
    again.recipients.map((r) => r.done),
    [true],
  );
  assert.equal(readFileSync(s.pathOf('incoming', m.id)).length, before, 'rewritten in place');
});

test('a flipped byte in the warning record is no corruption, one in the envelope is', async (t) => {
  const s = await store(t);
  const m = await s.create(s.newId(), 'incoming', ENVELOPE, RCPTS, Buffer.from('Subject: x\n\nbody\n'));
  const path = s.pathOf('incoming', m.id);
  const bytes = readFileSync(path);
  const warnPayload = MAGIC.length + 5 + bytes.readUInt32BE(MAGIC.length + 1) + 5;
  bytes[warnPayload + 7] = bytes[warnPayload + 7]! ^ 0x01;
  writeFileSync(path, bytes);
  assert.equal((await s.read('incoming', m.id)).envelope.warnAt, ENVELOPE.warnAt! - 1);
  bytes[12] = bytes[12]! ^ 0x01;
  writeFileSync(path, bytes);
  await assert.rejects(s.read('incoming', m.id), QueueFileCorrupt);
});

test('a file written before the warning record existed still reads, with warnAt from the envelope', async (t) => {
  const s = await store(t);
  const envelope = Buffer.from(JSON.stringify(ENVELOPE));
  const rcpt = Buffer.from(JSON.stringify(RCPTS[0]));
  const rec = (type: string, payload: Buffer) => {
    const h = Buffer.alloc(5);
    h[0] = type.charCodeAt(0);
    h.writeUInt32BE(payload.length, 1);
    return Buffer.concat([h, payload]);
  };
  const head = Buffer.concat([MAGIC, rec('E', envelope), rec('R', rcpt), Buffer.from('M')]);
  const content = Buffer.from('Subject: old\n\nbody\n');
  const { crc32 } = await import('node:zlib');
  const id = s.newId();
  const path = s.pathOf('incoming', id);
  writeFileSync(
    path,
    Buffer.concat([head, content, encodeTrailer(headCrc(head, [], null), crc32(content), content.length)]),
    {
      mode: 0o700,
    },
  );
  const m = await s.read('incoming', id);
  assert.equal(m.envelope.warnAt, ENVELOPE.warnAt);
  assert.equal(m.recipients[0]!.recipient.address, 'a@example.test');
  await s.updateWarn(m, null); // nothing to rewrite in such a file: no error
});
