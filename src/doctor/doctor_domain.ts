/**
 * doctor_domain: check 5, the DNS of this host's domains. For each sending
 * domain (--domain, myorigin, the virtual domains, the senders of outgoing
 * mail in the log): SPF (doctor_domain_spf.ts), DKIM and DMARC
 * (doctor_domain_auth.ts). For each receiving domain (mydestination's
 * Internet domains, relay and virtual domains, --domain): MX present,
 * hosts that resolve, pointing at this server, no null MX for a domain it
 * receives; MTA-STS and TLS-RPT noted (the policy file itself is on HTTPS
 * and not fetched).
 *
 * Parameters: myorigin, mydestination, relay_domains, virtual_alias_domains,
 *   virtual_mailbox_domains, smtpd_milters, non_smtpd_milters, affix_dkim_key_table,
 *   affix_dkim_domain, affix_dkim_selector, affix_dkim_key_file
 * Standards: RFC 7208, RFC 6376, RFC 7489, RFC 5321 section 5.1, RFC 7505,
 *   RFC 8461 (MTA-STS), RFC 8460 (TLS-RPT)
 */
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { paramValue } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type DkimSigner, keyTableSigners, opendkimSigners } from './doctor_dkim.ts';
import { dkimFindings, dmarcFindings } from './doctor_domain_auth.ts';
import { spfFindings } from './doctor_domain_spf.ts';
import { mxPointsHere } from './doctor_domains.ts';
import { type Finding, findingMaker } from './doctor_finding.ts';
import { checkHost } from './doctor_spf.ts';

const dom = findingMaker('domain', 'mx');

async function mxFindings(run: DoctorRun, dns: DnsResolver, domain: string): Promise<Finding[]> {
  const mx = await dns.mx(domain);
  if (mx.status === 'nullmx') {
    return [
      dom(
        'error',
        'domain.mx_null',
        `${domain} publishes a null MX: it accepts no mail`,
        [`${domain} MX 0 .`],
        'this host is configured to receive mail for the domain, but the DNS tells every sender that the domain takes no mail (RFC 7505)',
        `publish a real MX: ${domain}. IN MX 10 ${run.myhostname}.`,
        2,
      ),
    ];
  }
  if (mx.status === 'retry')
    return [
      dom(
        'warning',
        'domain.mx_tempfail',
        `the MX lookup of ${domain} failed`,
        [mx.text],
        'the DNS did not answer; senders defer',
        "check the domain's DNS servers",
      ),
    ];
  if (mx.status !== 'ok') {
    const a = await dns.hostAddresses(domain);
    if (mx.error === 'nxdomain') {
      return [
        dom(
          'error',
          'domain.nxdomain',
          `${domain} does not exist in the DNS`,
          [mx.text],
          'senders get "Host or domain name not found" and bounce',
          `register or publish the domain, with: ${domain}. IN MX 10 ${run.myhostname}.`,
          2,
        ),
      ];
    }
    return [
      dom(
        a.status === 'ok' ? 'warning' : 'error',
        'domain.mx_missing',
        `${domain} has no MX record`,
        [
          mx.text,
          a.status === 'ok'
            ? `${domain} has address(es) ${a.records.map((r) => r.address).join(' ')}: senders fall back to them`
            : a.text,
        ],
        a.status === 'ok'
          ? "senders use the domain's own address (implicit MX); it works only if that host receives mail"
          : 'with neither MX nor address, no mail reaches the domain',
        `publish: ${domain}. IN MX 10 ${run.myhostname}.`,
        a.status === 'ok' ? 0.5 : 2,
      ),
    ];
  }
  const evidence = mx.records.map((r) => `${domain} MX ${r.preference} ${r.exchange}`);
  const out: Finding[] = [];
  for (const r of mx.records) {
    if (/^[0-9.]+$|:/.test(r.exchange)) {
      out.push(
        dom(
          'error',
          'domain.mx_ip',
          `the MX of ${domain} is an IP address (${r.exchange})`,
          evidence,
          'an MX must name a host; many senders reject an address',
          `publish a name: ${domain}. IN MX ${r.preference} ${run.myhostname}.`,
          1,
        ),
      );
      continue;
    }
    const a = await dns.hostAddresses(r.exchange);
    if (a.status !== 'ok') {
      out.push(
        dom(
          a.status === 'retry' ? 'warning' : 'error',
          'domain.mx_unresolvable',
          `MX host ${r.exchange} of ${domain} does not resolve`,
          [...evidence, a.text],
          'senders cannot reach that MX; with no other MX, mail to the domain defers and bounces',
          `publish: ${r.exchange}. IN A <its address>`,
          1,
        ),
      );
    } else {
      evidence.push(`${r.exchange} ${a.records.map((x) => `${x.type} ${x.address}`).join(', ')}`);
    }
  }
  const here = await mxPointsHere(dns, domain, run.myhostname, run.sendingIps());
  if (here.here === false && run.sendingIps().length > 0) {
    out.push(
      dom(
        'warning',
        'domain.mx_elsewhere',
        `the MX of ${domain} does not point to this host`,
        here.evidence,
        'senders deliver to the MX hosts listed, not here: fine if they forward to this host (a gateway, a filter service), otherwise this host never sees that mail',
        `if this host should receive it: ${domain}. IN MX 10 ${run.myhostname}. (with ${run.myhostname}. IN A ${run.sendingIps()[0]})`,
      ),
    );
  }
  if (out.length === 0)
    out.push(
      dom(
        'ok',
        'domain.mx_ok',
        `MX of ${domain} is in order`,
        evidence,
        here.here === true ? 'its MX points to this host' : 'its MX hosts resolve',
        '',
      ),
    );
  return out;
}

async function policyNotes(dns: DnsResolver, domain: string): Promise<Finding[]> {
  const sts = await dns.txt(`_mta-sts.${domain}`);
  const rpt = await dns.txt(`_smtp._tls.${domain}`);
  const stsRec = sts.status === 'ok' ? sts.records.map((r) => r.text).find((t) => /^v=STSv1/i.test(t)) : undefined;
  const rptRec = rpt.status === 'ok' ? rpt.records.map((r) => r.text).find((t) => /^v=TLSRPTv1/i.test(t)) : undefined;
  const evidence = [
    stsRec === undefined ? `_mta-sts.${domain}: no MTA-STS record` : `_mta-sts.${domain} TXT "${stsRec}"`,
    rptRec === undefined ? `_smtp._tls.${domain}: no TLS-RPT record` : `_smtp._tls.${domain} TXT "${rptRec}"`,
  ];
  if (stsRec !== undefined) {
    return [
      dom(
        'info',
        'domain.mta_sts',
        `${domain} publishes MTA-STS${rptRec === undefined ? ' (without TLS-RPT)' : ' and TLS-RPT'}`,
        evidence,
        `senders fetch the policy from https://mta-sts.${domain}/.well-known/mta-sts.txt (not fetched here) and, in enforce mode, deliver only over TLS to MX hosts whose certificate is valid for their name: see the TLS findings`,
        rptRec === undefined
          ? `publish _smtp._tls.${domain}. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@${domain}" to hear about failures`
          : '',
      ),
    ];
  }
  return [
    dom(
      'info',
      'domain.no_mta_sts',
      `${domain} has no MTA-STS policy${rptRec === undefined ? ' and no TLS-RPT' : ''}`,
      evidence,
      'optional: MTA-STS makes senders require valid TLS for this domain; TLS-RPT gets reports of TLS failures',
      `once the certificate covers the MX names: publish _mta-sts.${domain} TXT "v=STSv1; id=1" and the policy at https://mta-sts.${domain}/.well-known/mta-sts.txt`,
    ),
  ];
}

/** Who signs: affix's own signer (affix_dkim_*), else the OpenDKIM milter's configuration. */
async function signers(run: DoctorRun): Promise<DkimSigner[]> {
  const out: DkimSigner[] = [];
  const cfg = run.config;
  const keyTable = paramValue(cfg, 'affix_dkim_key_table');
  if (keyTable !== '') out.push(...(await keyTableSigners(keyTable)));
  const [domain, selector, keyFile] = ['affix_dkim_domain', 'affix_dkim_selector', 'affix_dkim_key_file'].map((p) =>
    paramValue(cfg, p),
  );
  if (domain && selector) {
    for (const d of domain.split(/[,\s]+/).filter((x) => x !== '')) {
      out.push({
        domain: d.toLowerCase(),
        selector: selector,
        keyFile: keyFile || null,
        source: 'main.cf affix_dkim_*',
      });
    }
  }
  if (out.length > 0) return out;
  const milters = `${paramValue(run.config, 'smtpd_milters')} ${paramValue(run.config, 'non_smtpd_milters')}`.trim();
  const conf = run.inputs.opendkimConf ?? (milters !== '' ? '/etc/opendkim.conf' : null);
  if (conf !== null) out.push(...(await opendkimSigners(conf)));
  return out;
}

export async function domainCheck(run: DoctorRun): Promise<Finding[]> {
  const dns = run.dns;
  if (dns === null) return [];
  const sending = await run.sendingDomains();
  const receiving = run.receivingDomains();
  if (sending.length === 0 && receiving.length === 0) {
    return [
      dom(
        'info',
        'domain.none',
        'no Internet domain to check',
        [
          `myorigin = ${paramValue(run.config, 'myorigin')}`,
          `mydestination = ${paramValue(run.config, 'mydestination')}`,
        ],
        'the configuration names no domain with a dot outside localhost, and the log shows no outgoing sender domain',
        'name it: `affix doctor domain --domain example.org`',
      ),
    ];
  }
  const ips = run.sendingIps();
  const dkim = await signers(run);
  const out: Finding[] = [];
  for (const d of sending) {
    const spf = await spfFindings(dns, d, ips, run.heloName);
    out.push(...spf);
    const dk = await dkimFindings(dns, d, dkim, run.inputs.dkimSelectors);
    out.push(...dk);
    let spfPasses: boolean | null = null;
    if (ips.length > 0)
      spfPasses = (await Promise.all(ips.map((ip) => checkHost(dns, ip, d)))).every((r) => r.result === 'pass');
    const signed = dkim.some((s) => s.domain === d) && !dk.some((f) => f.severity === 'error');
    out.push(...(await dmarcFindings(dns, d, spfPasses, signed)));
  }
  for (const d of receiving) {
    out.push(...(await mxFindings(run, dns, d)));
    out.push(...(await policyNotes(dns, d)));
  }
  return out;
}
