/**
 * doctor_rdns: check 3, reverse DNS. Outbound: each sending IP has a PTR
 * record, its name resolves back to the IP (forward-confirmed, FCrDNS, as
 * smtpd and every large receiver check it), and it agrees with the name
 * this host says in HELO (smtp_helo_name, default myhostname), which must
 * be a fully-qualified name that resolves. Inbound, from the log: clients
 * whose PTR does not resolve back (`warning: hostname X does not resolve to
 * address Y`), and the rejects of reject_unknown_client_hostname,
 * reject_unknown_reverse_client_hostname, reject_unknown_helo_hostname and
 * reject_unknown_sender_domain; a rejected domain that resolves now points
 * at this host's resolver.
 *
 * Parameters: myhostname, smtp_helo_name, smtp_bind_address
 * See: postfix/src/smtpd/smtpd_peer.c, postfix/src/smtpd/smtpd_check.c (reject_unknown_*)
 */
import { clientHostname } from '../dns/dns_fcrdns.ts';
import { validHostname } from '../dns/dns_name.ts';
import { settingLine } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type Finding, findingMaker, plural } from './doctor_finding.ts';
import { whenText } from './doctor_log_group.ts';

const rdns = findingMaker('rdns');
const ptrFinding = findingMaker('rdns', 'ptr');
const heloFinding = findingMaker('rdns', 'helo');

async function outboundFindings(run: DoctorRun): Promise<Finding[]> {
  const out: Finding[] = [];
  const helo = run.heloName;
  const heloLine =
    run.config.setting('smtp_helo_name') !== undefined
      ? settingLine(run.config, 'smtp_helo_name')
      : settingLine(run.config, 'myhostname');
  const ips = run.sendingIps();
  const dns = run.dns;
  if (!helo.includes('.') || !validHostname(helo)) {
    out.push(
      heloFinding(
        'error',
        'rdns.helo_not_fqdn',
        `this host says HELO ${helo}, which is not a fully-qualified domain name`,
        [heloLine],
        'receivers reject or score down a HELO that is not a fully-qualified name (reject_non_fqdn_helo_hostname, Gmail, Microsoft)',
        `myhostname = mail.<your domain> (a name with an A record pointing to this host and a matching PTR), then \`postfix reload\``,
        1.5,
      ),
    );
  }
  if (dns === null) return out;
  if (ips.length === 0) {
    out.push(
      rdns(
        'info',
        'rdns.no_public_ip',
        'no public sending address is known, so PTR and FCrDNS were not checked',
        ['no --public-ip given, smtp_bind_address not set, and no interface has a public address (behind NAT?)'],
        'the doctor cannot learn the address receivers see without asking a service on the Internet',
        'give it: `affix doctor --public-ip 203.0.113.25` (what `curl -4 ifconfig.me` shows)',
      ),
    );
  }
  let heloAddrs: string[] = [];
  if (helo.includes('.') && validHostname(helo)) {
    const a = await dns.hostAddresses(helo);
    if (a.status === 'ok') heloAddrs = a.records.map((r) => r.address);
    else {
      out.push(
        heloFinding(
          a.status === 'retry' ? 'warning' : 'error',
          'rdns.helo_unresolvable',
          `the HELO name ${helo} does not resolve`,
          [heloLine, a.text],
          'receivers check that the HELO name has an address (reject_unknown_helo_hostname); a name that does not resolve looks forged',
          `publish an A record: ${helo}. IN A ${ips[0] ?? '<your public IP>'}`,
          1,
        ),
      );
    }
  }
  for (const ip of ips) {
    const name = await clientHostname(dns, ip);
    const ptrEvidence = name.lookup === null ? [] : [name.lookup.text];
    if (name.reason === 'no-ptr' || name.reason === 'ptr-tempfail') {
      const temp = name.reason === 'ptr-tempfail';
      out.push(
        ptrFinding(
          temp ? 'warning' : 'error',
          temp ? 'rdns.ptr_tempfail' : 'rdns.no_ptr',
          `${ip} has ${temp ? 'no PTR answer (the lookup failed)' : 'no PTR record'}`,
          [...ptrEvidence, ...(name.warning === null ? [] : [name.warning])],
          temp
            ? 'the reverse zone did not answer; receivers that see the same failure defer or reject'
            : 'receivers (Gmail, Microsoft, most spam filters) reject or junk mail from an IP without reverse DNS ("550 5.7.25 ... does not have a PTR record")',
          `ask the owner of ${ip} (your hosting provider's control panel: "reverse DNS") to set its PTR to ${helo}, and publish ${helo}. IN A ${ip}`,
          temp ? 0 : 2.5,
        ),
      );
      continue;
    }
    if (name.reason === 'mismatch' || name.reason === 'name-not-found' || name.reason === 'name-tempfail') {
      out.push(
        ptrFinding(
          name.reason === 'name-tempfail' ? 'warning' : 'error',
          'rdns.fcrdns_mismatch',
          `${ip}: PTR ${name.reverseName} does not resolve back to ${ip} (FCrDNS fails)`,
          [`${ip} PTR ${name.reverseName}`, ...(name.warning === null ? [] : [name.warning]), ...ptrEvidence],
          'receivers forward-confirm the PTR name; when it does not resolve to the sending IP they treat the host as "unknown", as Postfix logs it',
          `publish ${name.reverseName}. IN A ${ip} (or set the PTR of ${ip} to a name that has it)`,
          1.5,
        ),
      );
      continue;
    }
    const good = [`${ip} PTR ${name.name}`, `${name.name} resolves to ${ip}`];
    if (name.name.toLowerCase() !== helo.toLowerCase()) {
      out.push(
        heloFinding(
          'warning',
          'rdns.helo_mismatch',
          `HELO name ${helo} differs from the PTR name ${name.name} of ${ip}`,
          [...good, heloLine, ...(heloAddrs.length > 0 ? [`${helo} resolves to ${heloAddrs.join(' ')}`] : [])],
          'some receivers compare the HELO name with the PTR name; a mismatch scores as suspicious',
          `myhostname = ${name.name} (or smtp_helo_name = ${name.name}), then \`postfix reload\`; or change the PTR of ${ip} to ${helo}`,
          0.5,
        ),
      );
    } else {
      out.push(
        rdns(
          'ok',
          'rdns.ok',
          `${ip}: PTR ${name.name} is forward-confirmed and matches HELO`,
          good,
          'reverse DNS is in order',
          '',
        ),
      );
    }
  }
  return out;
}

/** What reject_unknown_* rejects say, by the reason logscan folds them to. */
const UNKNOWN_REJECTS: readonly {
  readonly re: RegExp;
  readonly restriction: string;
  readonly domainFrom: 'helo' | 'sender' | null;
}[] = [
  { re: /cannot find your reverse hostname/, restriction: 'reject_unknown_reverse_client_hostname', domainFrom: null },
  { re: /cannot find your hostname/, restriction: 'reject_unknown_client_hostname', domainFrom: null },
  { re: /Helo command rejected: Host not found/, restriction: 'reject_unknown_helo_hostname', domainFrom: 'helo' },
  {
    re: /Sender address rejected: Domain not found/,
    restriction: 'reject_unknown_sender_domain',
    domainFrom: 'sender',
  },
];

async function inboundFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const out: Finding[] = [];
  const warnings = facts.hostnameWarnings.values().sort((a, b) => b.count - a.count);
  if (warnings.length > 0) {
    out.push(
      rdns(
        'info',
        'rdns.inbound_fcrdns',
        `${plural(warnings.length, 'client')} whose PTR does not resolve back to its address (logged as "unknown")`,
        warnings.slice(0, 8).map((g) => `${g.count} × ${g.samples[0] ?? g.namaddr}`),
        "those clients' reverse DNS is broken (their DNS, not yours); with reject_unknown_client_hostname they are refused",
        'nothing to fix here; if a partner is among them, ask them to publish the A record for their PTR name',
      ),
    );
  }
  for (const g of facts.rejects.values()) {
    const kind = UNKNOWN_REJECTS.find((u) => u.re.test(g.reason));
    if (kind === undefined) continue;
    const evidence = [...g.samples];
    let severity: Finding['severity'] = 'info';
    let cause = `${kind.restriction} refused clients whose DNS does not check out: intended, unless the names do exist`;
    const names =
      kind.domainFrom === 'helo'
        ? g.helos
        : kind.domainFrom === 'sender'
          ? g.senders.map((s) => s.slice(s.lastIndexOf('@') + 1))
          : [];
    if (run.dns !== null && /^4/.test(g.reason)) {
      for (const n of names.slice(0, 3)) {
        if (n === '' || !n.includes('.')) continue;
        const a = kind.domainFrom === 'sender' ? await run.dns.mx(n) : await run.dns.hostAddresses(n);
        const b = a.status === 'ok' || kind.domainFrom !== 'sender' ? a : await run.dns.hostAddresses(n);
        if (b.status === 'ok') {
          severity = 'warning';
          cause = `${n} resolves now, but was refused as unknown: this host's resolver failed at the time (temporary rejects, 450), or the name was just created`;
          evidence.push(`${n} resolves now`);
        } else {
          evidence.push(`${n}: ${b.text}`);
        }
      }
    }
    out.push(
      rdns(
        severity,
        'rdns.inbound_unknown_reject',
        `${kind.restriction}: ${plural(g.count, 'reject')} (${g.reason})`,
        [whenText(g), ...evidence, ...g.clients.map((c) => `client ${c}`)],
        cause,
        severity === 'warning'
          ? 'check the resolver this host uses: `dig MX <domain>` against each server in /etc/resolv.conf; a local caching resolver (unbound) is the usual cure'
          : `nothing, if these are spam sources; to be lenient, remove ${kind.restriction} from the restrictions`,
      ),
    );
  }
  return out;
}

export async function rdnsCheck(run: DoctorRun): Promise<Finding[]> {
  return [...(await outboundFindings(run)), ...(await inboundFindings(run))];
}
