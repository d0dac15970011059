import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { affixInstance, startForeground } from '../peers/affix_instance.ts';

// A stock-looking master.cf; smtpd listens on an ephemeral port, and tlsmgr is a
// service affix never runs (its TLS session cache lives in the process).
const STOCK_MASTER_CF = `127.0.0.1:0 inet  n       -       n       -       -       smtpd
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
`;

test('postfix start-fg runs the daemon; status, reload and stop talk to it with postfix-script words', async (t) => {
  const inst = affixInstance(t, '', STOCK_MASTER_CF);
  const daemon = startForeground(t, inst);
  const started = await inst.waitForLog(/postfix\/master\[(\d+)\]: daemon started -- version \S+, configuration /);
  const pid = Number(/master\[(\d+)\]/.exec(started)?.[1]);
  assert.equal(pid, daemon.pid);
  assert.match(inst.log(), /postfix\/postfix-script\[\d+\]: starting the Postfix mail system\n/);
  assert.match(
    inst.log(),
    /postfix\/master\[\d+\]: warning: .*master\.cf: services not implemented by affix, not started: tlsmgr\/unix \(tlsmgr, line 4\)\n/,
  );

  const status = inst.cli(['postfix', '-c', inst.configDir, 'status']);
  assert.equal(status.status, 0);
  assert.equal(status.stderr, `postfix/postfix-script: the Postfix mail system is running: PID: ${pid}\n`);

  const again = inst.cli(['postfix', '-c', inst.configDir, 'start']);
  assert.equal(again.status, 1);
  assert.equal(again.stderr, 'postfix/postfix-script: fatal: the Postfix mail system is already running\n');

  assert.equal(inst.cli(['postfix', '-c', inst.configDir, 'reload']).status, 0);
  await inst.waitForLog(`postfix/master[${pid}]: reload -- version`);

  const stop = inst.cli(['postfix', '-c', inst.configDir, 'stop']);
  assert.equal(stop.status, 0, stop.stderr);
  const [code] = await once(daemon, 'exit');
  assert.equal(code, 0);
  await inst.waitForLog(`postfix/master[${pid}]: terminating on signal 15`);

  const after = inst.cli(['postfix', '-c', inst.configDir, 'status']);
  assert.equal(after.status, 1);
  assert.equal(after.stderr, 'postfix/postfix-script: the Postfix mail system is not running\n');
  assert.doesNotMatch(inst.log(), /panic:/);
});

test('postfix start leaves a daemon running in the background and returns 0', async (t) => {
  const inst = affixInstance(t);
  const start = inst.cli(['postfix', '-c', inst.configDir, 'start']);
  assert.equal(start.status, 0, start.stderr);
  t.after(() => inst.cli(['postfix', '-c', inst.configDir, 'abort']));
  const status = inst.cli(['postfix', '-c', inst.configDir, 'status']);
  assert.equal(status.status, 0, status.stderr);
  const stop = inst.cli(['postfix', '-c', inst.configDir, 'stop']);
  assert.equal(stop.status, 0, stop.stderr);
  assert.equal(inst.cli(['postfix', '-c', inst.configDir, 'status']).status, 1);
});

test('postfix start refuses a bad parameter value with file, line N and exits 1', (t) => {
  const inst = affixInstance(t, 'message_size_limit = ten\n');
  const r = inst.cli(['postfix', '-c', inst.configDir, 'start']);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /postfix\/postfix-script: error: \S+\/conf\/main\.cf, line 9: bad numerical configuration: message_size_limit = ten\n/,
  );
  assert.match(r.stderr, /postfix\/postfix-script: fatal: Postfix integrity check failed!\n$/);
});

test('postfix stop, reload and abort on a stopped system say it is not running and exit 1', (t) => {
  const inst = affixInstance(t);
  for (const command of ['stop', 'reload', 'abort']) {
    const r = inst.cli(['postfix', '-c', inst.configDir, command]);
    assert.equal(r.status, 1, command);
    assert.equal(r.stderr, 'postfix/postfix-script: fatal: the Postfix mail system is not running\n', command);
  }
});

test('postfix with a bad flag or an unknown command prints usage and exits 1', (t) => {
  const inst = affixInstance(t);
  const flag = inst.cli(['postfix', '-Z', 'status']);
  assert.equal(flag.status, 1);
  assert.equal(
    flag.stderr,
    "postfix: invalid option -- 'Z'\npostfix: fatal: usage: postfix [-c config_dir] [-Dv] command\n",
  );
  const unknown = inst.cli(['postfix', '-c', inst.configDir, 'bogus']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /fatal: unknown command: 'bogus'/);
});
