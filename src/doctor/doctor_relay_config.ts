/**
 * doctor_relay_config: the open-relay danger, read from the configuration
 * of each SMTP service (its master.cf -o overrides applied). Postfix
 * decides relaying in smtpd_relay_restrictions, then
 * smtpd_recipient_restrictions: a client that is neither trusted nor
 * authenticated may only reach this host's own domains. Critical: a
 * mynetworks that covers the Internet or a very wide public range, a
 * `permit` (or `static:OK` table) before reject_unauth_destination, every
 * domain in relay_domains. Warnings: relaying decided by forgeable data
 * (check_sender_access, check_helo_access), permit_mx_backup without
 * permit_mx_backup_networks, permit_tls_all_clientcerts, permit_dnswl_client,
 * allow_untrusted_routing = yes.
 *
 * Parameters: mynetworks, smtpd_relay_restrictions, smtpd_recipient_restrictions,
 *   relay_domains, permit_mx_backup_networks, allow_untrusted_routing
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_rcpt, permit_auth_destination),
 *      postfix/html/SMTPD_ACCESS_README.html
 */
import type { Config } from '../config/config.ts';
import { paramBool, paramList, paramValue, type SmtpdService, settingLine, smtpdServices } from './doctor_config.ts';
import { type Finding, finding } from './doctor_finding.ts';
import { coversPublic, networkPattern, prefixLength } from './doctor_net.ts';

const SAFE_FIX = 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination';

/** Restrictions that end the relay decision for an untrusted, unauthenticated client with a refusal. */
const REFUSES = new Set([
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject',
  'defer',
  'defer_if_permit',
]);

/** Restrictions that permit only with credentials or trusted addresses (judged elsewhere). */
const CREDENTIALED = new Set([
  'permit_sasl_authenticated',
  'permit_tls_clientcerts',
  'permit_mynetworks',
  'permit_inet_interfaces',
  'permit_auth_destination',
  'check_sasl_access',
  'reject_unauth_pipelining',
  'warn_if_reject',
]);

function serviceLabel(s: SmtpdService): string {
  return `${s.name} (${s.syslogName})`;
}

/** Findings for the mynetworks of one service. */
function mynetworksFindings(s: SmtpdService): Finding[] {
  const out: Finding[] = [];
  for (const entry of paramList(s.config, 'mynetworks')) {
    const p = networkPattern(entry);
    if (p === null || !coversPublic(p)) continue;
    const bits = prefixLength(p);
    const open = p.v6 ? bits <= 32 : bits <= 16;
    const wide = p.v6 ? bits < 48 : bits < 24;
    if (!open && !wide) continue;
    out.push(
      finding({
        severity: open ? 'critical' : 'warning',
        check: 'relay',
        id: open ? 'relay.open_mynetworks' : 'relay.wide_mynetworks',
        title: `${open ? 'open relay: ' : ''}mynetworks of ${serviceLabel(s)} contains ${entry}, ${
          bits === 0 ? 'the whole Internet' : `a public network of 2^${(p.v6 ? 128 : 32) - bits} addresses`
        }`,
        evidence: [settingLine(s.config, 'mynetworks')],
        cause: `every host in ${entry} may send mail through this server to any domain without authentication (permit_mynetworks)${
          open ? ': spammers find such servers within hours, and the IP lands on every blacklist' : ''
        }`,
        fix: `list only your own hosts: mynetworks = 127.0.0.0/8 [::1]/128 (plus the LAN you trust, e.g. 192.168.1.0/24); remote users authenticate with SASL on submission instead. Then \`postfix reload\`.`,
      }),
    );
  }
  return out;
}

type Verdict =
  | { readonly kind: 'refuses'; readonly at: string }
  | { readonly kind: 'permits'; readonly at: string }
  | { readonly kind: 'undecided' };

/** Walks one restriction list as for an untrusted, unauthenticated client and a foreign domain. */
function walk(list: readonly string[], notes: string[]): Verdict {
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!.toLowerCase();
    if (REFUSES.has(r)) return { kind: 'refuses', at: r };
    if (r === 'permit') return { kind: 'permits', at: 'permit' };
    if (/^check_\w+_access$/.test(r) || r === 'check_policy_service') {
      const table = list[i + 1] ?? '';
      i++;
      if (/^static:(ok|permit)$/i.test(table)) return { kind: 'permits', at: `${r} ${table}` };
      if (r === 'check_sender_access' || r === 'check_helo_access' || r === 'check_sender_mx_access') {
        notes.push(`${r} ${table}`);
      }
      continue;
    }
    if (r === 'permit_mx_backup' || r === 'permit_tls_all_clientcerts' || r === 'permit_dnswl_client') {
      notes.push(r);
      if (r === 'permit_dnswl_client') i++;
      continue;
    }
    if (CREDENTIALED.has(r)) continue;
    if (r === 'reject_rbl_client' || r === 'reject_rhsbl_client' || r === 'reject_rhsbl_sender') i++;
  }
  return { kind: 'undecided' };
}

/** Findings for the restriction lists of one service. */
function restrictionFindings(s: SmtpdService): Finding[] {
  const out: Finding[] = [];
  const relayNotes: string[] = [];
  const rcptNotes: string[] = [];
  const relay = walk(paramList(s.config, 'smtpd_relay_restrictions'), relayNotes);
  const rcpt = walk(paramList(s.config, 'smtpd_recipient_restrictions'), rcptNotes);
  const evidence = [
    settingLine(s.config, 'smtpd_relay_restrictions'),
    settingLine(s.config, 'smtpd_recipient_restrictions'),
  ];
  const permitsAt =
    relay.kind === 'permits' ? relay : relay.kind === 'undecided' && rcpt.kind === 'permits' ? rcpt : null;
  if (permitsAt !== null && permitsAt.kind === 'permits') {
    out.push(
      finding({
        severity: 'critical',
        check: 'relay',
        id: 'relay.open_restrictions',
        title: `open relay: ${serviceLabel(s)} permits any client before reject_unauth_destination (${permitsAt.at})`,
        evidence,
        cause: `"${permitsAt.at}" accepts every recipient for every client before the relay check; anyone can send mail anywhere through this server`,
        fix: `${SAFE_FIX}${s.config.setting('smtpd_relay_restrictions')?.path?.endsWith('master.cf') ? ` (in master.cf: -o smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,reject_unauth_destination for ${s.name})` : ''}, then \`postfix reload\``,
      }),
    );
    return out;
  }
  if (relay.kind === 'undecided' && rcpt.kind === 'undecided') {
    out.push(
      finding({
        severity: 'error',
        check: 'relay',
        id: 'relay.no_relay_control',
        title: `${serviceLabel(s)} has no relay control: neither restriction list ends with reject_unauth_destination`,
        evidence,
        cause:
          'Postfix refuses to start such an smtpd ("fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit or check_relay_domains")',
        fix: `${SAFE_FIX}, then \`postfix reload\``,
      }),
    );
  }
  for (const note of [...relayNotes, ...(relay.kind === 'undecided' ? rcptNotes : [])]) {
    const forgeable = /sender|helo/.test(note);
    const mxBackup = note === 'permit_mx_backup';
    const mxNets = paramValue(s.config, 'permit_mx_backup_networks');
    if (mxBackup && mxNets !== '') continue;
    out.push(
      finding({
        severity: 'warning',
        check: 'relay',
        id: 'relay.risky_permit',
        title: `${serviceLabel(s)}: relaying may be granted by ${note}`,
        evidence,
        cause: forgeable
          ? `${note} comes before reject_unauth_destination: an OK in that table permits relaying for whatever sender or HELO name a client claims, and anyone can claim one`
          : mxBackup
            ? 'permit_mx_backup relays for any domain whose MX records list this host, and anyone can publish such MX records'
            : `${note} before reject_unauth_destination lets clients relay on grounds other than authentication`,
        fix: forgeable
          ? `move ${note} after reject_unauth_destination (into smtpd_recipient_restrictions), or use permit_sasl_authenticated`
          : mxBackup
            ? 'set permit_mx_backup_networks to the networks of your primary MX, or list the backup domains in relay_domains instead'
            : `move ${note} after reject_unauth_destination`,
      }),
    );
  }
  return out;
}

/** Configuration-wide relay dangers (not per service). */
function globalFindings(config: Config): Finding[] {
  const out: Finding[] = [];
  const relayDomains = paramList(config, 'relay_domains');
  const everything = relayDomains.find((d) => /^static:/i.test(d) || d === '.' || d === '*');
  if (everything !== undefined) {
    out.push(
      finding({
        severity: 'critical',
        check: 'relay',
        id: 'relay.open_relay_domains',
        title: `open relay: relay_domains contains ${everything}, which matches every domain`,
        evidence: [settingLine(config, 'relay_domains')],
        cause: 'every domain is a relay domain, so reject_unauth_destination permits mail to any destination',
        fix: 'relay_domains = (only the domains this server is a backup MX or gateway for), then `postfix reload`',
      }),
    );
  }
  if (paramBool(config, 'allow_untrusted_routing')) {
    out.push(
      finding({
        severity: 'warning',
        check: 'relay',
        id: 'relay.untrusted_routing',
        title:
          'allow_untrusted_routing = yes: sender-specified routing (user%domain@relay, user@domain@relay) is accepted from anyone',
        evidence: [settingLine(config, 'allow_untrusted_routing')],
        cause: 'with routing tricks an outside client can relay through a relay domain to any destination behind it',
        fix: 'allow_untrusted_routing = no (the default), then `postfix reload`',
      }),
    );
  }
  return out;
}

/** Every open-relay finding of the configuration; an `ok` finding when there is none. */
export function openRelayFindings(config: Config): Finding[] {
  const list = smtpdServices(config);
  const out = [...globalFindings(config)];
  for (const s of list) out.push(...mynetworksFindings(s), ...restrictionFindings(s));
  if (!out.some((f) => f.severity === 'critical' || f.severity === 'error')) {
    out.push(
      finding({
        severity: 'ok',
        check: 'relay',
        id: 'relay.config_closed',
        title: `no open relay in the configuration (${list.length} SMTP ${list.length === 1 ? 'service' : 'services'} checked)`,
        evidence: list.map((s) => `${serviceLabel(s)}: ${settingLine(s.config, 'smtpd_relay_restrictions')}`),
        cause: "untrusted, unauthenticated clients reach only this host's own domains",
        fix: '',
      }),
    );
  }
  return out;
}
