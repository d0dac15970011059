/**
 * doctor_context: one doctor run. DoctorInputs are what the command line
 * gathered (the configuration, where the log and queue come from, the DNS
 * resolver, facts the host cannot know: its public IPs, its domains);
 * DoctorRun hands them to the checks and reads the shared material once:
 * the log (one pass for all checks), the queue, the sending addresses, the
 * sending and receiving domains. Problems reading an input become findings.
 *
 * Parameters: myhostname, mydomain, myorigin, mydestination, relay_domains,
 *   virtual_alias_domains, virtual_mailbox_domains, smtp_helo_name,
 *   smtp_bind_address, smtp_bind_address6
 * Security: reads only; a check that writes or connects says so in its header
 */
import type { Config } from '../config/config.ts';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import type { LogSource } from '../logscan/logscan_read.ts';
import { looksLikeDomain, paramList, paramValue } from './doctor_config.ts';
import { type Finding, finding } from './doctor_finding.ts';
import { type LogFacts, scanLogFacts } from './doctor_log.ts';
import { sendingAddresses } from './doctor_net.ts';
import { parsePostqueueJson, type QueueSnapshot, readQueue } from './doctor_queue.ts';

/** How `affix doctor send-test` submits: runs a sendmail with these arguments and the message on stdin. */
export type Submitter = (args: readonly string[], message: string) => Promise<SubmitResult>;

export interface SubmitResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The program that ran, for the report: `/usr/sbin/sendmail`, `affix sendmail`. */
  readonly program: string;
}

export interface SendTestInput {
  readonly address: string;
  readonly from: string | null;
  readonly submit: Submitter;
  /** Seconds to follow the log for the message's outcome. */
  readonly wait: number;
}

export type QueueInput =
  | { readonly kind: 'auto' }
  | { readonly kind: 'json'; readonly source: string; readonly text: string }
  | { readonly kind: 'none' };

export interface DoctorInputs {
  readonly config: Config;
  /** Warnings from reading main.cf/master.cf, reported under log health. */
  readonly configWarnings: readonly string[];
  /** The mail log, in order; empty: no log to read. */
  readonly logSources: readonly LogSource[];
  /** The log as a file, for a test send to follow (null when it is standard input). */
  readonly logFile: string | null;
  readonly logYear?: number;
  readonly queue: QueueInput;
  /** null: offline, no DNS checks. */
  readonly dns: DnsResolver | null;
  readonly publicIps: readonly string[];
  readonly domains: readonly string[];
  /** DNSBL zones to ask (`zen.spamhaus.org`, `zone=127.0.0.[2..11]`). */
  readonly dnsblZones: readonly string[];
  /** `affix doctor relay|tls --probe HOST:PORT`. */
  readonly probe: string | null;
  /** Probe the STARTTLS of peers with TLS failures in the log. */
  readonly probePeers: boolean;
  /** Domain the relay probe tries to relay to. */
  readonly probeDomain: string;
  /** DKIM selectors to look for, besides those found in a signer's configuration. */
  readonly dkimSelectors: readonly string[];
  /** The OpenDKIM configuration file to read for the selector and key, if any. */
  readonly opendkimConf: string | null;
  readonly sendTest: SendTestInput | null;
  /** Milliseconds since the epoch; tests fix it. */
  readonly now: number;
}

/** A check family: its findings for this run. */
export type Check = (run: DoctorRun) => Promise<Finding[]>;

export class DoctorRun {
  readonly inputs: DoctorInputs;
  readonly config: Config;
  /** Findings about the inputs themselves (an unreadable log ...), reported under log health. */
  readonly inputFindings: Finding[] = [];
  /** Findings of the checks that ran so far (the score reads them). */
  readonly findings: Finding[] = [];
  #log: Promise<LogFacts | null> | undefined;
  #queue: Promise<QueueSnapshot | null> | undefined;
  /** What was read, for the report's header (undefined: not needed by the checks that ran). */
  logRead: LogFacts | null | undefined;
  queueRead: QueueSnapshot | null | undefined;

  constructor(inputs: DoctorInputs) {
    this.inputs = inputs;
    this.config = inputs.config;
  }

  #dnsDown = false;

  /** The resolver, or null when offline or when it did not answer (see checkDns). */
  get dns(): DnsResolver | null {
    return this.#dnsDown ? null : this.inputs.dns;
  }

  /**
   * Asks the resolver once (the A record of myhostname) before the DNS
   * checks: a server that does not answer at all would make each of their
   * lookups wait for the timeout. Returns a finding when it is down.
   */
  async checkDns(): Promise<Finding | null> {
    const dns = this.inputs.dns;
    if (dns === null) return null;
    const probe = await dns.lookup(this.myhostname || 'localhost', 'A');
    if (probe.status !== 'retry' || (probe.error !== 'timeout' && probe.error !== 'network')) return null;
    this.#dnsDown = true;
    return finding({
      severity: 'warning',
      check: 'domain',
      id: 'input.dns_unreachable',
      title: `the DNS server does not answer (${dns.servers.map((s) => `${s.host}:${s.port}`).join(' ')}): DNS checks skipped`,
      evidence: [probe.detail ?? probe.text],
      cause:
        "no DNS server answered a query for this host's own name: the network or the resolver is down, so SPF, DKIM, DMARC, PTR and blacklist checks cannot run (and Postfix defers mail to domains it cannot look up)",
      fix:
        'check /etc/resolv.conf and the resolver (`dig A ' +
        (this.myhostname || 'example.com') +
        '`), or name one: `affix doctor --resolver 127.0.0.1:53`',
    });
  }

  get now(): number {
    return this.inputs.now;
  }

  /** The log's facts, read once; null without a log (or when it cannot be read: a finding says why). */
  logFacts(): Promise<LogFacts | null> {
    this.#log ??= this.#readLog();
    return this.#log;
  }

  async #readLog(): Promise<LogFacts | null> {
    this.logRead = null;
    if (this.inputs.logSources.length === 0) return null;
    try {
      this.logRead = await scanLogFacts(this.inputs.logSources, this.inputs.logYear);
      return this.logRead;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.inputFindings.push(
        finding({
          severity: 'warning',
          check: 'log',
          id: 'input.log_unreadable',
          title: 'the mail log could not be read',
          evidence: [e.message],
          cause: 'the log file is missing or not readable by this user; without it the checks see no history',
          fix: 'name the log: `affix doctor --log /var/log/mail.log`, or pipe the journal: `journalctl -u postfix | affix doctor --log -`',
        }),
      );
      return null;
    }
  }

  /** The queue, read once; null when there is none to read (a finding says why when it failed). */
  queue(): Promise<QueueSnapshot | null> {
    this.#queue ??= this.#readQueue();
    return this.#queue;
  }

  async #readQueue(): Promise<QueueSnapshot | null> {
    const q = this.inputs.queue;
    if (q.kind === 'none') return null;
    const snap =
      q.kind === 'json'
        ? { source: q.source, messages: parsePostqueueJson(q.text), error: null }
        : await readQueue(this.config);
    this.queueRead = snap;
    if (snap?.error != null) {
      this.inputFindings.push(
        finding({
          severity: 'warning',
          check: 'queue',
          id: 'input.queue_unreadable',
          title: 'the mail queue could not be read',
          evidence: [`${snap.source}: ${snap.error}`],
          cause: 'reading the queue needs the mail system running (postqueue asks showq) or root',
          fix: 'run the doctor as root, or save the queue first: `postqueue -j > queue.json; affix doctor --queue queue.json`',
        }),
      );
    }
    return snap;
  }

  get myhostname(): string {
    return paramValue(this.config, 'myhostname');
  }

  /** The name the SMTP client sends in HELO/EHLO (smtp_helo_name, default $myhostname). */
  get heloName(): string {
    return paramValue(this.config, 'smtp_helo_name') || this.myhostname;
  }

  /** The public addresses this host sends mail from (see doctor_net.sendingAddresses). */
  sendingIps(): string[] {
    const bind = [paramValue(this.config, 'smtp_bind_address'), paramValue(this.config, 'smtp_bind_address6')];
    return sendingAddresses(this.inputs.publicIps, bind, this.config.system.interfaces);
  }

  /**
   * The domains mail is sent from: --domain, myorigin, the virtual domains,
   * and the sender domains of outgoing mail in the log (most used first),
   * at most eight.
   */
  async sendingDomains(): Promise<string[]> {
    const out = new Set<string>(this.inputs.domains.map((d) => d.toLowerCase()));
    const add = (d: string) => {
      const name = d.toLowerCase().replace(/\.$/, '');
      if (looksLikeDomain(name) && !/(^|\.)localhost($|\.)|\.localdomain$/.test(name)) out.add(name);
    };
    // myorigin = $myhostname (the default) names a host, not a mail domain of its own
    const myorigin = paramValue(this.config, 'myorigin');
    if (myorigin.toLowerCase() !== this.myhostname.toLowerCase()) add(myorigin);
    for (const d of paramList(this.config, 'virtual_mailbox_domains')) add(d);
    for (const d of paramList(this.config, 'virtual_alias_domains')) add(d);
    const facts = await this.logFacts();
    if (facts !== null) {
      const seen = [...facts.outboundSenderDomains.entries()].sort((a, b) => b[1] - a[1]);
      for (const [d] of seen.slice(0, 5)) add(d);
    }
    return [...out].slice(0, 8);
  }

  /** The domains this host receives mail for: --domain, mydestination's Internet domains, relay and virtual domains. */
  receivingDomains(): string[] {
    const out = new Set<string>(this.inputs.domains.map((d) => d.toLowerCase()));
    const host = this.myhostname.toLowerCase();
    const add = (d: string) => {
      const name = d.toLowerCase().replace(/\.$/, '');
      if (looksLikeDomain(name) && name !== host && !/(^|\.)localhost($|\.)|\.localdomain$/.test(name)) out.add(name);
    };
    for (const p of ['mydestination', 'virtual_mailbox_domains', 'virtual_alias_domains', 'relay_domains']) {
      for (const d of paramList(this.config, p)) add(d);
    }
    return [...out].slice(0, 8);
  }
}
