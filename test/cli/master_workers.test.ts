/**
 * Scenario tests of affix_smtpd_processes: the master forks smtpd worker
 * processes that share its listening socket, their mail reaches the
 * master's qmgr at once, a dead worker is logged and replaced, and workers
 * follow their master on reload, stop and SIGKILL.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AffixInstance, affixInstance, startForeground } from '../peers/affix_instance.ts';
import { freePort } from '../peers/postfix_instance.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';

const MAIN_CF = `
affix_smtpd_processes = 2
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no
mydestination =
default_transport = discard
`;

function masterCf(port: number): string {
  return `127.0.0.1:${port} inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
discard unix - - n - - discard
`;
}

/** Sends one message; returns its queue ID. */
async function sendOne(port: number): Promise<string> {
  const c = await smtpDialog(null, port);
  try {
    await c.expect(/^220 /);
    await c.send('EHLO client.example.org', /^250-/);
    await c.send('MAIL FROM:<sender@example.org>', '250 2.1.0 Ok');
    await c.send('RCPT TO:<rcpt@remote.example>', '250 2.1.5 Ok');
    await c.send('DATA', /^354 /);
    const queued = await c.send('Subject: worker test\r\n\r\nhello\r\n.', /^250 2\.0\.0 Ok: queued as /);
    await c.send('QUIT', /^221 /);
    return queued!.replace(/.* /, '');
  } finally {
    c.close();
  }
}

/** The pids of the running worker processes of master `pid`. */
function workerPids(pid: number): number[] {
  try {
    const out = execFileSync('pgrep', ['-P', String(pid), '-f', '^smtpd \\(affix worker\\)$'], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The pids of the masters that logged `daemon started` so far. */
function masterPids(inst: AffixInstance): number[] {
  return [...inst.log().matchAll(/postfix\/master\[(\d+)\]: daemon started/g)].map((m) => Number(m[1]));
}

/** Starts the daemon; resolves with the master's pid once its worker serves. */
async function startWithWorker(t: Parameters<typeof affixInstance>[0], inst: AffixInstance) {
  const before = masterPids(inst);
  const daemon = startForeground(t, inst);
  const pid = await until('daemon started', () => masterPids(inst).find((p) => !before.includes(p)), 30_000);
  const worker = await until('a worker', () => workerPids(pid)[0]);
  return { daemon, pid, worker };
}

/** Sends messages until one is accepted by a process other than `masterPid`; returns that process's pid and the ID. */
async function sendThroughWorker(inst: AffixInstance, port: number, masterPid: number) {
  for (let i = 0; i < 200; i++) {
    const id = await sendOne(port);
    const line = await inst.waitForLog(new RegExp(`postfix/smtpd\\[(\\d+)\\]: ${id}: client=`));
    const pid = Number(/smtpd\[(\d+)\]/.exec(line)?.[1]);
    if (pid !== masterPid) return { pid, id };
  }
  throw new Error('no message reached a worker in 200 tries');
}

test('a second smtpd process shares the port, and the mail it accepts is delivered by the master qmgr at once', async (t) => {
  const port = await freePort();
  const inst = affixInstance(t, MAIN_CF, masterCf(port));
  const { pid, worker } = await startWithWorker(t, inst);
  const { pid: served, id } = await sendThroughWorker(inst, port, pid);
  assert.equal(served, worker);
  // The worker's own cleanup wrote the file; the master's qmgr took it well before any queue scan (300 s).
  await inst.waitForLog(`postfix/cleanup[${worker}]: ${id}: message-id=`);
  await inst.waitForLog(
    new RegExp(`postfix/qmgr\\[${pid}\\]: ${id}: from=<sender@example.org>, size=\\d+, nrcpt=1 \\(queue active\\)`),
  );
  await inst.waitForLog(`postfix/qmgr[${pid}]: ${id}: removed`);
  // The two processes name messages from different slots of the counter.
  const ids = [...inst.log().matchAll(/smtpd\[(\d+)\]: ([0-9A-F]+): client=/g)];
  for (const [, p, qid] of ids) {
    const slot = Number.parseInt(qid!.slice(5), 16) % 64;
    assert.equal(slot === 0, Number(p) === pid, `${qid} from pid ${p}`);
  }
  // After postfix logrotate the worker writes to the new file too.
  const rotate = inst.cli(['postfix', '-c', inst.configDir, 'logrotate']);
  assert.equal(rotate.status, 0, rotate.stderr);
  assert.doesNotMatch(inst.log(), /client=/);
  await sendThroughWorker(inst, port, pid);
});

test('a killed worker is logged as Postfix logs a dead child and replaced; reload and stop take the workers along', async (t) => {
  const port = await freePort();
  const inst = affixInstance(t, MAIN_CF, masterCf(port));
  const { daemon, pid, worker } = await startWithWorker(t, inst);
  process.kill(worker, 'SIGKILL');
  await inst.waitForLog(
    `postfix/master[${pid}]: warning: process /usr/lib/postfix/sbin/smtpd pid ${worker} killed by signal 9`,
  );
  const second = await until('a new worker', () => workerPids(pid).find((p) => p !== worker));
  await sendThroughWorker(inst, port, pid);

  assert.equal(inst.cli(['postfix', '-c', inst.configDir, 'reload']).status, 0);
  const third = await until('the worker of the new configuration', () => {
    const pids = workerPids(pid);
    return pids.length === 1 && pids[0] !== second ? pids[0] : undefined;
  });
  await sendThroughWorker(inst, port, pid);

  assert.equal(inst.cli(['postfix', '-c', inst.configDir, 'stop']).status, 0);
  const [code] = await once(daemon, 'exit');
  assert.equal(code, 0);
  assert.deepEqual(workerPids(pid), []);
  assert.throws(() => process.kill(third!, 0), /ESRCH/);
  assert.doesNotMatch(inst.log(), /panic:|smtpd\[\d+\]: warning: smtpd session failed/);
});

test('workers leave with their master when it is killed, so a new master can bind the port', async (t) => {
  const port = await freePort();
  const inst = affixInstance(t, MAIN_CF, masterCf(port));
  const { daemon, worker } = await startWithWorker(t, inst);
  daemon.kill('SIGKILL');
  await once(daemon, 'exit');
  await until('the worker to exit', () => {
    try {
      process.kill(worker, 0);
      return undefined;
    } catch {
      return true;
    }
  });
  const again = await startWithWorker(t, inst);
  const { pid } = await sendThroughWorker(inst, port, again.pid);
  assert.equal(pid, again.worker);
});

test('client limits hold for the whole daemon: a worker counts a client with the master (anvil over the fork channel)', async (t) => {
  const port = await freePort();
  const main = `${MAIN_CF}smtpd_client_connection_count_limit = 1\nsmtpd_client_event_limit_exceptions =\n`;
  const inst = affixInstance(t, main, masterCf(port));
  const { pid, worker } = await startWithWorker(t, inst);
  const first = await smtpDialog(t, port);
  await first.expect(/^220 /);
  // Every further connection is one too many, whichever process the kernel hands it to.
  const refusedBy = new Set<number>();
  for (let i = 0; i < 200 && refusedBy.size < 2; i++) {
    const c = await smtpDialog(null, port);
    try {
      await c.expect(/^421 4\.7\.0 mx\.example\.test Error: too many connections from 127\.0\.0\.1$/);
    } finally {
      c.close();
    }
    const warnings = inst.log().matchAll(/smtpd\[(\d+)\]: warning: Connection concurrency limit exceeded: 2 from /g);
    for (const [, p] of warnings) refusedBy.add(Number(p));
  }
  assert.deepEqual([...refusedBy].sort(), [pid, worker].sort());
});
