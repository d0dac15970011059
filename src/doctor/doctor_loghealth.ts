/**
 * doctor_loghealth: check 8, log health. The log's fatal, panic, error and
 * warning lines, classed by doctor_warning_classes.ts (an outdated or
 * missing table, a configuration error, permissions, resources, a missing
 * service, a crashed daemon, a milter) with their fixes; SASL brute force
 * (many failed logins from one address, or many users tried); and the same
 * problems read straight from the configuration: a mailbox limit below
 * message_size_limit, tables whose database is missing or older than the
 * source file, the warnings main.cf and master.cf produce.
 *
 * Parameters: mailbox_size_limit, virtual_mailbox_limit, message_size_limit,
 *   every parameter naming a hash:, btree:, lmdb: or cdb: table
 * Security: stats table files; reads nothing else
 * See: postfix/src/util/dict_db.c (older than source), postfix/src/local/local.c
 */
import { stat } from 'node:fs/promises';
import { splitQuoted } from '../config/config_split.ts';
import { paramNumber, paramValue, settingLine } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type Finding, findingMaker, plural } from './doctor_finding.ts';
import { whenText } from './doctor_log_group.ts';
import { warningRule } from './doctor_warning_classes.ts';

/** Failed logins from one address before it counts as brute force. */
export const SASL_BRUTE_FORCE = 10;

const health = findingMaker('log');

async function diagnosticFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  interface Acc {
    id: string;
    severity: Finding['severity'];
    count: number;
    samples: string[];
    cause: string;
    fixes: string[];
    advice: string;
    reasons: string[];
  }
  const acc = new Map<string, Acc>();
  for (const g of facts.diagnostics.values()) {
    const hit = warningRule(g.text);
    if (hit?.rule.cls === 'elsewhere') continue;
    const grave = g.severity === 'fatal' || g.severity === 'panic';
    const id =
      hit?.rule.id ??
      (g.severity === 'panic'
        ? 'log.panic'
        : grave
          ? 'log.fatal'
          : g.severity === 'error'
            ? 'log.error'
            : 'log.warning');
    // A fatal of an admin command (postfix-script, postqueue) is the command's, not a daemon's.
    const severity: Finding['severity'] =
      hit?.rule.cls === 'operations'
        ? hit.rule.severity
        : grave || g.severity === 'error'
          ? 'error'
          : (hit?.rule.severity ?? 'warning');
    const key = `${id}|${severity}`;
    let a = acc.get(key);
    if (a === undefined) {
      a = {
        id,
        severity,
        count: 0,
        samples: [],
        reasons: [],
        fixes: [],
        advice: hit?.rule.advice ?? '',
        cause:
          hit?.rule.cause ??
          (g.severity === 'panic'
            ? 'a panic is a bug in the program (an impossible state): the process exited'
            : grave
              ? 'a fatal error stops the program: the service it provides is unavailable until the cause is fixed'
              : 'a problem Postfix worked around; the text says what'),
      };
      acc.set(key, a);
    }
    a.count += g.count;
    for (const s of g.samples) if (a.samples.length < 6) a.samples.push(s);
    if (a.reasons.length < 8) a.reasons.push(`${g.count} × ${g.severity}: ${g.reason}`);
    const fix =
      hit === null
        ? g.severity === 'panic'
          ? 'report it with the log lines around it to the maintainers; restart with `postfix start`'
          : 'read the line: it names the file, parameter or peer involved; `postfix check` finds most configuration problems'
        : hit.rule.fix(hit.match);
    if (fix !== '' && !a.fixes.includes(fix) && a.fixes.length < 4) a.fixes.push(fix);
  }
  return [...acc.values()]
    .sort((x, y) => y.count - x.count)
    .map((a) =>
      health(
        a.severity,
        a.id,
        `${plural(a.count, 'log line')}: ${a.reasons[0]!.replace(/^\d+ × /, '')}${a.reasons.length > 1 ? ` (and ${a.reasons.length - 1} similar)` : ''}`,
        [...a.reasons, ...a.samples],
        a.cause,
        [...a.fixes, ...(a.advice === '' ? [] : [a.advice])].join('; '),
      ),
    );
}

async function saslFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const groups = facts.saslFailures.values().sort((a, b) => b.count - a.count);
  if (groups.length === 0) return [];
  const total = groups.reduce((n, g) => n + g.count, 0);
  const brute = groups.filter((g) => g.count >= SASL_BRUTE_FORCE || g.names.length >= 5);
  const users = new Set(groups.flatMap((g) => g.names)).size;
  const distributed = brute.length === 0 && groups.length >= 5 && (total >= SASL_BRUTE_FORCE * 2 || users >= 10);
  const evidence = groups
    .slice(0, 8)
    .map(
      (g) =>
        `${g.count} failed logins from ${g.namaddr}${g.names.length > 0 ? ` (users: ${g.names.join(', ')})` : ''}, ${whenText(g)}`,
    );
  if (brute.length === 0 && !distributed) {
    return [
      health(
        'info',
        'log.sasl_failures',
        `${plural(total, 'failed SMTP AUTH login')}`,
        [...evidence, ...groups[0]!.samples.slice(0, 2)],
        'a few failed logins: users mistyping passwords, or a mail client with an old password',
        'nothing; if one user keeps failing, update the password in their mail client',
      ),
    ];
  }
  return [
    health(
      'warning',
      'log.sasl_brute_force',
      distributed
        ? `password guessing from ${plural(groups.length, 'address', 'addresses')} (${total} failed logins)`
        : `password guessing: ${plural(
            brute.reduce((n, g) => n + g.count, 0),
            'failed login',
          )} from ${brute
            .map((g) => g.addr)
            .slice(0, 4)
            .join(', ')}`,
      [...evidence, ...(brute[0] ?? groups[0]!).samples.slice(0, 2)],
      'bots try user names and passwords through SMTP AUTH; a guessed password lets them send spam through this server (and get it blacklisted)',
      [
        'block repeat offenders: fail2ban with the postfix-sasl jail (`[postfix-sasl] enabled = true`)',
        'limit attempts: smtpd_client_auth_rate_limit = 10 (per anvil_rate_time_unit)',
        'offer AUTH only on submission (port 587/465), not port 25: smtpd_sasl_auth_enable = no in main.cf, -o smtpd_sasl_auth_enable=yes under submission in master.cf',
        'make sure no account has a weak password',
      ].join('; '),
    ),
  ];
}

const TABLE_TYPES: Readonly<Record<string, readonly string[]>> = {
  hash: ['.db', '.affixdb'],
  btree: ['.db', '.affixdb'],
  lmdb: ['.lmdb', '.affixdb'],
  cdb: ['.cdb'],
};

async function mtime(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/** Indexed tables named in the configuration whose database is missing or older than its source. */
async function tableFindings(run: DoctorRun): Promise<Finding[]> {
  const cfg = run.config;
  const seen = new Map<string, string>();
  const names = new Set([...cfg.settings().map((s) => s.name), 'alias_maps', 'alias_database']);
  for (const name of names) {
    for (const token of splitQuoted(paramValue(cfg, name))) {
      const m = /^(?:proxy:)?(hash|btree|lmdb|cdb):(\/\S+)$/.exec(token);
      if (m !== null && !seen.has(m[2]!)) seen.set(m[2]!, `${m[1]}|${name}`);
    }
  }
  const out: Finding[] = [];
  for (const [source, info] of seen) {
    const [type, param] = info.split('|') as [string, string];
    const src = await mtime(source);
    if (src === null) continue; // a missing source file: the table's own open error says so
    const indexes = (
      await Promise.all((TABLE_TYPES[type] ?? []).map(async (s) => ({ path: source + s, t: await mtime(source + s) })))
    ).filter((x) => x.t !== null);
    const command = param === 'alias_maps' || param === 'alias_database' ? `newaliases` : `postmap ${type}:${source}`;
    if (indexes.length === 0) {
      out.push(
        health(
          'error',
          'log.table_not_built',
          `${type}:${source} (${param}) has no database`,
          [
            settingLine(cfg, param),
            `${source} exists; ${(TABLE_TYPES[type] ?? []).map((s) => source + s).join(' and ')} do not`,
          ],
          'Postfix cannot open the table ("open database ... No such file or directory") and defers the mail that needs it; affix reads the source slowly and warns',
          `\`${command}\``,
        ),
      );
      continue;
    }
    const stale = indexes.filter((x) => x.t! < src);
    if (stale.length === indexes.length) {
      out.push(
        health(
          'warning',
          'log.table_stale',
          `database ${stale[0]!.path} is older than source file ${source}`,
          [
            settingLine(cfg, param),
            ...stale.map((x) => `${x.path} modified ${new Date(x.t!).toISOString()}`),
            `${source} modified ${new Date(src).toISOString()}`,
          ],
          'the source was edited after the database was built: the change is not in effect',
          `\`${command}\``,
        ),
      );
    }
  }
  return out;
}

function configFindings(run: DoctorRun): Finding[] {
  const cfg = run.config;
  const out: Finding[] = [];
  const msg = paramNumber(cfg, 'message_size_limit');
  for (const p of ['mailbox_size_limit', 'virtual_mailbox_limit']) {
    const v = paramNumber(cfg, p);
    if (v !== null && msg !== null && v > 0 && v < msg) {
      out.push(
        health(
          'error',
          'log.limit_below_message_size',
          `${p} (${v}) is smaller than message_size_limit (${msg})`,
          [settingLine(cfg, p), settingLine(cfg, 'message_size_limit')],
          `${p === 'mailbox_size_limit' ? 'local' : 'virtual'} delivery refuses to start ("fatal: ... ${p} is smaller than message_size_limit"): its mail stays in the queue`,
          `${p} = ${msg * 5} (or 0 for no limit), then \`postfix reload\``,
        ),
      );
    }
  }
  if (run.inputs.configWarnings.length > 0) {
    out.push(
      health(
        'warning',
        'log.config_warnings',
        `${plural(run.inputs.configWarnings.length, 'warning')} reading main.cf and master.cf`,
        run.inputs.configWarnings,
        'duplicate or malformed entries: the setting in effect may not be the one intended',
        'correct the lines named, then `postfix reload`',
      ),
    );
  }
  return out;
}

export async function logHealthCheck(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  const out = [
    ...configFindings(run),
    ...(await tableFindings(run)),
    ...(await diagnosticFindings(run)),
    ...(await saslFindings(run)),
  ];
  if (facts !== null && !out.some((f) => f.severity === 'error' || f.severity === 'warning')) {
    out.push(
      health(
        'ok',
        'log.clean',
        `no problem in ${plural(facts.lines, 'log line')}`,
        facts.sources,
        'no fatal, panic, error or warning that needs action',
        '',
      ),
    );
  }
  return out;
}
