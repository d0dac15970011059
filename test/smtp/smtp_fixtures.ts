/**
 * smtp_fixtures: what the smtp client's tests share — an agent built from
 * a private main.cf with its log in memory, and delivery requests made up
 * as qmgr would hand them over.
 */
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { readConfig } from '../../src/config/config.ts';
import type { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import type { DeliveryRecipient, DeliveryRequest } from '../../src/queue/deliver_request.ts';
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';
import { parseQueueId } from '../../src/queue/queue_id.ts';
import { createSmtpAgent, type SmtpAgent } from '../../src/smtp/smtp.ts';
import type { SmtpMode } from '../../src/smtp/smtp_settings.ts';
import { configDir } from '../peers/tmpdir.ts';

/** main.cf lines every client test starts from (no DNS, short timeouts). */
export const BASE_MAIN_CF: Readonly<Record<string, string>> = {
  compatibility_level: '3.6',
  myhostname: 'client.example.test',
  mydomain: 'example.test',
  inet_protocols: 'ipv4',
  smtp_dns_support_level: 'disabled',
  smtp_helo_timeout: '5s',
  smtp_connect_timeout: '5s',
};

export function mainCfText(settings: Readonly<Record<string, string>>): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}\n`)
    .join('');
}

export interface AgentHandle {
  readonly agent: SmtpAgent;
  readonly sink: MemorySink;
}

/** An smtp or lmtp agent with `settings` over BASE_MAIN_CF, its log in memory; closed after the test. */
export async function startAgent(
  t: TestContext,
  settings: Readonly<Record<string, string>> = {},
  mode: SmtpMode = 'smtp',
  extras: { dns?: DnsResolver; random?: () => number; now?: () => number } = {},
): Promise<AgentHandle> {
  const dir = configDir(t, mainCfText({ ...BASE_MAIN_CF, ...settings }));
  const config = await readConfig(dir);
  const sink = new MemorySink();
  const log = createLog({ program: mode, sink, pid: 4242 });
  const agent = await createSmtpAgent(mode, { config, log, ...extras });
  t.after(() => agent.close());
  return { agent, sink };
}

export interface RequestSpec {
  readonly nexthop: string;
  readonly recipients: readonly (string | Partial<DeliveryRecipient>)[];
  readonly sender?: string;
  readonly content?: string | Buffer;
  readonly queueId?: string;
  readonly transport?: string;
  readonly envelope?: Partial<QueueEnvelope>;
  readonly verifyOnly?: boolean;
  /** Seconds the message has waited before the active queue (delays=a). */
  readonly age?: number;
}

export const SIMPLE_CONTENT = 'From: sender@example.org\nTo: rcpt@remote.test\nSubject: test\n\nHello.\n';

/** A DeliveryRequest as qmgr builds it. */
export function makeRequest(spec: RequestSpec): DeliveryRequest {
  const now = Date.now() * 1000;
  const content = Buffer.from(spec.content ?? SIMPLE_CONTENT);
  const recipients: DeliveryRecipient[] = spec.recipients.map((r, index) => {
    const base = typeof r === 'string' ? { address: r } : r;
    const address = base.address ?? `rcpt${index}@remote.test`;
    return { index, address, original: base.original ?? address, orcpt: base.orcpt ?? null, notify: base.notify ?? 0 };
  });
  const envelope: QueueEnvelope = {
    sender: spec.sender ?? 'sender@example.org',
    arrival: now - (spec.age ?? 0) * 1e6,
    client: null,
    envid: null,
    ret: null,
    warnAt: null,
    smtputf8: false,
    body8bit: false,
    rewriteContext: 'local',
    fullName: '',
    attributes: {},
    ...spec.envelope,
  };
  const id = parseQueueId(spec.queueId ?? 'A1B2C3D4E5')!;
  return {
    queueId: id,
    message: {
      id,
      queue: 'active',
      envelope,
      recipients: recipients.map((r) => ({
        recipient: { address: r.address, original: r.original, orcpt: r.orcpt, notify: r.notify },
        done: false,
      })),
      size: content.length,
    },
    content: () => Readable.from([content]),
    transport: spec.transport ?? 'smtp',
    nexthop: spec.nexthop,
    recipients,
    activeAt: now,
    requestedAt: now,
    verifyOnly: spec.verifyOnly ?? false,
  };
}

/** Status lines (`ID: to=<...>, ...`) the agent logged, without the syslog tag. */
export function statusLines(sink: MemorySink): string[] {
  return sink.records.map((r) => r.text).filter((l) => / to=</.test(l));
}

/** A status line with its timing fields made comparable: delay=D, delays=D/D/D/D. */
export function normalise(line: string): string {
  return line
    .replace(/delay=[\d.]+/, 'delay=D')
    .replace(/delays=[\d.]+\/[\d.]+\/[\d.]+\/[\d.]+/, 'delays=D/D/D/D')
    .replace(/:\d{4,5}\b/g, ':PORT');
}
