import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { startMaster } from '../../src/cli/master.ts';
import { controlRequest, controlSocketPath } from '../../src/cli/master_control.ts';
import type { RunningService, ServiceContext, ServiceProgram, StopMode } from '../../src/config/master_service.ts';
import { FatalError } from '../../src/log/log_errors.ts';
import { affixInstance } from '../peers/affix_instance.ts';

/** A program that records what the frame does to it, and greets on its listeners. */
function fakeProgram(name: string) {
  const events: string[] = [];
  const contexts: ServiceContext[] = [];
  const program: ServiceProgram = {
    name,
    async start(ctx) {
      contexts.push(ctx);
      events.push(`start ${ctx.service.name}`);
      for (const l of ctx.listeners) l.on('connection', (s) => s.end(`220 ${ctx.config.value('smtpd_banner')}\r\n`));
      const running: RunningService = {
        async reload(next) {
          contexts.push(next);
          events.push(`reload ${next.service.name}`);
        },
        async stop(mode: StopMode) {
          events.push(`stop ${mode}`);
        },
      };
      return running;
    },
  };
  return { program, events, contexts };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

function greeting(port: number): Promise<string> {
  return new Promise((ok, fail) => {
    const c = connect(port, '127.0.0.1');
    let text = '';
    c.setEncoding('utf8');
    c.on('data', (d) => (text += d));
    c.on('end', () => ok(text));
    c.on('error', fail);
  });
}

test('master binds an inet service, gives it its -o overrides, and hands a reload the new main.cf', async (t) => {
  const port = await freePort();
  const inst = affixInstance(
    t,
    'smtpd_banner = $myhostname ESMTP one\n',
    `127.0.0.1:${port} inet n - n - - smtpd\n  -o myhostname=override.example.test\n`,
  );
  const fake = fakeProgram('smtpd');
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: [fake.program] });
  t.after(() => master.stop('immediate'));
  assert.equal(await greeting(port), '220 override.example.test ESMTP one\r\n');

  const mainCf = `${inst.configDir}/main.cf`;
  writeFileSync(mainCf, readFileSync(mainCf, 'utf8').replace('ESMTP one', 'ESMTP two'));
  await master.reload();
  assert.equal(fake.contexts.at(-1)?.config.value('smtpd_banner'), 'override.example.test ESMTP two');
  await inst.waitForLog(/postfix\/master\[\d+\]: reload -- version/);

  await master.stop('graceful');
  assert.deepEqual(fake.events, [`start 127.0.0.1:${port}`, `reload 127.0.0.1:${port}`, 'stop graceful']);
});

test('master refuses to start on a taken port with Postfix words, and leaves no pid file', async (t) => {
  const taken: Server = createServer();
  await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const inst = affixInstance(t, '', `127.0.0.1:${port} inet n - n - - smtpd\n`);
  await assert.rejects(
    startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: [fakeProgram('smtpd').program] }),
    (err: unknown) => err instanceof FatalError && err.text === `bind 127.0.0.1 port ${port}: Address already in use`,
  );
  assert.match(
    inst.log(),
    new RegExp(`postfix/master\\[\\d+\\]: fatal: bind 127\\.0\\.0\\.1 port ${port}: Address already in use`),
  );
  const status = inst.cli(['postfix', '-c', inst.configDir, 'status']);
  assert.equal(status.status, 1);
});

test('master answers status on its control socket and rejects unknown commands', async (t) => {
  const inst = affixInstance(t);
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: [] });
  t.after(() => master.stop('immediate'));
  const path = controlSocketPath(`${inst.dir}/spool`);
  assert.deepEqual(await controlRequest(path, { command: 'status' }), { ok: true, pid: process.pid });
  assert.deepEqual(await controlRequest(path, { command: 'bogus' }), { ok: false, error: 'unknown command: bogus' });
});

test('master keeps running on its old configuration when a reload finds main.cf broken', async (t) => {
  const inst = affixInstance(t);
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: [] });
  t.after(() => master.stop('immediate'));
  appendFileSync(`${inst.configDir}/main.cf`, 'this line has no equals sign\n');
  await master.reload();
  assert.match(
    inst.log(),
    /postfix\/master\[\d+\]: error: reload failed, keeping the running configuration: .*main\.cf, line 9: missing '=' after attribute name: "this line has no equals sign"/,
  );
  assert.deepEqual(await controlRequest(controlSocketPath(`${inst.dir}/spool`), { command: 'status' }), {
    ok: true,
    pid: process.pid,
  });
});

test('postfix logrotate asks the running master to rotate maillog_file for all its services', async (t) => {
  const inst = affixInstance(t);
  const master = await startMaster({ optionC: inst.configDir, env: {}, signals: false, programs: [] });
  t.after(() => master.stop('immediate'));
  await inst.waitForLog('daemon started');
  const r = await inst.cliAsync(['postfix', '-c', inst.configDir, 'logrotate']);
  assert.equal(r.status, 0, r.stderr);
  const rotated = readdirSync(`${inst.dir}/log`).filter((f) => /^mail\.log\.\d{8}-\d{6}\.gz$/.test(f));
  assert.equal(rotated.length, 1, readdirSync(`${inst.dir}/log`).join(' '));
  await master.reload();
  await inst.waitForLog('reload -- version');
  assert.match(inst.log(), /^\w{3} \d\d \d\d:\d\d:\d\d mx postfix\/master\[\d+\]: reload -- version/);
  assert.doesNotMatch(inst.log(), /daemon started/);
});
