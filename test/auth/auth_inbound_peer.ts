/**
 * auth_inbound_peer: affix's smtpd for the inbound authentication tests —
 * the real program on 127.0.0.1 with the qmgr harness's cleanup and queue,
 * a DNS server on loopback serving the test's zone, and a client on
 * 127.0.0.9 (outside mynetworks and affix_dkim_internal_hosts, so its
 * mail is checked) that sends one message and returns the final reply.
 */
import { createServer } from 'node:net';
import { text } from 'node:stream/consumers';
import type { TestContext } from 'node:test';
import type { MasterService } from '../../src/config/master_cf.ts';
import { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { createLog } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { smtpdProgram } from '../../src/smtpd/smtpd.ts';
import { type DnsZone, startDnsServer } from '../peers/dns_server.ts';
import { smtpDialog } from '../peers/smtp_dialog.ts';
import { type Harness, harness } from '../qmgr/harness.ts';

export const INBOUND_MAIN_CF: readonly string[] = [
  'mydestination = mx.example.test, example.test',
  'local_recipient_maps =',
  'mynetworks = 127.0.0.1/32',
  'smtpd_peername_lookup = no',
  'affix_auth_inbound = yes',
  'affix_dkim_internal_hosts = 127.0.0.1/32',
  'smtpd_sender_restrictions = permit_mynetworks, reject_spf_fail, defer_spf_temperror',
];

const SMTP_SERVICE: MasterService = {
  name: 'smtp',
  type: 'inet',
  private: false,
  unprivileged: true,
  chroot: false,
  wakeup: 0,
  wakeupConditional: false,
  maxproc: null,
  command: 'smtpd',
  args: [],
  overrides: [],
  fields: [],
  commandWords: ['smtpd'],
  line: 1,
  lastLine: 1,
};

export interface InboundPeer {
  readonly port: number;
  readonly sink: MemorySink;
  readonly h: Harness;
  readonly dns: Awaited<ReturnType<typeof startDnsServer>>;
}

/** smtpd with INBOUND_MAIN_CF plus `extra`, resolving through a DNS server serving `zone`. */
export async function startInbound(t: TestContext, zone: DnsZone, extra: readonly string[] = []): Promise<InboundPeer> {
  const dns = await startDnsServer(t, { zone });
  const h = await harness(t, [...INBOUND_MAIN_CF, ...extra]);
  const sink = new MemorySink();
  const log = createLog({ program: 'smtpd', syslog_name: 'postfix', sink, myhostname: 'mx.example.test' });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const program = smtpdProgram({
    cleanup: () => h.cleanup,
    context: { hosts: null, dns: new DnsResolver({ servers: dns.servers, timeout: 500, tries: 1 }) },
  });
  const running = await program.start({
    config: h.config,
    service: SMTP_SERVICE,
    log,
    listeners: [server],
    registerControl: () => {},
  });
  t.after(async () => {
    server.close();
    await running.stop('immediate');
  });
  return { port, sink, h, dns };
}

/** One message from 127.0.0.9; resolves to the reply to the final dot. */
export async function sendInbound(
  t: TestContext,
  port: number,
  sender: string,
  message: string,
  helo = 'mail.client.test',
): Promise<string> {
  const c = await smtpDialog(t, port, { localAddress: '127.0.0.9' });
  await c.expect(/^220 /);
  await c.send(`EHLO ${helo}`, /^250/);
  await c.send(`MAIL FROM:<${sender}>`, '250 2.1.0 Ok');
  await c.send('RCPT TO:<user@example.test>', '250 2.1.5 Ok');
  await c.send('DATA', /^354 /);
  await c.send(`${message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')}\r\n.`);
  return c.reply();
}

/** The queued content of the message a `250 2.0.0 Ok: queued as ID` reply names. */
export async function queuedContent(h: Harness, reply: string): Promise<string> {
  const id = /^250 2\.0\.0 Ok: queued as (\w+)$/.exec(reply)?.[1];
  if (id === undefined) throw new Error(`not queued: ${reply}`);
  return text(h.store.content(await h.store.read('incoming', id as never)));
}
