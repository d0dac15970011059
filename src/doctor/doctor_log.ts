/**
 * doctor_log: the doctor's adapter over src/logscan. One pass over the mail
 * log (logscan's forEachLogEntry, so memory stays constant) fills LogFacts:
 * the groups each check reads, each a count, times and a few sample lines:
 * relay-access-denied rejects by client and recipient domain (with what the
 * session's disconnect line says about AUTH and STARTTLS), other smtpd
 * rejects, deferred and bounced deliveries by reason class, destination
 * and agent, warning/error/fatal/panic lines, SASL failures per client,
 * `hostname X does not resolve to address Y` per client, TLS handshake
 * failures per peer, TLS sessions by trust, and the sender domains of
 * outgoing mail.
 *
 * Diagnostics: rejects with logscan's read errors (ENOENT ...)
 * Security: reads the log only; kept lines are copies (logscan's detach)
 * See: src/logscan/logscan_event.ts (the events), logscan_reasons.ts (folding)
 */
import { detach } from '../logscan/logscan_counter.ts';
import type { LogEntry, LogEvent } from '../logscan/logscan_event.ts';
import type { LogSource } from '../logscan/logscan_read.ts';
import { checkReason, deliveryReason, diagnosticReason } from '../logscan/logscan_reasons.ts';
import { forEachLogEntry } from '../logscan/logscan_scan.ts';
import { addDistinct, addLine, GroupMap, type LineGroup, newGroup } from './doctor_log_group.ts';
import { type SessionCounts, type SessionSink, SessionTracker } from './doctor_log_sessions.ts';
import { addressDomain, classifyReason, type ReasonClass } from './doctor_reasons.ts';

export interface RelayDenied extends LineGroup, SessionCounts {
  readonly clientAddr: string;
  readonly clientName: string;
  /** The smtpd's syslog_name: `postfix` (port 25), `postfix/submission` ... */
  readonly service: string;
  readonly domain: string;
  code: number | null;
  readonly recipients: string[];
  readonly senders: string[];
}

export interface DeliveryProblem extends LineGroup {
  readonly status: string;
  readonly cls: ReasonClass;
  /** Recipient domain (`(local)` for a bare name). */
  readonly domain: string;
  /** The delivery agent: smtp, lmtp, local, virtual, error, pipe ... */
  readonly agent: string;
  readonly relays: string[];
  /** Folded reasons (logscan's deliveryReason), a few. */
  readonly reasons: string[];
  /** The texts in parentheses as logged, a few. */
  readonly texts: string[];
  readonly dsns: string[];
  readonly queueIds: string[];
  readonly recipients: string[];
}

export interface RejectGroup extends LineGroup {
  readonly action: string;
  readonly stage: string;
  /** Folded reply (logscan's checkReason). */
  readonly reason: string;
  readonly service: string;
  readonly program: string;
  readonly clients: string[];
  readonly recipients: string[];
  readonly senders: string[];
  readonly helos: string[];
}

export interface DiagnosticGroup extends LineGroup {
  readonly severity: string;
  readonly program: string;
  /** The text, its queue IDs folded. */
  readonly reason: string;
  /** One text as logged (after the severity prefix). */
  readonly text: string;
}

export interface ClientGroup extends LineGroup {
  readonly addr: string;
  readonly namaddr: string;
  /** SASL user names tried, or the PTR name of a hostname warning. */
  readonly names: string[];
}

export interface TlsProblem extends LineGroup {
  /** `in`: a client of smtpd; `out`: a server the SMTP client connected to. */
  readonly direction: 'in' | 'out';
  readonly peer: string;
  /** The TLS library text, or the SSL_accept/SSL_connect line's own text. */
  readonly text: string;
}

export interface DeliveryTotals {
  sent: number;
  deferred: number;
  bounced: number;
  /** Of the above, by network agents (smtp, lmtp). */
  remoteSent: number;
  remoteDeferred: number;
  remoteBounced: number;
}

const NETWORK_AGENTS = new Set(['smtp', 'lmtp', 'relay']);
const SASL_FAILED =
  /^(\S+\[[^\]]*\]): SASL (\S+) authentication (?:failed|aborted)(?:: .*?)?(?:, sasl_username=(\S+))?$/;
const HOSTNAME_WARNING = /^hostname (\S+) does not resolve to address (\S+?)(?:: [A-Z].*)?$/;

export class LogFacts implements SessionSink {
  lines = 0;
  firstTime = Number.NaN;
  lastTime = Number.NaN;
  /** Sources read, by name. */
  readonly sources: string[] = [];
  /** `3.7.11`: the version in the last `daemon started` line. */
  version: string | null = null;
  /** When Postfix (or affix) last started or reloaded, ms. */
  lastStart = Number.NaN;
  readonly totals: DeliveryTotals = {
    sent: 0,
    deferred: 0,
    bounced: 0,
    remoteSent: 0,
    remoteDeferred: 0,
    remoteBounced: 0,
  };
  readonly relayDenied = new GroupMap<RelayDenied>();
  readonly rejects = new GroupMap<RejectGroup>();
  readonly deliveries = new GroupMap<DeliveryProblem>();
  readonly diagnostics = new GroupMap<DiagnosticGroup>();
  readonly saslFailures = new GroupMap<ClientGroup>();
  readonly hostnameWarnings = new GroupMap<ClientGroup>();
  readonly tlsProblems = new GroupMap<TlsProblem>();
  /** TLS sessions: `in Anonymous TLSv1.3` -> count. */
  readonly tlsSessions = new Map<string, number>();
  /** Sender domains of mail sent out by the SMTP/LMTP client, with counts. */
  readonly outboundSenderDomains = new Map<string, number>();
  readonly #sessions = new SessionTracker(this);
  /** Queue ID -> sender domain, while the message is in the log's window. */
  readonly #senders = new Map<string, string>();

  see(entry: LogEntry): void {
    this.lines++;
    const f = entry.frame;
    if (!Number.isNaN(f.time)) {
      if (Number.isNaN(this.firstTime)) this.firstTime = f.time;
      this.lastTime = f.time;
    }
    if (f.tag === '') return;
    const e = entry.event;
    if (e.kind === 'diagnostic') {
      this.#diagnostic(entry);
      return;
    }
    switch (e.kind) {
      case 'smtpd_check':
        this.#check(entry, e);
        break;
      case 'delivery':
        this.#delivery(entry, e);
        break;
      case 'queue_active':
        if (this.#senders.size >= 50_000) this.#senders.delete(this.#senders.keys().next().value!);
        this.#senders.set(e.queueId, detach(addressDomain(e.from)));
        break;
      case 'removed':
        this.#senders.delete(e.queueId);
        break;
      case 'disconnect':
        this.#sessions.disconnect(entry, e);
        break;
      case 'tls': {
        const key = `${e.direction === 'from' ? 'in' : 'out'} ${e.trust} ${e.protocol}`;
        this.tlsSessions.set(key, (this.tlsSessions.get(key) ?? 0) + 1);
        break;
      }
      case 'daemon':
        if (e.action === 'started' || e.action === 'reload') {
          this.lastStart = f.time;
          if (e.version !== null) this.version = detach(e.version);
        }
        break;
      default:
        if (f.text.startsWith('SSL_accept error from ') || f.text.startsWith('SSL_connect error to ')) {
          this.#sessions.sslError(entry);
        }
    }
  }

  /** Ends the scan: TLS library problems no SSL_accept/SSL_connect line claimed are kept without a peer. */
  finish(): void {
    this.#sessions.flushTls();
  }

  relayGroup(key: string): SessionCounts | undefined {
    return this.relayDenied.find(key);
  }

  /** Records a TLS failure with a peer (called by the session tracker). */
  addTlsProblem(entry: LogEntry, direction: 'in' | 'out', peer: string, text: string): void {
    const g = this.tlsProblems.get(`${direction}|${peer}|${text}`, () => ({
      ...newGroup(),
      direction,
      peer: detach(peer),
      text: detach(text),
    }));
    if (g !== null) addLine(g, entry);
  }

  #check(entry: LogEntry, e: Extract<LogEvent, { kind: 'smtpd_check' }>): void {
    const service = entry.frame.syslogName;
    if (e.action === 'reject' && /Relay access denied/.test(e.text)) {
      const domain = addressDomain(e.envelope.to ?? '');
      const key = `${e.client.addr}|${domain}|${service}`;
      const g = this.relayDenied.get(key, () => ({
        ...newGroup(),
        clientAddr: detach(e.client.addr),
        clientName: detach(e.client.name),
        service: detach(service),
        domain: detach(domain),
        code: e.reply?.code ?? null,
        recipients: [],
        senders: [],
        authOk: 0,
        authFailed: 0,
        starttls: 0,
        sessions: 0,
      }));
      if (g !== null) {
        addLine(g, entry);
        addDistinct(g.recipients, e.envelope.to);
        addDistinct(g.senders, e.envelope.from);
        this.#sessions.relayReject(entry, key);
      }
      return;
    }
    const reason = checkReason(e);
    const g = this.rejects.get(`${e.action}|${reason}|${service}`, () => ({
      ...newGroup(),
      action: detach(e.action),
      stage: detach(e.stage),
      reason: detach(reason),
      service: detach(service),
      program: detach(entry.frame.program),
      clients: [],
      recipients: [],
      senders: [],
      helos: [],
    }));
    if (g === null) return;
    addLine(g, entry);
    addDistinct(g.clients, e.client.namaddr);
    addDistinct(g.recipients, e.envelope.to);
    addDistinct(g.senders, e.envelope.from);
    addDistinct(g.helos, e.envelope.helo);
  }

  #delivery(entry: LogEntry, e: Extract<LogEvent, { kind: 'delivery' }>): void {
    const agent = entry.frame.program;
    const remote = NETWORK_AGENTS.has(agent);
    const t = this.totals;
    if (e.status === 'sent') {
      t.sent++;
      if (remote) t.remoteSent++;
    } else if (e.status === 'deferred' || e.status === 'SOFTBOUNCE') {
      t.deferred++;
      if (remote) t.remoteDeferred++;
    } else if (e.status === 'bounced') {
      t.bounced++;
      if (remote) t.remoteBounced++;
    }
    if (remote) {
      const sender = this.#senders.get(e.queueId);
      if (sender !== undefined && this.outboundSenderDomains.size < 1000) {
        this.outboundSenderDomains.set(sender, (this.outboundSenderDomains.get(sender) ?? 0) + 1);
      }
    }
    // sendmail -bv answers (deliverable/undeliverable) are probes, not mail
    if (e.status === 'sent' || e.status === 'deliverable' || e.status === 'undeliverable') return;
    const cls = classifyReason(e.text, e.dsn);
    const domain = addressDomain(e.to);
    const g = this.deliveries.get(`${e.status}|${cls}|${domain}|${agent}`, () => ({
      ...newGroup(),
      status: detach(e.status),
      cls,
      domain: detach(domain),
      agent: detach(agent),
      relays: [],
      reasons: [],
      texts: [],
      dsns: [],
      queueIds: [],
      recipients: [],
    }));
    if (g === null) return;
    addLine(g, entry);
    addDistinct(g.relays, e.relay);
    addDistinct(g.reasons, deliveryReason(e), 3);
    addDistinct(g.texts, e.text, 3);
    addDistinct(g.dsns, e.dsn, 3);
    addDistinct(g.queueIds, e.queueId, 10);
    addDistinct(g.recipients, e.to, 10);
  }

  #diagnostic(entry: LogEntry): void {
    const f = entry.frame;
    this.#sessions.diagnostic(entry);
    const sasl = SASL_FAILED.exec(f.text);
    if (sasl !== null) {
      const peer = sasl[1]!;
      const addr = peer.slice(peer.indexOf('[') + 1, -1);
      const g = this.saslFailures.get(addr, () => ({
        ...newGroup(),
        addr: detach(addr),
        namaddr: detach(peer),
        names: [],
      }));
      if (g !== null) {
        addLine(g, entry);
        addDistinct(g.names, sasl[3], 10);
      }
    }
    const host = HOSTNAME_WARNING.exec(f.text);
    if (host !== null) {
      const g = this.hostnameWarnings.get(host[2]!, () => ({
        ...newGroup(),
        addr: detach(host[2]!),
        namaddr: `${host[1]}[${host[2]}]`,
        names: [],
      }));
      if (g !== null) {
        addLine(g, entry);
        addDistinct(g.names, host[1]);
      }
    }
    const reason = diagnosticReason(f);
    const g = this.diagnostics.get(`${f.severity}|${reason}`, () => ({
      ...newGroup(),
      severity: f.severity,
      program: detach(f.program),
      reason: detach(reason),
      text: detach(f.text),
    }));
    if (g !== null) addLine(g, entry);
  }
}

/** Reads `sources` once and returns what the checks need. */
export async function scanLogFacts(sources: readonly LogSource[], year?: number): Promise<LogFacts> {
  const facts = new LogFacts();
  await forEachLogEntry(sources, (entry) => facts.see(entry), {
    ...(year === undefined ? {} : { year }),
    onSource: (s) => facts.sources.push(s.kind === 'file' ? s.path : s.name),
  });
  facts.finish();
  return facts;
}
