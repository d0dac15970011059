/**
 * affix postconf -d against the captures of real Postfix 3.7.11 `postconf
 * -d` in test/fixtures: with an empty master.cf (831 parameters), and with
 * the Debian-like master.cf, whose delivery services add their per-service
 * parameters. Needs no Postfix installed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/postconf.ts';
import { PARAMS } from '../../src/config/params.ts';
import { runCli } from '../peers/cli_capture.ts';
import { configDir } from '../peers/tmpdir.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');

/** Parameters whose -d value is not comparable with a capture from another machine or program. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  myhostname: 'computed from the host name of the machine the capture was taken on',
  mydomain: 'computed from myhostname',
  mynetworks: "computed from that machine's interface addresses",
  process_id: 'the process id of the capturing postconf',
  mail_name: 'affix names itself (deliberate)',
  mail_version: "affix's own version (deliberate)",
  mail_release_date: "affix's own release date (deliberate)",
};

/**
 * Parameters affix honours with a default other than 3.7's, each with its
 * reason (style.md §14). A difference not listed here fails the test.
 */
const REGISTRY_CHOICES: Readonly<Record<string, string>> = {
  smtpd_forbid_bare_newline: "affix takes Postfix 3.9's default, normalize (deliberate: no smuggling by default)",
};

/** `name = value` lines as a map. */
function parse(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const at = line.indexOf(' =');
    map.set(line.slice(0, at), line.slice(at + 2).replace(/^ /, ''));
  }
  return map;
}

async function compareWith(t: import('node:test').TestContext, fixture: string, masterCf: string): Promise<void> {
  const expected = parse(readFileSync(join(FIXTURES, fixture), 'utf8'));
  const dir = configDir(t, '', masterCf);
  const r = await runCli(main, ['-c', dir, '-d']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  const actual = parse(r.stdout);
  const wrong: string[] = [];
  for (const [name, value] of expected) {
    if (Object.hasOwn(NOT_COMPARED, name)) continue;
    if (!actual.has(name)) wrong.push(`missing: ${name}`);
    else if (actual.get(name) === value) continue;
    else if (Object.hasOwn(REGISTRY_CHOICES, name)) t.diagnostic(`${name}: ${REGISTRY_CHOICES[name]}`);
    else wrong.push(`${name} = ${actual.get(name)} (Postfix: ${value})`);
  }
  assert.deepEqual(wrong, []);
  // Names Postfix 3.7 does not have are allowed only for parameters affix honours (newer Postfix ones).
  const extra = [...actual.keys()].filter((n) => !expected.has(n));
  assert.deepEqual(
    extra.filter((n) => !Object.hasOwn(PARAMS, n)),
    [],
  );
  if (extra.length > 0) t.diagnostic(`affix-only parameters: ${extra.join(' ')}`);
  // The listing is sorted by name, as postconf sorts it.
  const names = [...actual.keys()];
  assert.deepEqual(names, [...names].sort());
}

test('postconf -d with an empty master.cf matches Postfix 3.7.11 for every comparable parameter', async (t) => {
  await compareWith(t, 'postconf-d-empty-master.txt', '');
});

test('postconf -d with the Debian master.cf adds the per-service parameters as Postfix 3.7.11', async (t) => {
  await compareWith(
    t,
    'postconf-d-debian-3.7.11.txt',
    readFileSync(join(FIXTURES, 'master.cf-experiment.txt'), 'utf8'),
  );
});

test('postconf -d shows affix identity and this process where Postfix shows its own', async (t) => {
  const dir = configDir(t, '');
  const r = await runCli(main, ['-c', dir, '-d', 'mail_name', 'process_name', 'process_id', 'service_name']);
  assert.equal(
    r.stdout,
    `mail_name = ${PARAMS.mail_name.default}\nprocess_name = postconf\nprocess_id = ${process.pid}\nservice_name =\n`,
  );
});

test('postconf -d reads no main.cf: it works where main.cf is missing', async (t) => {
  const dir = configDir(t, '');
  const { unlinkSync } = await import('node:fs');
  unlinkSync(join(dir, 'main.cf'));
  const r = await runCli(main, ['-c', dir, '-d', 'biff', 'config_directory']);
  assert.deepEqual(r, { status: 0, stdout: 'biff = yes\nconfig_directory = /etc/postfix\n', stderr: '' });
});
