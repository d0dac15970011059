/**
 * affix's smtp client and Postfix 3.7's, side by side: the same scripted
 * remote server behaviour (one server per scenario and per MTA), a message
 * from each, and the status lines compared after normalising queue IDs,
 * ports, delays and the remote queue ID. A real Postfix runs as a private
 * instance (root and the Debian postfix package; otherwise skipped).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedPort, postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { type ScriptOptions, startScriptServer } from '../peers/smtp_script_server.ts';
import { tempDir } from '../peers/tmpdir.ts';
import { makeRequest, startAgent } from './smtp_fixtures.ts';

interface Scenario {
  readonly name: string;
  /** null: nobody listens (connection refused). */
  readonly script: ScriptOptions | null;
  readonly rcpts: readonly string[];
}

const user = (a: string) => a.split('@')[0]!;

const SCENARIOS: readonly Scenario[] = [
  { name: 'sent', script: {}, rcpts: ['ok'] },
  {
    name: 'rcpt550',
    script: {
      rcpt: (a) =>
        user(a) === 'bad'
          ? `550 5.1.1 <${a}>: Recipient address rejected: User unknown in local recipient table`
          : null,
    },
    rcpts: ['bad', 'ok'],
  },
  {
    name: 'rcpt450',
    script: { rcpt: (a) => `450 4.2.0 <${a}>: Recipient address rejected: Greylisted` },
    rcpts: ['later'],
  },
  { name: 'refused', script: null, rcpts: ['x'] },
  { name: 'greethang', script: { greeting: 'hang' }, rcpts: ['x'] },
  {
    name: 'greet421',
    script: { greeting: '421 4.3.2 Service not available, closing transmission channel' },
    rcpts: ['x'],
  },
  { name: 'greet554', script: { greeting: '554 5.3.2 No SMTP service here' }, rcpts: ['x'] },
  { name: 'lostrcpt', script: { rcpt: () => 'close' }, rcpts: ['x'] },
  {
    name: 'mail553',
    script: { mail: () => '553 5.7.1 <>: Sender address rejected: Access denied' },
    rcpts: ['x', 'y'],
  },
  { name: 'dot554', script: { dot: () => '554 5.7.1 Error: message content rejected' }, rcpts: ['x'] },
  { name: 'dothang', script: { dot: () => 'hang' }, rcpts: ['x'] },
  { name: 'size', script: { ehlo: ['PIPELINING', 'SIZE 20'] }, rcpts: ['x'] },
  {
    name: 'helo550',
    script: { ehloReply: '502 5.5.1 Error: command not implemented', heloReply: '550 5.7.1 Go away' },
    rcpts: ['x'],
  },
  { name: 'nodsn', script: { rcpt: () => '550 No such user here' }, rcpts: ['x'] },
  {
    name: 'multiline',
    script: {
      rcpt: () => '550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 Please try again.',
    },
    rcpts: ['x'],
  },
  { name: 'proto354', script: { rcpt: () => '354 what?' }, rcpts: ['x'] },
  { name: 'data451', script: { data: () => '451 4.3.0 Error: queue file write error' }, rcpts: ['x'] },
];

const CONTENT = 'Subject: compare\n\nSame message from both.\n';

/** A log text with everything that differs between runs replaced. */
function norm(text: string): string {
  return text
    .replace(/^[0-9A-Za-z]{6,}: /, 'ID: ')
    .replace(/:\d{4,5}\b/g, ':PORT')
    .replace(/delay=[\d.]+/, 'delay=D')
    .replace(/delays=[\d.]+\/[\d.]+\/[\d.]+\/[\d.]+/, 'delays=D/D/D/D')
    .replace(/queued as \w+/, 'queued as X')
    .replace(/message size \d+ exceeds/, 'message size N exceeds');
}

const skip = postfixSkipReason();

test('affix smtp logs what Postfix smtp logs for each remote behaviour', { skip, timeout: 120_000 }, async (t) => {
  const ports: Record<string, { postfix: number; affix: number }> = {};
  for (const sc of SCENARIOS) {
    if (sc.script === null) {
      ports[sc.name] = { postfix: await closedPort(), affix: await closedPort() };
    } else {
      const a = await startScriptServer(t, sc.script);
      const b = await startScriptServer(t, sc.script);
      ports[sc.name] = { postfix: a.port, affix: b.port };
    }
  }
  const dir = tempDir(t, 'affix-transport-');
  const transport = join(dir, 'transport');
  writeFileSync(
    transport,
    SCENARIOS.map((sc) => `${sc.name}.test smtp:[127.0.0.1]:${ports[sc.name]!.postfix}\n`).join(''),
  );
  const timeouts = { smtp_helo_timeout: '2s', smtp_data_done_timeout: '2s' };
  const pf = await startPostfix(t, { main: { transport_maps: `texthash:${transport}`, ...timeouts } });
  for (const sc of SCENARIOS) {
    await submit(
      pf.smtpdPort,
      '',
      sc.rcpts.map((r) => `${r}@${sc.name}.test`),
      CONTENT,
    );
  }
  const { agent, sink } = await startAgent(t, timeouts);
  for (const sc of SCENARIOS) {
    await agent.deliver(
      makeRequest({
        nexthop: `[127.0.0.1]:${ports[sc.name]!.affix}`,
        sender: '',
        recipients: sc.rcpts.map((r) => `${r}@${sc.name}.test`),
        content: CONTENT,
      }),
    );
  }
  for (const sc of SCENARIOS) {
    for (const r of sc.rcpts) {
      const rcpt = `${r}@${sc.name}.test`;
      const theirs = await pf.waitForLog(new RegExp(`postfix/smtp\\[\\d+\\]: \\w+: to=<${rcpt}>`));
      const ours = sink.records.map((rec) => rec.text).find((l) => l.includes(`to=<${rcpt}>`));
      assert.equal(norm(ours ?? '(no line)'), norm(theirs.replace(/^.*?postfix\/smtp\[\d+\]: /, '')), sc.name);
    }
  }
  // The standalone lines Postfix logs besides the status lines.
  const theirInfo = pf
    .log()
    .split('\n')
    .filter((l) => /postfix\/smtp\[\d+\]: (connect to|warning:)/.test(l))
    .map((l) => norm(l.replace(/^.*?postfix\/smtp\[\d+\]: /, '')));
  const ourInfo = sink.records
    .filter((r) => r.text.startsWith('connect to') || r.level === 'warning')
    .map((r) => norm(r.level === 'warning' ? `warning: ${r.text}` : r.text));
  assert.deepEqual(ourInfo, theirInfo);
});
