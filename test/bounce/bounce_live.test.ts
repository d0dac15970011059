/**
 * Live comparison: the same message to an unknown local user, sent to a
 * private Postfix 3.7 and to affix with the same settings, bounces back to
 * the sender's mailbox; the two notifications, as delivered, differ only
 * in queue IDs, dates and the trace header of the returned original
 * (Postfix's smtpd writes one; affix's is handed to cleanup directly).
 * Needs root and Debian's postfix; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ServiceHub } from '../../src/cli/master_programs.ts';
import { affixInstance } from '../peers/affix_instance.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { normaliseNotice } from './bounce_fixtures.ts';

const SETTINGS: Readonly<Record<string, string>> = {
  mydomain: 'example.test',
  myorigin: 'example.test',
  mydestination: 'mx.example.test, example.test',
  alias_maps: '',
};

const MASTER_CF = [
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'local     unix  -       n       n       -       -       local',
  '',
].join('\n');

const CONTENT = [
  'From: daemon@example.test',
  'To: nosuchuser@example.test',
  'Subject: live comparison',
  'Date: Sun, 29 Nov 2026 09:05:51 +0000',
  'Message-Id: <live.1@client.example.test>',
  '',
  'This will bounce.',
  '',
].join('\n');

function spool(dir: string): string {
  const path = join(dir, 'mail');
  mkdirSync(path, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(path, 0o1777);
  return path;
}

async function waitForFile(path: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing matching ${pattern} in ${path}`);
}

/** The notification as delivered, normalised, with the returned original's Received: headers left out. */
function comparable(mbox: string): string {
  const notice = normaliseNotice(mbox.replace(/^From \S+ {2}.*\n/, ''));
  const cut = notice.indexOf('Content-Description: Undelivered Message');
  return notice.slice(0, cut) + notice.slice(cut).replace(/\nReceived: [^\n]*(\n[ \t][^\n]*)*/g, '');
}

/** A bounce made by Postfix with `settings`: the message from `sender` through SMTP, the notice in daemon's mailbox. */
async function postfixBounce(
  t: TestContext,
  settings: Readonly<Record<string, string>>,
  sender: string,
  notice: RegExp,
) {
  const pfSpool = spool(tempDir(t, 'affix-pf-mail-'));
  const pf = await startPostfix(t, { main: { ...settings, mail_spool_directory: pfSpool } });
  assert.match(await submit(pf.port, sender, ['nosuchuser@example.test'], CONTENT), /^250 /);
  return { notice: await waitForFile(join(pfSpool, 'daemon'), notice), log: () => pf.log() };
}

/** The same bounce made by an affix master, the message handed to its cleanup as smtpd hands it. */
async function affixBounce(t: TestContext, settings: Readonly<Record<string, string>>, sender: string, notice: RegExp) {
  const inst = affixInstance(t, '', MASTER_CF);
  const affixSpool = spool(inst.dir);
  appendFileSync(
    join(inst.configDir, 'main.cf'),
    Object.entries({ ...settings, mail_name: 'Postfix', mail_spool_directory: affixSpool })
      .map(([k, v]) => `${k} = ${v}\n`)
      .join(''),
  );
  const hub = new ServiceHub();
  await startTestMaster(t, inst.configDir, hub);
  const cleanup = hub.cleanup('cleanup')!;
  await cleanup.submit(
    {
      queueId: cleanup.newQueueId(),
      sender,
      recipients: [{ address: 'nosuchuser@example.test', orcpt: null, notify: 0 }],
      client: null,
      origin: 'smtpd',
      envid: null,
      ret: null,
      smtputf8: false,
      body8bit: false,
      fullName: '',
      actions: {},
      logContext: 'localhost[127.0.0.1]',
    },
    (async function* () {
      yield Buffer.from(CONTENT);
    })(),
  );
  return { notice: await waitForFile(join(affixSpool, 'daemon'), notice), log: () => inst.log() };
}

test('affix and Postfix bounce a message to an unknown local user the same way', async (t) => {
  const skip = postfixSkipReason();
  if (skip !== undefined) return t.skip(skip);
  const subject = /Undelivered Mail Returned to Sender/;
  const postfix = await postfixBounce(t, SETTINGS, 'daemon@example.test', subject);
  const affix = await affixBounce(t, SETTINGS, 'daemon@example.test', subject);

  assert.equal(comparable(affix.notice), comparable(postfix.notice));
  assert.match(postfix.log(), /postfix\/bounce\[\d+\]: \w+: sender non-delivery notification: \w+/);
  assert.match(affix.log(), /postfix\/bounce\[\d+\]: \w+: sender non-delivery notification: \w+/);
});

test('affix and Postfix send a failed bounce to the postmaster the same way (notify_classes = 2bounce)', async (t) => {
  const skip = postfixSkipReason();
  if (skip !== undefined) return t.skip(skip);
  const settings = { ...SETTINGS, notify_classes: '2bounce', alias_maps: 'inline:{ postmaster=daemon }' };
  const subject = /Postmaster Copy: Undelivered Mail/;
  const postfix = await postfixBounce(t, settings, '', subject);
  const affix = await affixBounce(t, settings, '', subject);

  assert.equal(comparable(affix.notice), comparable(postfix.notice));
  assert.match(postfix.log(), /postfix\/bounce\[\d+\]: \w+: postmaster non-delivery notification: \w+/);
  assert.match(affix.log(), /postfix\/bounce\[\d+\]: \w+: postmaster non-delivery notification: \w+/);
});
