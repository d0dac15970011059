/**
 * affix_smtpd: an affix smtpd for a test — the real program (smtpdProgram)
 * on 127.0.0.1 and an ephemeral port, configured by a main.cf the test
 * writes, logging to a MemorySink, queueing through QueueCleanup into a
 * temporary queue directory. Stopped in t.after().
 *
 *   const smtpd = await startAffixSmtpd(t, { mynetworks: '127.0.0.1/32' });
 *   const c = await smtpDialog(t, smtpd.port);
 *   await smtpd.log.waitFor('connect from localhost[127.0.0.1]');
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type Config, readConfig } from '../../src/config/config.ts';
import type { MasterService } from '../../src/config/master_cf.ts';
import type { RunningService } from '../../src/config/master_service.ts';
import type { DnsResolver } from '../../src/dns/dns_resolver.ts';
import { createLog, type Log } from '../../src/log/log.ts';
import { MemorySink } from '../../src/log/log_memory_sink.ts';
import { type SmtpdDeps, smtpdProgram } from '../../src/smtpd/smtpd.ts';
import { QueueCleanup } from './queue_cleanup.ts';
import { configDir, tempDir } from './tmpdir.ts';

export interface AffixSmtpd {
  readonly port: number;
  readonly log: MemorySink;
  readonly logger: Log;
  readonly cleanup: QueueCleanup;
  readonly config: Config;
  readonly server: Server;
  readonly running: RunningService;
  readonly dir: string;
}

export interface AffixSmtpdOptions {
  /** A DNS resolver (at a test DNS server); default: none answers (peername lookup off unless set). */
  readonly dns?: DnsResolver;
  /** master.cf `-o` style overrides for the service. */
  readonly service?: Partial<MasterService>;
  readonly deps?: SmtpdDeps['context'];
  /** No cleanup service at all. */
  readonly noCleanup?: boolean;
  /** Listen address (default 127.0.0.1). */
  readonly host?: string;
}

/** The main.cf every test starts from: no DNS, no /etc/hosts surprises, a fixed host name. */
export const BASE_MAIN_CF: Readonly<Record<string, string>> = {
  compatibility_level: '3.6',
  myhostname: 'mx.example.test',
  mydomain: 'example.test',
  mydestination: '$myhostname, localhost.$mydomain, localhost',
  smtpd_peername_lookup: 'no',
  inet_interfaces: '127.0.0.1',
  mynetworks: '127.0.0.0/8',
  alias_maps: '',
  local_recipient_maps: '',
};

export async function startAffixSmtpd(
  t: TestContext,
  mainCf: Readonly<Record<string, string>> = {},
  o: AffixSmtpdOptions = {},
): Promise<AffixSmtpd> {
  const dir = tempDir(t, 'affix-smtpd-');
  const settings = { queue_directory: join(dir, 'queue'), ...BASE_MAIN_CF, ...mainCf };
  const text = Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n');
  const conf = configDir(t, `${text}\n`);
  const config = await readConfig(conf);
  const sink = new MemorySink();
  const logger = createLog({ program: 'smtpd', syslog_name: 'postfix', sink, myhostname: 'mx.example.test' });
  const cleanup = await QueueCleanup.create(join(dir, 'queue'));
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: o.host ?? '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const service: MasterService = {
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
    ...o.service,
  };
  const program = smtpdProgram({
    cleanup: o.noCleanup ? undefined : () => cleanup,
    context: { hosts: null, ...(o.dns ? { dns: o.dns } : {}), ...o.deps },
  });
  const running = await program
    .start({ config, service, log: logger, listeners: [server], registerControl: () => undefined })
    .catch((err: unknown) => {
      server.close();
      throw err;
    });
  t.after(async () => {
    server.close();
    await running.stop('immediate');
  });
  return { port, log: sink, logger, cleanup, config, server, running, dir };
}
