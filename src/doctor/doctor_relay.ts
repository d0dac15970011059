/**
 * doctor_relay: check 1, relay access denied. From the log's `reject: RCPT
 * from CLIENT: 554 5.7.1 <rcpt>: Relay access denied` lines, grouped by
 * client, recipient domain and service, it decides which cause applies and
 * gives the smallest fix: the recipient domain is this host's own but in
 * none of mydestination/relay_domains/virtual_*_domains; the client is in
 * mynetworks but permit_mynetworks is missing; the client authenticated but
 * permit_sasl_authenticated is missing; AUTH failed; a LAN client missing
 * from mynetworks; SMTP AUTH not offered at all, or only on submission
 * while the client uses port 25; the client did not authenticate; or an
 * outside host probing for an open relay (refused, as it should be). Then
 * the reverse danger, an open relay in the configuration
 * (doctor_relay_config.ts), and with --probe the relay tricks against a
 * server (doctor_relay_probe.ts).
 *
 * Parameters: mynetworks, smtpd_relay_restrictions, smtpd_recipient_restrictions,
 *   smtpd_sasl_auth_enable (per service), mydestination, relay_domains,
 *   virtual_alias_domains, virtual_mailbox_domains, mydomain
 * See: postfix/html/SASL_README.html, postfix/html/SMTPD_ACCESS_README.html
 */

import { paramBool, paramList, paramValue, type SmtpdService, settingLine, smtpdServices } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { domainAddressClass, mxPointsHere } from './doctor_domains.ts';
import { type Finding, finding, plural, type Severity } from './doctor_finding.ts';
import type { RelayDenied } from './doctor_log.ts';
import { whenText } from './doctor_log_group.ts';
import { inNetworks, isLoopback, isPublicAddress } from './doctor_net.ts';
import { openRelayFindings } from './doctor_relay_config.ts';
import { relayProbeFindings } from './doctor_relay_probe.ts';

/** Groups explained one by one; the rest are summed up in one finding. */
const MAX_GROUPS = 10;

interface Diagnosis {
  readonly severity: Severity;
  readonly id: string;
  readonly cause: string;
  readonly fix: string;
  readonly facts: readonly string[];
}

function restrictionsHave(s: SmtpdService, restriction: string): boolean {
  const lists = [
    ...paramList(s.config, 'smtpd_relay_restrictions'),
    ...paramList(s.config, 'smtpd_recipient_restrictions'),
  ];
  return lists.some((r) => r.toLowerCase() === restriction);
}

async function diagnose(run: DoctorRun, g: RelayDenied, services: readonly SmtpdService[]): Promise<Diagnosis> {
  const s = services.find((x) => x.syslogName === g.service) ?? services[0]!;
  const cfg = s.config;
  const facts: string[] = [];
  const mydomain = paramValue(cfg, 'mydomain').toLowerCase();
  const mynetworks = paramList(cfg, 'mynetworks');
  const trusted = inNetworks(g.clientAddr, mynetworks);
  const saslHere = paramBool(cfg, 'smtpd_sasl_auth_enable');
  const saslServices = services.filter((x) => paramBool(x.config, 'smtpd_sasl_auth_enable'));
  facts.push(
    `client ${g.clientName}[${g.clientAddr}] is ${trusted ? '' : 'not '}in mynetworks (${mynetworks.join(' ') || 'empty'})`,
    `service ${s.name} (${s.syslogName}) ${saslHere ? 'offers' : 'does not offer'} SMTP AUTH (smtpd_sasl_auth_enable)`,
  );
  if (g.sessions > 0) {
    facts.push(
      `of ${plural(g.sessions, 'session')} seen to the end: ${g.authOk} authenticated, ${g.authFailed} with failed AUTH, ${g.starttls} with STARTTLS`,
    );
  }
  const cls = await domainAddressClass(cfg, g.domain);
  const mx = await mxPointsHere(run.dns, g.domain, run.myhostname, run.sendingIps());
  const ours = mx.here === true || (mydomain !== '' && (g.domain === mydomain || g.domain.endsWith(`.${mydomain}`)));
  facts.push(
    `recipient domain ${g.domain} is in ${cls ?? 'none of mydestination, relay_domains, virtual_alias_domains, virtual_mailbox_domains'}${
      mx.here === true ? '; its MX points to this host' : ''
    }`,
    ...mx.evidence.slice(0, 3),
  );
  const ourSender = g.senders.some((a) => {
    const d = a.slice(a.lastIndexOf('@') + 1).toLowerCase();
    return d !== '' && (d === mydomain || d.endsWith(`.${mydomain}`) || run.inputs.domains.includes(d));
  });

  if (ours && cls === null) {
    return {
      severity: 'error',
      id: 'relay.denied_own_domain',
      facts,
      cause: `${g.domain} is ${mx.here === true ? 'a domain whose MX is this host' : `under $mydomain (${mydomain})`}, but it is in none of the domain lists, so this server treats mail for it as relaying and refuses it`,
      fix: [
        `add ${g.domain} to the list that matches how its mail is delivered, then \`postfix reload\`:`,
        `  mailboxes on this host for Unix users:  postconf -e 'mydestination = ${paramValue(cfg, 'mydestination')}, ${g.domain}'`,
        `  virtual mailboxes on this host:         postconf -e 'virtual_mailbox_domains = ${[...paramList(cfg, 'virtual_mailbox_domains'), g.domain].join(', ')}'`,
        `  passed on to another server:            postconf -e 'relay_domains = ${[...paramList(cfg, 'relay_domains'), g.domain].join(', ')}' (and a transport_maps entry)`,
      ].join('\n'),
    };
  }
  if (trusted && !restrictionsHave(s, 'permit_mynetworks')) {
    return {
      severity: 'error',
      id: 'relay.denied_mynetworks_unused',
      facts: [...facts, settingLine(cfg, 'smtpd_relay_restrictions')],
      cause: `the client is in mynetworks, but ${s.name}'s restrictions do not contain permit_mynetworks, so being trusted does not let it relay`,
      fix: `smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination (then \`postfix reload\`)`,
    };
  }
  if (g.authOk > 0 && !restrictionsHave(s, 'permit_sasl_authenticated')) {
    return {
      severity: 'error',
      id: 'relay.denied_auth_unused',
      facts: [...facts, settingLine(cfg, 'smtpd_relay_restrictions')],
      cause: `the client authenticated, but ${s.name}'s restrictions do not contain permit_sasl_authenticated, so authentication does not let it relay`,
      fix:
        s.service === null || s.port === 25
          ? 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination (then `postfix reload`)'
          : `in master.cf under ${s.name}: -o smtpd_relay_restrictions=permit_sasl_authenticated,reject (then \`postfix reload\`)`,
    };
  }
  if (g.authFailed > 0) {
    return {
      severity: 'warning',
      id: 'relay.denied_auth_failed',
      facts,
      cause:
        'the client tried SMTP AUTH and it failed, then tried to send anyway: a wrong user name or password (or a password-guessing bot, see the SASL findings)',
      fix: 'check the account and password in the mail client; test the server side with `doveadm auth test USER` (Dovecot SASL) or `testsaslauthd -u USER -p PASS` (Cyrus)',
    };
  }
  if (!isPublicAddress(g.clientAddr) && !isLoopback(g.clientAddr) && !trusted) {
    return {
      severity: 'warning',
      id: 'relay.denied_lan_client',
      facts,
      cause: `the client ${g.clientAddr} is on a private network but not in mynetworks, so it may only send to this host's own domains`,
      fix: `if hosts there may send without authentication: postconf -e 'mynetworks = ${mynetworks.join(' ')} ${g.clientAddr}/32' (or its whole LAN), then \`postfix reload\`; otherwise configure the client to authenticate`,
    };
  }
  if (!ourSender && g.authFailed === 0 && g.authOk === 0 && (isPublicAddress(g.clientAddr) || g.sessions === 0)) {
    return {
      severity: 'info',
      id: 'relay.denied_probe',
      facts,
      cause: `an outside client tried to send to ${g.domain}, which is not this host's domain, without authenticating: refused, as it should be (spammers probe servers for open relays)`,
      fix: 'nothing to fix; if the sender is one of your users, see how to let them authenticate (SASL on submission, port 587)',
    };
  }
  if (saslServices.length === 0) {
    return {
      severity: 'warning',
      id: 'relay.denied_no_sasl',
      facts,
      cause:
        'the client did not authenticate, and no SMTP service of this host offers SMTP AUTH: users outside mynetworks (laptops, phones) cannot send through it',
      fix: [
        'offer authenticated submission: in master.cf',
        'submission inet n - y - - smtpd',
        '  -o syslog_name=postfix/submission',
        '  -o smtpd_tls_security_level=encrypt',
        '  -o smtpd_sasl_auth_enable=yes',
        '  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject',
        'with smtpd_sasl_type = dovecot and smtpd_sasl_path = private/auth in main.cf (Dovecot SASL), then `postfix reload`',
      ].join('\n'),
    };
  }
  if (!saslHere) {
    const names = saslServices.map((x) => `${x.name}${x.port === null ? '' : ` (port ${x.port})`}`).join(', ');
    return {
      severity: 'warning',
      id: 'relay.denied_wrong_port',
      facts,
      cause: `the client sent to ${s.name}${s.port === null ? '' : ` (port ${s.port})`}, which does not offer SMTP AUTH; authentication is offered only on ${names}`,
      fix: `configure the mail client's outgoing server: port ${saslServices[0]!.port ?? 587}, STARTTLS (465: SSL/TLS), authentication with the user's account`,
    };
  }
  return {
    severity: 'warning',
    id: 'relay.denied_not_authenticated',
    facts,
    cause: `the client did not authenticate although ${s.name} offers SMTP AUTH`,
    fix: 'turn on "my outgoing server requires authentication" in the mail client (same account as for reading mail)',
  };
}

/** Findings from the log's relay-denied rejects. */
async function logFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const groups = facts.relayDenied.values().sort((a, b) => b.count - a.count);
  if (groups.length === 0) return [];
  const services = smtpdServices(run.config);
  const out: Finding[] = [];
  for (const g of groups.slice(0, MAX_GROUPS)) {
    const d = await diagnose(run, g, services);
    out.push(
      finding({
        severity: d.severity,
        check: 'relay',
        id: d.id,
        title: `Relay access denied ${whenText(g)}: ${g.clientName}[${g.clientAddr}] to ${g.domain} (${g.service})`,
        evidence: [...g.samples, ...d.facts],
        cause: d.cause,
        fix: d.fix,
      }),
    );
  }
  const rest = groups.slice(MAX_GROUPS);
  if (rest.length > 0) {
    out.push(
      finding({
        severity: 'info',
        check: 'relay',
        id: 'relay.denied_more',
        title: `${plural(
          rest.reduce((n, g) => n + g.count, 0),
          'more relay-denied reject',
        )} from ${plural(rest.length, 'other client/domain pair')}`,
        evidence: rest.slice(0, 5).map((g) => `${g.count} × ${g.clientName}[${g.clientAddr}] to ${g.domain}`),
        cause: 'the same causes as above, for other clients; most are usually relay probes',
        fix: '`affix logs summary` lists them all',
      }),
    );
  }
  return out;
}

export async function relayCheck(run: DoctorRun): Promise<Finding[]> {
  const out = [...(await logFindings(run)), ...openRelayFindings(run.config)];
  if (run.inputs.probe !== null) out.push(...(await relayProbeFindings(run.inputs.probe, run.inputs.probeDomain)));
  return out;
}
