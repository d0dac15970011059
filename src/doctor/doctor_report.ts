/**
 * doctor_report: the doctor's findings for people and for tools. Text:
 * a header saying what was examined (configuration, log, queue, DNS
 * server, public IPs), then the findings grouped by severity, worst first,
 * each with its evidence, cause and fix; `ok` findings one line each; a
 * summary line with the exit status. Colour through util.styleText when
 * the output is a terminal (NO_COLOR and FORCE_COLOR honoured). JSON: one
 * object with the same facts, for scripts and monitoring.
 */
import { styleText } from 'node:util';
import type { DoctorResult } from './doctor.ts';
import { CHECK_TITLES, type Finding, SEVERITIES, type Severity } from './doctor_finding.ts';
import { shortTime } from './doctor_log_group.ts';

type Style = Parameters<typeof styleText>[0];

const HEADINGS: Readonly<Record<Severity, { readonly word: string; readonly style: Style }>> = {
  critical: { word: 'CRITICAL', style: ['bold', 'red', 'inverse'] },
  error: { word: 'ERRORS', style: ['bold', 'red'] },
  warning: { word: 'WARNINGS', style: ['bold', 'yellow'] },
  info: { word: 'NOTES', style: ['bold', 'cyan'] },
  ok: { word: 'OK', style: ['bold', 'green'] },
};

export interface ReportOptions {
  readonly color: boolean;
}

/** Whether to colour output going to `stream` in environment `env`. */
export function wantColor(stream: unknown, env: Readonly<Record<string, string | undefined>>): boolean {
  if ((env['NO_COLOR'] ?? '') !== '') return false;
  if ((env['FORCE_COLOR'] ?? '') !== '' && env['FORCE_COLOR'] !== '0') return true;
  if (env['TERM'] === 'dumb') return false;
  return (stream as { isTTY?: boolean } | null)?.isTTY === true;
}

/** What was examined, as lines. */
export function headerLines(result: DoctorResult): string[] {
  const run = result.run;
  const inputs = run.inputs;
  const lines = [`configuration: ${run.config.configDir} (myhostname ${run.myhostname})`];
  const log = run.logRead;
  if (log !== undefined) {
    if (log === null) lines.push(inputs.logSources.length === 0 ? 'log: none' : 'log: not readable');
    else {
      const span = Number.isNaN(log.firstTime) ? '' : `, ${shortTime(log.firstTime)} to ${shortTime(log.lastTime)}`;
      lines.push(`log: ${log.sources.join(', ')} (${log.lines} lines${span})`);
    }
  }
  const q = run.queueRead;
  if (q !== undefined)
    lines.push(
      q === null
        ? 'queue: none found'
        : `queue: ${q.source} (${q.messages.length} messages)${q.error === null ? '' : `: ${q.error}`}`,
    );
  if (result.checks.some((c) => c === 'rdns' || c === 'dnsbl' || c === 'domain' || c === 'score')) {
    lines.push(
      run.dns === null
        ? 'DNS: offline'
        : `DNS: ${run.dns.servers.map((s) => (s.family === 6 ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`)).join(' ')}`,
    );
    const ips = run.sendingIps();
    lines.push(`sending IPs: ${ips.length === 0 ? 'none known (--public-ip)' : ips.join(' ')}`);
  }
  lines.push(`checks: ${result.checks.join(', ')}`);
  return lines;
}

function paint(on: boolean, style: Style, text: string): string {
  return on ? styleText(style, text) : text;
}

function indentBlock(label: string, text: string): string[] {
  const lines = text.split('\n');
  return lines.map((l, i) => `    ${i === 0 ? label : ' '.repeat(label.length)}${l}`);
}

function renderFinding(f: Finding, color: boolean): string[] {
  const head = `  ${paint(color, 'dim', `[${f.check}]`)} ${f.title}`;
  if (f.severity === 'ok') return [head];
  const out = [head];
  for (const [i, e] of f.evidence.entries()) {
    out.push(...indentBlock(i === 0 ? paint(color, 'dim', 'evidence: ') : '          ', e));
  }
  out.push(...indentBlock(paint(color, 'dim', 'cause:    '), f.cause));
  if (f.fix !== '') out.push(...indentBlock(paint(color, ['bold'], 'fix:      '), f.fix));
  return out;
}

/** The human report. */
export function renderText(result: DoctorResult, options: ReportOptions): string {
  const c = options.color;
  const out: string[] = [
    paint(c, 'bold', 'affix doctor'),
    ...headerLines(result).map((l) => paint(c, 'dim', `  ${l}`)),
    '',
  ];
  for (const sev of SEVERITIES) {
    const group = result.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    const h = HEADINGS[sev];
    out.push(paint(c, h.style, `${h.word} (${group.length})`));
    for (const f of group) {
      out.push(...renderFinding(f, c));
      if (sev !== 'ok') out.push('');
    }
    if (sev === 'ok') out.push('');
  }
  if (result.findings.length === 0)
    out.push(`nothing to report for: ${result.checks.map((n) => CHECK_TITLES[n]).join(', ')}`, '');
  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const).filter(
    ([, n]) => n > 0,
  );
  const words = counts.map(
    ([s, n]) => `${n} ${s === 'info' ? 'notes' : s === 'ok' ? 'ok' : `${s}${n === 1 || s === 'critical' ? '' : 's'}`}`,
  );
  out.push(`summary: ${words.join(', ') || 'no findings'}; exit status ${result.status}`);
  return `${out.join('\n')}\n`;
}

/** The JSON report (one object). */
export function renderJson(result: DoctorResult): string {
  const run = result.run;
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length]));
  const score = result.findings.find((f) => f.id === 'score.deliverability');
  const log = run.logRead;
  const q = run.queueRead;
  const doc = {
    version: 1,
    configDirectory: run.config.configDir,
    myhostname: run.myhostname,
    log:
      log === undefined || log === null
        ? null
        : {
            sources: log.sources,
            lines: log.lines,
            first: Number.isNaN(log.firstTime) ? null : new Date(log.firstTime).toISOString(),
            last: Number.isNaN(log.lastTime) ? null : new Date(log.lastTime).toISOString(),
          },
    queue: q === undefined || q === null ? null : { source: q.source, messages: q.messages.length, error: q.error },
    sendingIps: run.sendingIps(),
    checks: result.checks,
    score: score === undefined ? null : Number(/score ([\d.]+)\/10/.exec(score.title)?.[1] ?? Number.NaN),
    summary: counts,
    status: result.status,
    findings: result.findings,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
