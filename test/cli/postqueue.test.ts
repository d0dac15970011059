/**
 * postqueue -p / -j / -f / -i / -s and mailq: the listings byte for byte as
 * Postfix 3.7.11 printed them (the captured samples), from a queue read
 * directly (daemon down, with Postfix's warning) and through the showq
 * service of a running daemon; the exit statuses and fatal messages.
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main as postfixMain } from '../../src/cli/postfix.ts';
import { main as postqueue } from '../../src/cli/postqueue.ts';
import { jsonLine, MailqListing } from '../../src/cli/postqueue_format.ts';
import { mailqMain } from '../../src/cli/sendmail.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { runCli } from '../peers/cli_capture.ts';
import { tempDir } from '../peers/tmpdir.ts';
import {
  ACTIVE_HOLD,
  contentOfSize,
  envelope,
  fillQueue,
  LONG_IDS,
  mainCf,
  REFUSED,
  type SampleMessage,
  SHORT_IDS,
  showqRecord,
} from './queue_samples.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');
const sample = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

async function render(messages: readonly SampleMessage[], long = false): Promise<string> {
  let out = '';
  const listing = new MailqListing(
    {
      write: (t) => {
        out += t;
      },
    },
    long,
  );
  for (const m of messages) await listing.message(showqRecord(m));
  await listing.end();
  return out;
}

/** A configuration directory (main.cf, master.cf) under a fresh directory; returns both paths. */
function instance(t: import('node:test').TestContext, extra = '', masterCf = '') {
  const dir = tempDir(t, 'affix-pq-');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'main.cf'), mainCf(dir, extra));
  writeFileSync(join(dir, 'conf', 'master.cf'), masterCf);
  return { dir, conf: join(dir, 'conf'), spool: join(dir, 'spool') };
}

test('the mailq layout is Postfix 3.7.11 byte for byte: markers, sizes, asctime, reasons, summary', async () => {
  assert.equal(await render(ACTIVE_HOLD), sample('mailq-sample-active-hold.txt'));
  assert.equal(await render(SHORT_IDS), sample('mailq-sample-short-ids.txt'));
  assert.equal(await render(LONG_IDS, true), sample('mailq-sample-long-ids.txt'));
  assert.equal(await render([]), 'Mail queue is empty\n');
});

test('postqueue -j prints one JSON object per message, keys and separators as Postfix 3.7', () => {
  assert.equal(ACTIVE_HOLD.map((m) => jsonLine(showqRecord(m))).join(''), sample('postqueue-j-sample.txt'));
  const odd = jsonLine({ ...showqRecord(ACTIVE_HOLD[0]!), sender: 'a"b\\c', forcedExpire: true });
  assert.match(odd, /"forced_expire": true, "sender": "a\\"b\\\\c"/);
  assert.deepEqual(JSON.parse(odd).sender, 'a"b\\c');
});

test('mailq: "(reason unavailable)" when a recipient has no reason after one that had, and a force-expired hold shows !#', async () => {
  const out = await render([
    {
      ...ACTIVE_HOLD[2]!,
      forcedExpire: true,
      recipients: [
        { address: 'a@remote.test', reason: REFUSED },
        { address: 'b@remote.test', reason: '' },
      ],
    },
  ]);
  assert.equal(
    out,
    [
      '-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------',
      '0B963160014!#     276 Sun Nov 29 09:06:56  dave@example.test',
      `${' '.repeat(19)}(${REFUSED})`,
      `${' '.repeat(41)}a@remote.test`,
      `${' '.repeat(58)}(reason unavailable)`,
      `${' '.repeat(41)}b@remote.test`,
      '',
      '-- 0 Kbytes in 1 Request.',
      '',
    ].join('\n'),
  );
});

test('postqueue -p with the mail system down reads the queue directly, after Postfix warning', async (t) => {
  const inst = instance(t);
  await fillQueue(inst.spool, ACTIVE_HOLD);
  const p = await runCli(postqueue, ['-c', inst.conf, '-p']);
  assert.equal(p.status, 0);
  assert.equal(p.stdout, sample('mailq-sample-active-hold.txt'));
  assert.equal(
    p.stderr,
    'postqueue: warning: Mail system is down -- accessing queue directly (Connect to the affix showq service: No such file or directory)\n',
  );
  const j = await runCli(postqueue, ['-c', inst.conf, '-j']);
  assert.equal(j.stdout, sample('postqueue-j-sample.txt'));
  const log = readFileSync(join(inst.dir, 'log', 'mail.log'), 'utf8');
  assert.match(log, /postfix\/postqueue\[\d+\]: warning: Mail system is down -- accessing queue directly/);
  // mailq and sendmail -bp are the same listing.
  const mailq = await runCli(mailqMain, ['-C', inst.conf]);
  assert.equal(mailq.status, 0);
  assert.equal(mailq.stdout, sample('mailq-sample-active-hold.txt'));
});

test('postqueue -p with enable_long_queue_ids uses the wide layout', async (t) => {
  const inst = instance(t, 'enable_long_queue_ids = yes');
  await fillQueue(inst.spool, LONG_IDS, true);
  const p = await runCli(postqueue, ['-c', inst.conf, '-p']);
  assert.equal(p.stdout, sample('mailq-sample-long-ids.txt'));
});

test('an empty or missing queue is "Mail queue is empty"; -j prints nothing', async (t) => {
  const inst = instance(t);
  assert.equal((await runCli(postqueue, ['-c', inst.conf, '-p'])).stdout, 'Mail queue is empty\n');
  assert.equal((await runCli(postqueue, ['-c', inst.conf, '-j'])).stdout, '');
});

test('postqueue refuses bad requests and exits 69 for every fatal error, as Postfix does', async (t) => {
  const inst = instance(t);
  const usage =
    'postqueue: fatal: usage: postqueue -f | postqueue -i queueid | postqueue -j | postqueue -p | postqueue -s site\n';
  const both = await runCli(postqueue, ['-c', inst.conf, '-p', '-j']);
  assert.deepEqual([both.status, both.stderr], [69, usage]);
  const none = await runCli(postqueue, ['-c', inst.conf]);
  assert.deepEqual([none.status, none.stderr], [69, usage]);
  const bad = await runCli(postqueue, ['-Z']);
  assert.deepEqual([bad.status, bad.stderr], [69, `postqueue: invalid option -- 'Z'\n${usage}`]);
  const down = await runCli(postqueue, ['-c', inst.conf, '-f']);
  assert.deepEqual(
    [down.status, down.stderr],
    [69, 'postqueue: fatal: Cannot flush mail queue - mail system is down\n'],
  );
  const id = await runCli(postqueue, ['-c', inst.conf, '-i', '../x']);
  assert.deepEqual([id.status, id.stderr], [69, 'postqueue: fatal: Cannot flush queue ID - invalid name: "../x"\n']);
  const site = await runCli(postqueue, ['-c', inst.conf, '-s', 'bad site!']);
  assert.deepEqual(
    [site.status, site.stderr],
    [69, 'postqueue: fatal: Cannot flush mail queue - invalid destination: "bad site!"\n'],
  );
  const noConfig = await runCli(postqueue, ['-c', join(inst.dir, 'nowhere'), '-p']);
  assert.equal(noConfig.status, 69);
  assert.match(noConfig.stderr, /^postqueue: fatal: open \S+\/nowhere\/main.cf: No such file or directory\n$/);
});

test('with the daemon running, postqueue lists through the showq service (streamed) and flushes through qmgr', async (t) => {
  const inst = instance(
    t,
    'fast_flush_domains = remote.test',
    [
      'showq     unix  n       -       n       -       -       showq',
      'qmgr      unix  n       -       n       300     1       qmgr',
      '',
    ].join('\n'),
  );
  // Held mail only, so that qmgr leaves it where it is.
  const store = await fillQueue(inst.spool, [ACTIVE_HOLD[2]!]);
  for (let i = 0; i < 300; i++) {
    const id = store.newId();
    await store.create(
      id,
      'hold',
      envelope({ sender: 'bulk@example.test', arrival: 1795943216 }),
      [{ address: `r${i}@remote.test`, original: `r${i}@remote.test`, orcpt: null, notify: 0 }],
      contentOfSize(1000),
    );
  }
  await startTestMaster(t, inst.conf);
  const p = await runCli(postqueue, ['-c', inst.conf, '-p']);
  assert.equal(p.status, 0);
  assert.equal(p.stderr, '', 'no "mail system is down" warning: the daemon answered');
  assert.ok(p.stdout.startsWith('-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n'));
  assert.ok(p.stdout.endsWith('\n-- 293 Kbytes in 301 Requests.\n'), p.stdout.slice(-80));
  assert.equal(p.stdout.split('\n').filter((l) => /^[0-9A-F]+! +\d+ /.test(l)).length, 301);
  const j = await runCli(postqueue, ['-c', inst.conf, '-j']);
  assert.equal(j.stdout.split('\n').filter((l) => l !== '').length, 301);
  assert.ok(j.stdout.split('\n').includes(sample('postqueue-j-sample.txt').split('\n')[2]!));

  assert.deepEqual(await runCli(postqueue, ['-c', inst.conf, '-f']), { status: 0, stdout: '', stderr: '' });
  // `postfix flush` is the same request, by another way in.
  assert.equal((await runCli(postfixMain, ['-c', inst.conf, 'flush'])).status, 0);
  assert.equal((await runCli(postqueue, ['-c', inst.conf, '-i', '0B963160014'])).status, 0);
  assert.equal((await runCli(postqueue, ['-c', inst.conf, '-s', 'remote.test'])).status, 0);
  const other = await runCli(postqueue, ['-c', inst.conf, '-s', 'elsewhere.test']);
  assert.deepEqual(
    [other.status, other.stderr],
    [69, 'postqueue: fatal: Flush service is not configured for destination "elsewhere.test"\n'],
  );
});
