/**
 * doctor_dnsbl: check 4, blacklists. Each sending IP is looked up in the
 * configured DNSBL zones (--dnsbl, default doctor_dnsbl_zones.ts) with
 * src/dns's dnsblLookup; a listing is decoded (Spamhaus's codes one by one)
 * with the delisting address. An answer of 127.255.255.252-255 is the list
 * refusing the query (typically: asked through a public resolver such as
 * 8.8.8.8, which Spamhaus refuses): never reported as "listed", and if
 * this host's own smtpd uses that list without a reply filter it would
 * reject every client. Answers outside 127.0.0.0/8 are a resolver that
 * rewrites NXDOMAIN. From the log: remote rejects that quote a blacklist
 * or a provider's reputation block, and this host's own DNSBL rejects.
 *
 * Parameters: smtpd_client_restrictions, smtpd_recipient_restrictions,
 *   smtpd_relay_restrictions, postscreen_dnsbl_sites (the lists smtpd uses)
 * See: src/dns/dns_rbl.ts, postfix/html/postconf.5.html#reject_rbl_client
 */
import { type DnsxlResult, dnsblLookup, dnsblQueryName, parseDnsxlSite } from '../dns/dns_rbl.ts';
import { paramList, settingLine } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { PROVIDER_HELP, zoneInfo } from './doctor_dnsbl_zones.ts';
import { type Finding, findingMaker, plural } from './doctor_finding.ts';
import { whenText } from './doctor_log_group.ts';

const dnsbl = findingMaker('dnsbl', 'blacklist');

const REFUSAL_WORDS =
  'the list refused to answer: it refuses queries that come through large public resolvers (8.8.8.8, 1.1.1.1, 9.9.9.9) or in excess, and says so with an address in 127.255.255.0/24. This is not a listing';

/** The zones this host's own smtpd or postscreen consults, with the parameter that names them. */
function zonesInUse(run: DoctorRun): { zone: string; spec: string; param: string }[] {
  const out: { zone: string; spec: string; param: string }[] = [];
  for (const param of [
    'smtpd_client_restrictions',
    'smtpd_helo_restrictions',
    'smtpd_sender_restrictions',
    'smtpd_relay_restrictions',
    'smtpd_recipient_restrictions',
  ]) {
    const list = paramList(run.config, param);
    for (let i = 0; i < list.length - 1; i++) {
      if (/^reject_rbl_client$/i.test(list[i]!)) {
        const spec = list[i + 1]!;
        out.push({ zone: spec.split('=')[0]!, spec, param });
      }
    }
  }
  for (const spec of paramList(run.config, 'postscreen_dnsbl_sites')) {
    const s = spec.replace(/\*-?\d+$/, '');
    out.push({ zone: s.split('=')[0]!, spec: s, param: 'postscreen_dnsbl_sites' });
  }
  return out;
}

function listedFinding(ip: string, zone: string, r: Extract<DnsxlResult, { status: 'listed' }>): Finding {
  const info = zoneInfo(zone);
  if (r.refusal !== null) {
    return dnsbl(
      'warning',
      'dnsbl.query_refused',
      `${zone} refused the query for ${ip} (${r.addresses.join(', ')}: ${r.refusal})`,
      [`${r.query} A ${r.addresses.join(' ')}`, ...(r.txt === null ? [] : [`TXT "${r.txt}"`])],
      REFUSAL_WORDS,
      `ask through a resolver of your own (a local unbound or your provider's), not a public one; for Spamhaus at volume use a free Data Query Service key (https://www.spamhaus.com/free-trial/sign-up-for-a-free-data-query-service-account/). Then check ${ip} again.`,
    );
  }
  const outside = r.addresses.filter((a) => !a.startsWith('127.'));
  if (outside.length > 0) {
    return dnsbl(
      'warning',
      'dnsbl.resolver_rewrites',
      `${zone} answered ${outside.join(', ')} for ${ip}: not a DNSBL answer`,
      [`${r.query} A ${r.addresses.join(' ')}`],
      'DNSBL answers are in 127.0.0.0/8; an address outside it comes from a resolver that rewrites "no such name" answers (ISP DNS hijacking), so every lookup looks listed',
      'use a resolver that does not rewrite NXDOMAIN (a local unbound), for this host and for its smtpd',
    );
  }
  const meanings = r.addresses.map((a) => `${a}: ${info.codes[a] ?? 'listed'}`);
  const pbl = r.addresses.every((a) => a === '127.0.0.10' || a === '127.0.0.11');
  return dnsbl(
    pbl ? 'warning' : 'error',
    pbl ? 'dnsbl.pbl' : 'dnsbl.listed',
    `${ip} is listed in ${info.name} (${zone})`,
    [`${r.query} A ${r.addresses.join(' ')}`, ...meanings, ...(r.txt === null ? [] : [`TXT "${r.txt}"`])],
    pbl
      ? 'the address is in a range its owner declared as not sending mail directly (dynamic/residential); receivers that use Spamhaus ZEN refuse direct mail from it'
      : `receivers that use ${info.name} refuse or junk mail from ${ip}: it sent spam, hit spam traps, or was exploited`,
    pbl
      ? `send through your provider's relay: relayhost = [smtp.provider.example]:587 with SMTP AUTH; or, for a static address you own, remove it from the PBL at ${info.delist}`
      : `find and stop the cause first (a compromised account or host: \`affix logs summary\` shows who sends most), then request removal at ${info.delist}`,
    pbl ? 2 : info.points,
  );
}

async function lookupFindings(run: DoctorRun): Promise<Finding[]> {
  const dns = run.dns;
  if (dns === null) return [];
  const ips = run.sendingIps();
  const zones = run.inputs.dnsblZones;
  const out: Finding[] = [];
  const clean: string[] = [];
  const errors: string[] = [];
  for (const ip of ips) {
    const results = await Promise.all(
      zones.map(async (spec) => {
        const site = parseDnsxlSite(spec);
        if (!site.ok) return { spec, zone: spec, result: null as DnsxlResult | null, error: site.error };
        return { spec, zone: site.value.domain, result: await dnsblLookup(dns, site.value, ip), error: null };
      }),
    );
    for (const { zone, result, error } of results) {
      if (result === null) {
        errors.push(`${zone}: ${error}`);
      } else if (result.status === 'listed') {
        out.push(listedFinding(ip, zone, result));
      } else if (result.status === 'error') {
        errors.push(`${ip} in ${zone}: ${result.text}`);
      } else {
        clean.push(`${ip} not in ${zone}`);
      }
    }
  }
  if (errors.length > 0) {
    out.push(
      dnsbl(
        'warning',
        'dnsbl.lookup_failed',
        `${plural(errors.length, 'DNSBL lookup')} failed`,
        errors,
        'the list or the resolver did not answer (SERVFAIL, timeout): those lists could not be checked',
        'try again later; if it persists, check the resolver (`dig 2.0.0.127.<zone>`)',
      ),
    );
  }
  if (clean.length > 0 && !out.some((f) => f.id === 'dnsbl.listed' || f.id === 'dnsbl.pbl')) {
    out.push(
      dnsbl(
        'ok',
        'dnsbl.clean',
        `${ips.join(', ')} ${ips.length === 1 ? 'is' : 'are'} on none of ${plural(zones.length, 'list')} checked`,
        clean,
        'no listing found',
        '',
      ),
    );
  }
  // The lists smtpd itself uses: a refused query there rejects every client.
  for (const use of zonesInUse(run)) {
    const site = parseDnsxlSite(use.spec);
    if (!site.ok) continue;
    const test = await dnsblLookup(dns, site.value, '127.0.0.2');
    const refused = test.status === 'listed' && test.refusal !== null;
    if (refused || (site.value.filter === null && /spamhaus\.org$/.test(site.value.domain))) {
      out.push(
        dnsbl(
          refused ? 'error' : 'warning',
          refused ? 'dnsbl.own_list_refused' : 'dnsbl.own_list_unfiltered',
          refused
            ? `${use.param} uses ${use.spec}, which refuses this host's queries`
            : `${use.param} uses ${use.spec} without a reply filter`,
          [
            settingLine(run.config, use.param),
            ...(test.status === 'listed'
              ? [`${dnsblQueryName('127.0.0.2', site.value.domain)} A ${test.addresses.join(' ')}`]
              : []),
          ],
          refused
            ? `${REFUSAL_WORDS}. Postfix counts any answer as a listing, so smtpd rejects every client as "blocked using ${site.value.domain}"`
            : 'without a filter Postfix counts any answer as a listing; when Spamhaus refuses a query (127.255.255.254) smtpd would reject every client',
          `reject_rbl_client ${site.value.domain}=127.0.0.[2..11] in ${use.param}, and a resolver of your own; then \`postfix reload\``,
        ),
      );
    }
  }
  return out;
}

async function logFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const out: Finding[] = [];
  const remote = facts.deliveries
    .values()
    .filter((g) => g.cls === 'blacklist')
    .sort((a, b) => b.count - a.count);
  for (const g of remote.slice(0, 10)) {
    const text = g.texts.join(' ');
    const helps = PROVIDER_HELP.filter((p) => p.re.test(text) || p.re.test(g.relays.join(' ')));
    out.push(
      dnsbl(
        g.status === 'bounced' ? 'error' : 'warning',
        'dnsbl.remote_reject',
        `${g.domain} ${g.status === 'bounced' ? 'bounced' : 'deferred'} mail citing a blacklist or reputation block, ${whenText(g)}`,
        [...g.samples, ...g.relays.map((r) => `relay ${r}`)],
        `the receiving server (${g.relays[0] ?? g.domain}) refuses this host's mail because of a list or its own reputation data${helps.length > 0 ? ` (${helps.map((h) => h.name).join(', ')})` : ''}`,
        `check the sending IP: \`affix doctor dnsbl --public-ip <IP>\`; delisting and sender help: ${helps.length > 0 ? helps.map((h) => `${h.name}: ${h.help}`).join('; ') : 'the address the reject text names'}`,
        g.status === 'bounced' ? 2 : 1,
      ),
    );
  }
  const own = facts.rejects.values().filter((g) => /blocked using/.test(g.reason));
  if (own.length > 0) {
    out.push(
      dnsbl(
        'info',
        'dnsbl.own_rejects',
        `this host refused ${plural(
          own.reduce((n, g) => n + g.count, 0),
          'client',
        )} listed in its DNSBLs`,
        own.slice(0, 8).map((g) => `${g.count} × ${g.reason} (${g.service})`),
        'reject_rbl_client / postscreen at work',
        'nothing, unless legitimate senders are among them',
      ),
    );
  }
  return out;
}

export async function dnsblCheck(run: DoctorRun): Promise<Finding[]> {
  return [...(await lookupFindings(run)), ...(await logFindings(run))];
}
