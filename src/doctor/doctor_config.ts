/**
 * doctor_config: the configuration as the doctor quotes it. A parameter's
 * value with where it was set (`/etc/postfix/main.cf, line 12: mynetworks =
 * 0.0.0.0/0`, or `(default)`), list values split as Postfix splits them,
 * and the SMTP server services of master.cf (port 25, submission, smtps),
 * each with its own `-o` overrides applied, so a check sees what each
 * smtpd really runs with. Values that do not expand are read as ''.
 *
 * Parameters: any, by name; syslog_name (per service)
 * See: postfix/src/global/mail_conf.c, postfix/src/master/master_ent.c
 */
import type { Config } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import type { MasterService } from '../config/master_cf.ts';

/** The expanded value of `name`, or '' when it is unknown or does not expand. */
export function paramValue(config: Config, name: string): string {
  try {
    return config.value(name);
  } catch (err) {
    if (err instanceof ConfigError) return '';
    throw err;
  }
}

/** The expanded value split at commas and white space, `{...}` kept whole. */
export function paramList(config: Config, name: string): string[] {
  return splitQuoted(paramValue(config, name), CHARS_COMMA_SP);
}

/** A yes/no parameter (`yes`, `no`, case-insensitive); anything else is `fallback`. */
export function paramBool(config: Config, name: string, fallback = false): boolean {
  const v = paramValue(config, name).trim().toLowerCase();
  if (v === 'yes') return true;
  if (v === 'no') return false;
  return fallback;
}

/** A size or count parameter as a number, or null when it is not one. */
export function paramNumber(config: Config, name: string): number | null {
  const v = paramValue(config, name).trim();
  return /^\d+$/.test(v) ? Number(v) : null;
}

/**
 * Where `name` was set and to what, as an admin would grep it:
 * `/etc/postfix/main.cf, line 12: mynetworks = 0.0.0.0/0`,
 * `/etc/postfix/master.cf, line 20: -o smtpd_sasl_auth_enable=yes`, or
 * `mynetworks = 127.0.0.0/8 [::1]/128 (default)`.
 */
export function settingLine(config: Config, name: string): string {
  const s = config.setting(name);
  const value = paramValue(config, name);
  const show = (v: string) => (v === '' ? '(empty)' : v);
  if (s === undefined || s.path === null) {
    const raw = config.raw(name) ?? '';
    const shown = raw !== value && raw.includes('$') ? `${raw} (= ${show(value)})` : show(value);
    return `${name} = ${shown} (default)`;
  }
  const expanded = s.value !== value ? ` (= ${show(value)})` : '';
  if (s.path.endsWith('master.cf')) return `${s.path}, line ${s.line}: -o ${name}=${s.value}${expanded}`;
  return `${s.path}, line ${s.line}: ${name} = ${show(s.value)}${expanded}`;
}

/** True when `name` is set explicitly (main.cf, master.cf -o, or -c), not left at its default. */
export function isExplicit(config: Config, name: string): boolean {
  return config.setting(name) !== undefined;
}

/** The main.cf path of this configuration. */
export function mainCfPath(config: Config): string {
  return `${config.configDir}/main.cf`;
}

/** An SMTP server of master.cf, with its configuration (its -o overrides applied). */
export interface SmtpdService {
  /** The master.cf entry; null for the implied port-25 smtpd of a configuration without one. */
  readonly service: MasterService | null;
  readonly config: Config;
  /** `smtp` (port 25), `submission` (587), `smtps`/`submissions` (465), `127.0.0.1:2525` ... */
  readonly name: string;
  /** The log tag's syslog_name: `postfix`, `postfix/submission`. */
  readonly syslogName: string;
  /** The port number when the name says it (a service name from /etc/services or `host:port`). */
  readonly port: number | null;
  /** Port 25 (or an MX-facing port): mail from the world arrives here. */
  readonly mx: boolean;
}

const SERVICE_PORTS: Readonly<Record<string, number>> = { smtp: 25, submission: 587, submissions: 465, smtps: 465 };

/** The port a master.cf service name listens on: `smtp` 25, `127.0.0.1:2525` 2525. */
export function servicePort(name: string): number | null {
  const colon = name.lastIndexOf(':');
  const port = colon >= 0 ? name.slice(colon + 1) : name;
  if (/^\d+$/.test(port)) return Number(port);
  return SERVICE_PORTS[port] ?? null;
}

/**
 * The master.cf services that run smtpd from the network (`inet`, or `pass`
 * behind postscreen), each with its overrides applied. Without a master.cf
 * (or with no inet smtpd), one `smtp` service with main.cf alone.
 */
export function smtpdServices(config: Config): SmtpdService[] {
  const out: SmtpdService[] = [];
  for (const s of config.masterCf?.services ?? []) {
    if (s.command !== 'smtpd' || (s.type !== 'inet' && s.type !== 'pass')) continue;
    const cfg = config.forService(s);
    const port = s.type === 'pass' ? 25 : servicePort(s.name);
    out.push({
      service: s,
      config: cfg,
      name: s.name,
      syslogName: paramValue(cfg, 'syslog_name') || 'postfix',
      port,
      mx: port === 25 || (port !== 587 && port !== 465 && !/submission|smtps/.test(s.name)),
    });
  }
  if (out.length > 0) return out;
  return [
    {
      service: null,
      config,
      name: 'smtp',
      syslogName: paramValue(config, 'syslog_name') || 'postfix',
      port: 25,
      mx: true,
    },
  ];
}

/** `user@Example.org` -> `example.org`; a bare name -> ''. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0
    ? ''
    : address
        .slice(at + 1)
        .toLowerCase()
        .replace(/\.$/, '');
}

/** True for a name that looks like an Internet domain (has a dot, no `$`, not an address literal). */
export function looksLikeDomain(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(name);
}
