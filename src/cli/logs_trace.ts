/**
 * logs_trace: `affix logs trace ID|message-id|address [-c DIR] [-r] [file... | -]`:
 * each message of the story as one timeline (smtpd connect, client=,
 * cleanup message-id, qmgr queued, every delivery attempt with its delays
 * in words, bounce, removed), with the messages it led to (the bounce's
 * notification, a requeue, a relay through this host) and, for an address,
 * the refusals before queueing that named it. `--json` for tools.
 *
 * Parameters: maillog_file
 * See: logscan_trace.ts, logscan_describe.ts
 */

import { DELAYS_LEGEND, describeEntry, explainDelays } from '../logscan/logscan_describe.ts';
import type { LogEntry } from '../logscan/logscan_event.ts';
import { sourceName } from '../logscan/logscan_read.ts';
import { type TraceResult, traceMessages } from '../logscan/logscan_trace.ts';
import { type MessageFacts, messageFacts } from '../logscan/logscan_trace_facts.ts';
import type { CliIo, CliMessages } from './cli_io.ts';
import type { LogsCommand } from './logs_options.ts';
import { asFiles, logSources } from './logs_sources.ts';

function entryLines(entry: LogEntry): string[] {
  const f = entry.frame;
  const head = `  ${f.stamp.padEnd(15)}  ${f.program.padEnd(9)} `;
  const out = [`${head}${describeEntry(entry)}`];
  const e = entry.event;
  if (e.kind === 'delivery') out.push(`${' '.repeat(head.length)}delay: ${explainDelays(e.delay, e.delays)}`);
  return out;
}

function outcome(facts: MessageFacts): string[] {
  const lines = facts.recipients.map((r) => {
    const tries = r.attempts > 1 ? ` after ${r.attempts} attempts` : '';
    const dsn = r.dsn === null ? '' : ` ${r.dsn}`;
    return `    <${r.to}>: ${r.status}${tries} (${r.relay}${dsn}: ${r.text})`;
  });
  return lines.length > 0 ? lines : ['    no delivery attempt in this log'];
}

function messageText(result: TraceResult, queueId: string, facts: MessageFacts, entries: readonly LogEntry[]): string {
  const out: string[] = [];
  out.push(`Message ${queueId}${facts.messageId === null ? '' : `  message-id=${facts.messageId}`}`);
  const about = [
    facts.from === null ? null : `from=<${facts.from}>`,
    facts.size === null ? null : `${facts.size} bytes`,
    facts.nrcpt === null ? null : `${facts.nrcpt} recipient(s)`,
    facts.receivedBy === null ? null : `received by ${facts.receivedBy}`,
  ].filter((x) => x !== null);
  if (about.length > 0) out.push(`  ${about.join(', ')}`);
  for (const l of result.links) {
    if (l.from === queueId) out.push(`  ${l.relation} ${l.to} (below)`);
    if (l.to === queueId) out.push(`  ${l.reverse} ${l.from} (above)`);
  }
  out.push(`  outcome (${facts.end}):`, ...outcome(facts), '  timeline:');
  for (const entry of entries) out.push(...entryLines(entry));
  return `${out.join('\n')}\n`;
}

function eventJson(entry: LogEntry) {
  const f = entry.frame;
  const e = entry.event;
  return {
    time: Number.isNaN(f.time) ? null : new Date(f.time).toISOString(),
    stamp: f.stamp,
    program: f.tag,
    pid: f.pid,
    kind: e.kind,
    description: describeEntry(entry),
    ...(e.kind === 'delivery'
      ? { delays: e.delays, delay: e.delay, delays_explained: explainDelays(e.delay, e.delays) }
      : {}),
    line: f.line,
  };
}

function traceJson(result: TraceResult) {
  return {
    term: result.term,
    truncated: result.truncated,
    links: result.links,
    messages: result.messages.map((m) => {
      const facts = messageFacts(m, result.links);
      return {
        queue_id: m.queueId,
        message_id: facts.messageId,
        from: facts.from,
        size: facts.size,
        nrcpt: facts.nrcpt,
        received_by: facts.receivedBy,
        end: facts.end,
        recipients: facts.recipients.map((r) => ({
          to: r.to,
          orig_to: r.origTo,
          status: r.status,
          dsn: r.dsn,
          relay: r.relay,
          text: r.text,
          attempts: r.attempts,
        })),
        events: m.entries.map(eventJson),
      };
    }),
    rejects: result.rejects.map(eventJson),
  };
}

/** Exit status: 0 when something was found, 1 when the log does not mention the term. */
export async function logsTrace(cmd: LogsCommand, io: CliIo, msg: CliMessages): Promise<number> {
  const [term, ...files] = cmd.operands;
  const sources = await logSources(files, cmd.optionC, cmd.rotated, io, msg);
  const names = sources.map(sourceName).join(', ');
  const copies = await asFiles(sources);
  let result: TraceResult;
  try {
    result = await traceMessages(copies.files, term!, cmd.year === undefined ? {} : { year: cmd.year });
  } catch (err) {
    return msg.fatal(`read ${names}: ${(err as Error).message}`);
  } finally {
    await copies.cleanup();
  }
  if (cmd.json) {
    io.stdout.write(`${JSON.stringify(traceJson(result), null, 2)}\n`);
    return result.messages.length + result.rejects.length > 0 ? 0 : 1;
  }
  if (result.messages.length === 0 && result.rejects.length === 0) {
    io.stderr.write(`affix logs: no message in ${names} has queue ID, message-id or address ${term}\n`);
    return 1;
  }
  const blocks = result.messages.map((m) => messageText(result, m.queueId, messageFacts(m, result.links), m.entries));
  if (result.rejects.length > 0) {
    const lines = result.rejects.flatMap(entryLines);
    blocks.push(`Refused before queueing (${result.rejects.length}):\n${lines.join('\n')}\n`);
  }
  if (result.truncated) blocks.push('(more messages matched; only the first ones are shown)\n');
  if (result.messages.length > 0) blocks.push(`${DELAYS_LEGEND}\n`);
  io.stdout.write(blocks.join('\n'));
  return 0;
}
