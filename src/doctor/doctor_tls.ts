/**
 * doctor_tls: check 2, TLS. The configuration: is TLS on for incoming
 * (smtpd_tls_security_level, or the legacy smtpd_use_tls/smtpd_enforce_tls)
 * and outgoing mail (smtp_tls_security_level), and the certificate smtpd
 * presents (doctor_tls_cert.ts). The log: TLS failures by peer, classed as
 * not offered, handshake, protocol or certificate, inbound and outbound
 * (the SSL_accept/SSL_connect lines, the TLS library problems, deliveries
 * deferred with TLS texts); with --probe-peers each failing outbound peer
 * is probed, and with --probe HOST:PORT one server is.
 *
 * Parameters: smtpd_tls_security_level, smtpd_use_tls, smtpd_enforce_tls,
 *   smtp_tls_security_level, smtp_use_tls, smtp_enforce_tls, smtpd_tls_cert_file,
 *   smtpd_tls_key_file, smtpd_tls_eccert_file, smtpd_tls_eckey_file,
 *   smtpd_tls_chain_files, queue_directory
 * Security: reads certificate and key files; probes connect to the network
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { paramBool, paramList, paramValue, settingLine, smtpdServices } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { mxPointsHere } from './doctor_domains.ts';
import { type Finding, finding, plural } from './doctor_finding.ts';
import { parseProbeTarget } from './doctor_smtp_client.ts';
import { certPairFindings } from './doctor_tls_cert.ts';
import type { CertPair } from './doctor_tls_chain.ts';
import {
  classifyTlsText,
  probeStarttls,
  type TlsFailureClass,
  tlsClassWords,
  tlsProbeFindings,
} from './doctor_tls_probe.ts';

/** smtpd's effective level: the parameter, else the legacy booleans. */
export function smtpdTlsLevel(config: Config): string {
  const level = paramValue(config, 'smtpd_tls_security_level').trim();
  if (level !== '') return level;
  if (paramBool(config, 'smtpd_enforce_tls')) return 'encrypt';
  return paramBool(config, 'smtpd_use_tls') ? 'may' : 'none';
}

function smtpTlsLevel(config: Config): string {
  const level = paramValue(config, 'smtp_tls_security_level').trim();
  if (level !== '') return level;
  if (paramBool(config, 'smtp_enforce_tls')) return 'encrypt';
  return paramBool(config, 'smtp_use_tls') ? 'may' : 'none';
}

/** The cert/key pairs smtpd loads: smtpd_tls_chain_files, else the RSA and ECDSA file pairs. */
function certPairs(config: Config): CertPair[] {
  const chain = paramList(config, 'smtpd_tls_chain_files');
  if (chain.length > 0) return chain.map((f) => ({ param: 'smtpd_tls_chain_files', certFile: f, keyFile: f }));
  const out: CertPair[] = [];
  const cert = paramValue(config, 'smtpd_tls_cert_file');
  if (cert !== '')
    out.push({
      param: 'smtpd_tls_cert_file',
      certFile: cert,
      keyFile: paramValue(config, 'smtpd_tls_key_file') || cert,
    });
  const ec = paramValue(config, 'smtpd_tls_eccert_file');
  if (ec !== '')
    out.push({
      param: 'smtpd_tls_eccert_file',
      certFile: ec,
      keyFile: paramValue(config, 'smtpd_tls_eckey_file') || ec,
    });
  return out;
}

async function lastStart(run: DoctorRun): Promise<number> {
  const facts = await run.logFacts();
  const fromLog = facts?.lastStart ?? Number.NaN;
  try {
    const pid = await stat(join(paramValue(run.config, 'queue_directory'), 'pid', 'master.pid'));
    return Number.isNaN(fromLog) ? pid.mtimeMs : Math.max(fromLog, pid.mtimeMs);
  } catch {
    return fromLog;
  }
}

async function configFindings(run: DoctorRun): Promise<Finding[]> {
  const cfg = run.config;
  const out: Finding[] = [];
  const inbound = smtpdServices(cfg).filter((s) => s.mx);
  const off = inbound.filter((s) => smtpdTlsLevel(s.config) === 'none');
  if (off.length > 0) {
    out.push(
      finding({
        severity: 'warning',
        check: 'tls',
        id: 'tls.smtpd_off',
        title: `TLS is off for incoming mail (${off.map((s) => s.name).join(', ')}): STARTTLS is not offered`,
        evidence: [settingLine(cfg, 'smtpd_tls_security_level'), settingLine(cfg, 'smtpd_use_tls')],
        cause: 'mail arrives unencrypted; large providers mark such mail and MTA-STS senders cannot deliver',
        fix: `smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /etc/letsencrypt/live/${run.myhostname}/fullchain.pem\nsmtpd_tls_key_file = /etc/letsencrypt/live/${run.myhostname}/privkey.pem\nthen \`postfix reload\``,
        impact: { factor: 'tls', points: 1 },
      }),
    );
  }
  const outLevel = smtpTlsLevel(cfg);
  if (outLevel === 'none') {
    out.push(
      finding({
        severity: 'warning',
        check: 'tls',
        id: 'tls.smtp_off',
        title: 'TLS is off for outgoing mail: this host never uses STARTTLS when it delivers',
        evidence: [settingLine(cfg, 'smtp_tls_security_level')],
        cause: 'mail leaves unencrypted although most receivers offer TLS; Gmail and others show it as not encrypted',
        fix: 'smtp_tls_security_level = may (opportunistic TLS), then `postfix reload`',
        impact: { factor: 'tls', points: 1 },
      }),
    );
  }
  const pairs = certPairs(cfg);
  const tlsOn =
    inbound.some((s) => smtpdTlsLevel(s.config) !== 'none') ||
    smtpdServices(cfg).some((s) => smtpdTlsLevel(s.config) !== 'none');
  if (tlsOn && pairs.length === 0) {
    out.push(
      finding({
        severity: 'error',
        check: 'tls',
        id: 'tls.no_cert',
        title: 'TLS is on but no certificate is configured',
        evidence: [settingLine(cfg, 'smtpd_tls_security_level'), settingLine(cfg, 'smtpd_tls_cert_file')],
        cause:
          'smtpd has no certificate to present: it logs "warning: ... no certificate" and STARTTLS fails with 454 4.7.0 TLS not available due to local problem',
        fix: `smtpd_tls_cert_file = /etc/letsencrypt/live/${run.myhostname}/fullchain.pem\nsmtpd_tls_key_file = /etc/letsencrypt/live/${run.myhostname}/privkey.pem\nthen \`postfix reload\``,
        impact: { factor: 'tls', points: 1 },
      }),
    );
  }
  if (pairs.length === 0) return out;
  const ips = run.sendingIps();
  const mxNames: string[] = [];
  let publicMx = ips.length > 0;
  for (const d of run.receivingDomains()) {
    const mx = await mxPointsHere(run.dns, d, run.myhostname, ips);
    if (mx.here === true) {
      publicMx = true;
      for (const h of mx.hosts) if (!mxNames.includes(h)) mxNames.push(h);
    }
  }
  const ctx = { now: run.now, myhostname: run.myhostname, mxNames, publicMx, lastStart: await lastStart(run) };
  for (const p of pairs) out.push(...(await certPairFindings(p, ctx)));
  return out;
}

interface TlsIssue {
  readonly direction: 'in' | 'out';
  readonly peer: string;
  readonly cls: TlsFailureClass;
  count: number;
  readonly evidence: string[];
  readonly texts: string[];
}

/** The TLS failures of the log, by direction, peer and class. */
async function logIssues(run: DoctorRun): Promise<TlsIssue[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const issues = new Map<string, TlsIssue>();
  const add = (
    direction: 'in' | 'out',
    peer: string,
    cls: TlsFailureClass,
    count: number,
    lines: readonly string[],
    text: string,
  ) => {
    const key = `${direction}|${peer}|${cls}`;
    let i = issues.get(key);
    if (i === undefined) {
      i = { direction, peer, cls, count: 0, evidence: [], texts: [] };
      issues.set(key, i);
    }
    i.count += count;
    for (const l of lines) if (i.evidence.length < 4) i.evidence.push(l);
    if (!i.texts.includes(text) && i.texts.length < 3) i.texts.push(text);
  };
  for (const g of facts.tlsProblems.values())
    add(g.direction, g.peer, classifyTlsText(g.text), g.count, g.samples, g.text);
  for (const g of facts.deliveries.values()) {
    if (g.cls !== 'tls') continue;
    const peer = g.relays.find((r) => r !== 'none') ?? g.domain;
    for (const t of g.texts) add('out', peer === 'none' ? g.domain : peer, classifyTlsText(t), g.count, g.samples, t);
  }
  for (const g of facts.diagnostics.values()) {
    if (!/TLS|SSL|certificate|private key/.test(g.text) || g.text.startsWith('TLS library problem: ')) continue;
    if (classifyTlsText(g.text) !== 'local_config') continue;
    add('in', '(this host)', 'local_config', g.count, g.samples, g.text);
  }
  return [...issues.values()].sort((a, b) => b.count - a.count);
}

/** `mx.example.com[192.0.2.1]:25` -> probe target and name. */
function peerTarget(peer: string): { target: { host: string; port: number }; name: string } | null {
  const m = /^([^[\s]+)\[([^\]]+)\](?::(\d+))?$/.exec(peer);
  if (m === null) return null;
  return { target: { host: m[2]!, port: m[3] === undefined ? 25 : Number(m[3]) }, name: m[1]! };
}

async function logFindings(run: DoctorRun): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const i of (await logIssues(run)).slice(0, 10)) {
    const words = tlsClassWords(i.cls);
    const evidence = [...i.evidence, ...i.texts.map((t) => `TLS error: ${t}`)];
    if (run.inputs.probePeers && i.direction === 'out') {
      const t = peerTarget(i.peer);
      if (t !== null) {
        const r = await probeStarttls(t.target, t.name);
        evidence.push(
          ...r.evidence.map((e) => `probe: ${e}`),
          `probe verdict: ${r.failure ?? 'STARTTLS works now'}${r.detail === '' ? '' : ` (${r.detail})`}`,
        );
      }
    }
    const inbound = i.direction === 'in';
    const severity = i.cls === 'local_config' ? 'error' : inbound && i.cls !== 'certificate' ? 'info' : 'warning';
    out.push(
      finding({
        severity,
        check: 'tls',
        id: `tls.log_${i.cls}`,
        title:
          i.cls === 'not_offered'
            ? `${i.peer} does not offer STARTTLS, which policy requires (${plural(i.count, 'deferral')})`
            : `TLS ${i.cls.replace('_', ' ')} failure ${inbound ? 'from' : 'with'} ${i.peer}, ${plural(i.count, 'time')}`,
        evidence,
        cause: inbound
          ? i.cls === 'certificate'
            ? "clients reject this server's certificate (often mail clients on submission): see the certificate findings"
            : i.cls === 'local_config'
              ? words.cause
              : `clients that failed the handshake: usually scanners or very old clients (${words.cause})`
          : words.cause,
        fix:
          inbound && i.cls !== 'certificate' && i.cls !== 'local_config'
            ? 'nothing, unless legitimate clients are among them'
            : words.fix,
      }),
    );
  }
  return out;
}

export async function tlsCheck(run: DoctorRun): Promise<Finding[]> {
  const out = [...(await configFindings(run)), ...(await logFindings(run))];
  if (run.inputs.probe !== null) {
    const t = parseProbeTarget(run.inputs.probe);
    if (t !== null) out.push(...(await tlsProbeFindings(t)));
  }
  const facts = await run.logFacts();
  if (facts !== null && facts.tlsSessions.size > 0) {
    const rows = [...facts.tlsSessions.entries()].sort((a, b) => b[1] - a[1]);
    const old = rows.filter(([k]) => / TLSv1(\.1)?$/.test(k));
    out.push(
      finding({
        severity: old.length > 0 ? 'info' : 'ok',
        check: 'tls',
        id: 'tls.sessions',
        title: `${plural(
          rows.reduce((n, [, c]) => n + c, 0),
          'TLS session',
        )} in the log${old.length > 0 ? `, ${old.reduce((n, [, c]) => n + c, 0)} with TLS 1.0/1.1` : ''}`,
        evidence: rows.map(([k, n]) => `${n} × ${k.replace(/^in /, 'incoming ').replace(/^out /, 'outgoing ')}`),
        cause: old.length > 0 ? 'some peers still use obsolete TLS versions' : 'TLS is in use',
        fix: '',
      }),
    );
  }
  return out;
}
