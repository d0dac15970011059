/**
 * The same held messages in a private Postfix 3.7 and in affix: `postqueue
 * -p` and `-j` must print the same, once queue IDs, arrival times and sizes
 * are normalised (each MTA names and times its own files; Postfix counts
 * its record encoding where affix counts the stored content). Needs root
 * and Debian's postfix; under CI=true a missing program fails the run.
 */
import assert from 'node:assert/strict';
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main as postqueue } from '../../src/cli/postqueue.ts';
import { main as postsuper } from '../../src/cli/postsuper.ts';
import { main as sendmail } from '../../src/cli/sendmail.ts';
import { startTestMaster } from '../peers/affix_master.ts';
import { runCli } from '../peers/cli_capture.ts';
import { startPostfixOrReason } from '../peers/postfix_instance.ts';
import { findProgram } from '../peers/programs.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { mainCf } from './queue_samples.ts';

const HOLD = 'regexp:{{/^Subject:/ HOLD}}';

/** The submissions both MTAs get: sender, recipients, subject. */
const MESSAGES: readonly { readonly from: string; readonly to: readonly string[]; readonly subject: string }[] = [
  { from: 'dave@example.test', to: ['user@remote.test'], subject: 'one' },
  { from: 'dave@example.test', to: ['user1@remote.test', 'user2@remote.test'], subject: 'multi' },
  { from: '<>', to: ['"first last"@remote.test'], subject: 'bounce-like' },
  { from: 'erin@example.test', to: ['expire@remote.test'], subject: 'expire me' },
];

/** Each message block of a mailq listing, with ID, size and time normalised, in a stable order. */
function normaliseMailq(text: string): string {
  const [head, ...rest] = text.split('\n');
  const blocks = rest
    .join('\n')
    .split('\n\n')
    .filter((b) => !b.startsWith('-- '));
  const summary = text.match(/\n-- \d+ Kbytes in (\d+ Requests?\.)\n$/)?.[1];
  const norm = blocks.map((b) =>
    b
      .replace(/^[0-9A-Za-z]+([*!#]*) +\d+ /, (_m, marker: string) => `QUEUEID${marker} SIZE `)
      .replace(/ [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d {2}/, ' TIME  '),
  );
  return [head, ...norm.sort(), summary].join('\n');
}

function normaliseJson(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      l
        .replace(/"queue_id": "[0-9A-Za-z]+"/, '"queue_id": "ID"')
        .replace(/"arrival_time": \d+/, '"arrival_time": 0')
        .replace(/"message_size": \d+/, '"message_size": 0'),
    )
    .sort();
}

async function until<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('postqueue -p and -j agree with Postfix 3.7 on the same held messages', async (t) => {
  const pf = await startPostfixOrReason(t, { header_checks: HOLD });
  if (typeof pf === 'string') return t.skip(pf);

  const dir = tempDir(t, 'affix-cmp-');
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf', 'main.cf'), mainCf(dir, `header_checks = ${HOLD}`));
  writeFileSync(
    join(dir, 'conf', 'master.cf'),
    [
      'pickup    unix  n       -       n       60      1       pickup',
      'cleanup   unix  n       -       n       -       0       cleanup',
      'qmgr      unix  n       -       n       300     1       qmgr',
      'showq     unix  n       -       n       -       -       showq',
      '',
    ].join('\n'),
  );
  await startTestMaster(t, join(dir, 'conf'));
  const conf = join(dir, 'conf');

  const sendmailPath = findProgram('sendmail')!;
  for (const m of MESSAGES) {
    const input = `Subject: ${m.subject}\n\nbody of ${m.subject}\n`;
    const p: SpawnSyncReturns<string> = spawnSync(sendmailPath, ['-C', pf.configDir, '-f', m.from, ...m.to], {
      input,
      encoding: 'utf8',
    });
    assert.equal(p.status, 0, p.stderr);
    const a = await runCli(sendmail, ['-C', conf, '-f', m.from, ...m.to], { stdin: input });
    assert.equal(a.status, 0, a.stderr);
  }
  // Held, not merely queued: a message still in maildrop gets a new ID from pickup.
  const count = (text: string) => text.split('\n').filter((l) => l.startsWith('{"queue_name": "hold"')).length;
  const pfJson = () => pf.run('postqueue', ['-j']).stdout;
  const axJson = async () => (await runCli(postqueue, ['-c', conf, '-j'])).stdout;
  await until('Postfix to hold 4 messages', pfJson, (j) => count(j) === 4);
  await until('affix to hold 4 messages', axJson, (j) => count(j) === 4);

  // Force expiry on the same message in both.
  const idOf = (json: string) => /"queue_id": "(\w+)"[^\n]*expire@remote\.test/.exec(json)![1]!;
  assert.equal(pf.run('postsuper', ['-e', idOf(pfJson())]).status, 0);
  assert.equal((await runCli(postsuper, ['-c', conf, '-e', idOf(await axJson())])).status, 0);

  const pfList = pf.run('postqueue', ['-p']);
  const axList = await runCli(postqueue, ['-c', conf, '-p']);
  assert.equal(pfList.status, 0);
  assert.equal(axList.status, 0);
  assert.equal(normaliseMailq(axList.stdout), normaliseMailq(pfList.stdout));
  assert.match(axList.stdout, /^[0-9A-F]+!# +\d+ /m, 'the force-expired held message shows !#');
  assert.match(axList.stdout, /MAILER-DAEMON/);
  assert.deepEqual(normaliseJson(await axJson()), normaliseJson(pfJson()));
});
