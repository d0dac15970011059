/**
 * doctor_send_test: check 9, `affix doctor send-test ADDRESS`: the seed's
 * "send a test, then read the log". It submits a test message through the
 * local MTA's sendmail (Postfix's /usr/sbin/sendmail or affix's own; the
 * command line supplies it), with a Message-ID made for the test; then
 * follows the log, from where it ended when the test began, with
 * logscan's trace (message-id -> queue ID -> every line of the message,
 * its bounce included) until each recipient has an outcome or the wait
 * ends; and explains the outcome with the classes of the other checks.
 *
 * Parameters: myhostname, myorigin
 * Security: submits one message to the address the admin names; reads the
 *   log; writes a private temporary copy of the log's new part (removed)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEntry } from '../logscan/logscan_describe.ts';
import { traceMessages } from '../logscan/logscan_trace.ts';
import { type MessageFacts, messageFacts } from '../logscan/logscan_trace_facts.ts';
import { paramValue } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type CheckName, type Finding, findingMaker } from './doctor_finding.ts';
import { classifyReason, REASON_INFO, type ReasonClass } from './doctor_reasons.ts';

/** Which check explains more about a class of failure. */
const SEE_CHECK: Partial<Record<ReasonClass, CheckName>> = {
  blacklist: 'dnsbl',
  ptr: 'rdns',
  sender_auth: 'domain',
  tls: 'tls',
  connect_timeout: 'queue',
  connect_refused: 'queue',
  dns: 'domain',
  mailbox_full: 'mailbox',
  user_unknown: 'mailbox',
  relay_denied: 'relay',
  local_config: 'log',
  local_resource: 'log',
};

const POLL_MS = 500;
const FINAL = new Set(['sent', 'bounced', 'deferred', 'expired', 'undeliverable', 'deliverable']);

/** The test message, RFC 5322, LF line ends (sendmail -i takes them). */
export function testMessage(from: string, to: string, messageId: string, hostname: string, now: Date): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: affix doctor test message ${messageId.slice(1, 13)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    'X-Affix-Doctor: send-test',
    '',
    `This is a test message sent by "affix doctor send-test" on ${hostname}.`,
    `It checks that mail from this host reaches ${to}. No reply is needed.`,
    '',
  ].join('\n');
}

/** The log written since `offset`, copied to `copy` (from the start when the file shrank: rotated). */
async function copyTail(logFile: string, offset: number, copy: string): Promise<void> {
  const fh = await open(logFile, 'r');
  try {
    const { size } = await fh.stat();
    const from = size < offset ? 0 : offset;
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    await writeFile(copy, buf, { mode: 0o600 });
  } finally {
    await fh.close();
  }
}

function done(f: MessageFacts): boolean {
  return f.recipients.length > 0 && f.recipients.every((r) => FINAL.has(r.status));
}

const sendFinding = findingMaker('send-test');

export async function sendTestCheck(run: DoctorRun): Promise<Finding[]> {
  const t = run.inputs.sendTest;
  if (t === null) return [];
  const logFile = run.inputs.logFile;
  if (logFile === null) {
    return [
      sendFinding(
        'error',
        'send-test.no_log',
        'send-test needs the mail log as a file',
        [],
        'the log is read from standard input, which cannot be followed',
        'name the file: `affix doctor send-test ADDRESS --log /var/log/mail.log`',
      ),
    ];
  }
  const hostname = run.myhostname;
  const from = t.from ?? `postmaster@${paramValue(run.config, 'myorigin') || hostname}`;
  const messageId = `<affix-doctor.${Date.now().toString(36)}.${randomBytes(4).toString('hex')}@${hostname}>`;
  let offset = 0;
  try {
    offset = (await stat(logFile)).size;
  } catch {
    // created by the submission
  }
  const started = Date.now();
  const result = await t.submit(
    ['-i', '-f', from, '--', t.address],
    testMessage(from, t.address, messageId, hostname, new Date(run.now)),
  );
  const submitted = `${result.program} -i -f ${from} -- ${t.address}: exit ${result.status}${result.stderr.trim() === '' ? '' : `: ${result.stderr.trim()}`}`;
  if (result.status !== 0) {
    const stub = /not implemented/.test(result.stderr);
    return [
      sendFinding(
        'error',
        'send-test.submit_failed',
        `the test message could not be submitted (${result.program} exit ${result.status})`,
        [submitted],
        stub
          ? "affix's own sendmail is not available yet"
          : 'sendmail refused the message: the mail system is down, the postdrop/maildrop directory is not writable, or the configuration is broken',
        stub
          ? "on a Postfix host, submit with Postfix's: `affix doctor send-test ADDRESS --sendmail /usr/sbin/sendmail`"
          : '`postfix status`; `postfix check`; the log lines of sendmail/postdrop name the cause',
      ),
    ];
  }
  const dir = await mkdtemp(join(tmpdir(), 'affix-doctor-'));
  const copy = join(dir, 'log');
  let facts: MessageFacts[] = [];
  let trace: Awaited<ReturnType<typeof traceMessages>> | null = null;
  try {
    while (Date.now() - started < t.wait * 1000) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      try {
        await copyTail(logFile, offset, copy);
      } catch {
        continue;
      }
      trace = await traceMessages([copy], messageId);
      facts = trace.messages.map((m) => messageFacts(m, trace!.links));
      if (facts.length > 0 && done(facts[0]!)) break;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  if (trace === null || facts.length === 0) {
    return [
      sendFinding(
        'error',
        'send-test.not_in_log',
        `the test message ${messageId} did not appear in ${logFile} within ${t.wait} s`,
        [submitted],
        'sendmail accepted it, but no Postfix line names it: pickup is not running (mail system down), or the log goes to another file',
        '`postfix status`; check that maillog_file or syslog writes to the file given with --log; `mailq` shows whether it waits in maildrop',
      ),
    ];
  }
  const timeline = trace.messages.flatMap((m) =>
    m.entries.map((e) => `${e.frame.stamp} ${m.queueId}: ${describeEntry(e)}`),
  );
  const main = facts[0]!;
  const evidence = [
    submitted,
    `message-id ${messageId}, queue ID ${main.queueId}, after ${elapsed} s: ${main.end}`,
    ...timeline,
  ];
  const bad = main.recipients.filter((r) => r.status !== 'sent' && r.status !== 'deliverable');
  if (main.recipients.length === 0) {
    return [
      sendFinding(
        'warning',
        'send-test.pending',
        `the test message ${main.queueId} was queued but not delivered within ${t.wait} s`,
        evidence,
        'it is still in the queue: the queue manager has not handed it to a delivery agent yet (a busy or stopped qmgr, a long retry wait)',
        `wait, then \`affix logs trace ${main.queueId}\`; \`postqueue -f\` retries now`,
      ),
    ];
  }
  if (bad.length === 0) {
    const r = main.recipients[0]!;
    return [
      sendFinding(
        'ok',
        'send-test.delivered',
        `the test message was delivered to ${r.to} via ${r.relay} (${elapsed} s)`,
        evidence,
        r.text,
        '',
      ),
    ];
  }
  return bad.map((r) => {
    const cls = classifyReason(r.text, r.dsn);
    const see = SEE_CHECK[cls];
    return sendFinding(
      r.status === 'deferred' ? 'warning' : 'error',
      `send-test.${r.status}`,
      `the test message to ${r.to} was ${r.status}: ${REASON_INFO[cls].label}`,
      [evidence[0]!, `${r.to}: ${r.status}, dsn=${r.dsn ?? '?'}, relay=${r.relay}: ${r.text}`, ...evidence.slice(1)],
      REASON_INFO[cls].cause,
      `${REASON_INFO[cls].fix}${see === undefined ? '' : `; \`affix doctor ${see}\` checks this`}`,
    );
  });
}
