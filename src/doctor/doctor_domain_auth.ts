/**
 * doctor_domain_auth: the DKIM and DMARC findings of one sending domain.
 * DKIM: the signer's selector record is published, valid, strong enough,
 * and holds the signer's key (else the exact record to publish, derived
 * from the key file); without a signer, whether any common selector is
 * published. DMARC: present, one record, valid, and what its policy and
 * alignment mean; a reject/quarantine policy while this host's mail
 * neither passes SPF nor carries a DKIM signature is an error: the domain's
 * own mail would be refused.
 *
 * See: doctor_dkim.ts, doctor_dmarc.ts
 */
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { COMMON_SELECTORS, type DkimSigner, dkimRecord, dkimRecordText, publicKeyOf, sameKey } from './doctor_dkim.ts';
import { dmarcLookup, explainDmarc } from './doctor_dmarc.ts';
import { type Finding, findingMaker } from './doctor_finding.ts';

const dom = findingMaker('domain');
const dkimFinding = findingMaker('domain', 'dkim');
const dmarcFinding = findingMaker('domain', 'dmarc');

async function signerFindings(dns: DnsResolver, s: DkimSigner): Promise<Finding[]> {
  const rec = await dkimRecord(dns, s.selector, s.domain);
  const pub = s.keyFile === null ? null : await publicKeyOf(s.keyFile);
  const name = `${s.selector}._domainkey.${s.domain}`;
  const from = `signer: ${s.source}: domain ${s.domain}, selector ${s.selector}${s.keyFile === null ? '' : `, key ${s.keyFile}`}`;
  const publish =
    pub !== null && 'p' in pub
      ? `publish: ${dkimRecordText(s.selector, s.domain, pub.type, pub.p)}`
      : `publish the public key of the signing key at ${name} (opendkim-genkey writes it to SELECTOR.txt)`;
  if ('missing' in rec) {
    return [
      dkimFinding(
        rec.temp ? 'warning' : 'error',
        'domain.dkim_missing',
        `the DKIM key record ${name} is not published`,
        [from, rec.missing],
        'mail is signed with this selector but receivers cannot find the key: the signature fails, as if the mail were forged',
        publish,
        rec.temp ? 0 : 1.5,
      ),
    ];
  }
  const out: Finding[] = [];
  const ev = [from, `${name} TXT "${rec.text}"`];
  if (rec.errors.length > 0) {
    out.push(
      dkimFinding(
        'error',
        'domain.dkim_invalid',
        `the DKIM record ${name} is invalid`,
        [...ev, ...rec.errors],
        'receivers cannot use the key: signatures fail',
        publish,
        1.5,
      ),
    );
    return out;
  }
  if (pub !== null && 'error' in pub)
    out.push(
      dom(
        'warning',
        'domain.dkim_key_unreadable',
        `cannot read the signing key ${s.keyFile}`,
        [from, pub.error],
        'the doctor could not compare the published key with the signing key',
        'run the doctor as root',
      ),
    );
  if (pub !== null && 'key' in pub && rec.key !== null && !sameKey(pub.key, rec.key)) {
    out.push(
      dkimFinding(
        'error',
        'domain.dkim_key_mismatch',
        `the key published at ${name} is not the key ${s.keyFile} signs with`,
        ev,
        'signatures made with the private key do not verify with the published public key: every message fails DKIM',
        publish,
        1.5,
      ),
    );
  }
  if (rec.bits !== null && rec.bits < 1024) {
    out.push(
      dkimFinding(
        'error',
        'domain.dkim_weak',
        `the DKIM key at ${name} has only ${rec.bits} bits`,
        ev,
        'receivers ignore RSA keys under 1024 bits',
        'make a 2048-bit key: `opendkim-genkey -b 2048 -s SELECTOR -d DOMAIN` and publish it',
        1,
      ),
    );
  } else if (rec.bits !== null && rec.bits < 2048) {
    out.push(
      dom(
        'warning',
        'domain.dkim_1024',
        `the DKIM key at ${name} has ${rec.bits} bits`,
        ev,
        '1024-bit RSA keys are considered weak; 2048 is the norm',
        'rotate to a 2048-bit key under a new selector',
      ),
    );
  }
  if (rec.testing)
    out.push(
      dom(
        'info',
        'domain.dkim_testing',
        `${name} is in testing mode (t=y)`,
        ev,
        'receivers may treat failures as unsigned',
        'remove t=y once signing works',
      ),
    );
  if (out.length === 0)
    out.push(
      dom(
        'ok',
        'domain.dkim_ok',
        `DKIM key ${name} is published${pub !== null && 'key' in pub ? ' and matches the signing key' : ''}`,
        ev,
        'receivers can verify the signatures',
        '',
      ),
    );
  return out;
}

export async function dkimFindings(
  dns: DnsResolver,
  domain: string,
  signers: readonly DkimSigner[],
  extraSelectors: readonly string[],
): Promise<Finding[]> {
  const mine = signers.filter((s) => s.domain === domain);
  if (mine.length > 0) return (await Promise.all(mine.map((s) => signerFindings(dns, s)))).flat();
  const selectors = [...new Set([...extraSelectors, ...COMMON_SELECTORS])];
  const found = (
    await Promise.all(selectors.map(async (sel) => ({ sel, rec: await dkimRecord(dns, sel, domain) })))
  ).filter((x) => !('missing' in x.rec));
  if (found.length > 0) {
    return [
      dom(
        'info',
        'domain.dkim_found',
        `DKIM key(s) published for ${domain} (selector ${found.map((f) => f.sel).join(', ')}), but no signer configuration was found here`,
        found.map((f) => `${f.sel}._domainkey.${domain} TXT "${'text' in f.rec ? f.rec.text.slice(0, 80) : ''}..."`),
        'another system may sign for this domain, or this host signs through a milter the doctor cannot read',
        'tell the doctor the signer: `--dkim-selector SEL` or `--opendkim-conf FILE`',
      ),
    ];
  }
  return [
    dkimFinding(
      'warning',
      'domain.dkim_none',
      `no DKIM signing found for ${domain}`,
      [`no signer configured (smtpd_milters / OpenDKIM), no key under the selectors ${selectors.join(', ')}`],
      'without DKIM, DMARC relies on SPF alone, which breaks on forwarding; Gmail and Yahoo require DKIM from bulk senders',
      `sign with OpenDKIM: \`opendkim-genkey -b 2048 -s mail -d ${domain}\`, publish mail.txt as mail._domainkey.${domain}, and in main.cf: smtpd_milters = inet:localhost:8891, non_smtpd_milters = $smtpd_milters, milter_default_action = accept`,
      1.5,
    ),
  ];
}

export async function dmarcFindings(
  dns: DnsResolver,
  domain: string,
  spfPasses: boolean | null,
  signed: boolean,
): Promise<Finding[]> {
  const d = await dmarcLookup(dns, domain);
  if (d.status === 'temperror')
    return [
      dom(
        'warning',
        'domain.dmarc_temperror',
        `the DMARC record of ${domain} could not be fetched`,
        [d.text],
        'the DNS did not answer',
        'retry later',
      ),
    ];
  if (d.status === 'none') {
    return [
      dmarcFinding(
        'warning',
        'domain.dmarc_missing',
        `${domain} has no DMARC record`,
        [d.text],
        "receivers get no policy for mail that fails SPF and DKIM, and nobody gets reports of who sends in the domain's name; Gmail and Yahoo require DMARC from bulk senders",
        `publish (monitoring first): _dmarc.${domain}. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}", then move to p=quarantine and p=reject`,
        1,
      ),
    ];
  }
  if (d.status === 'multiple') {
    return [
      dmarcFinding(
        'error',
        'domain.dmarc_multiple',
        `${domain} has ${d.records.length} DMARC records`,
        d.records.map((r) => `_dmarc.${domain} TXT "${r}"`),
        'with more than one record receivers apply no DMARC at all',
        `keep one: _dmarc.${domain}. IN TXT "${d.records[0]}"`,
        1,
      ),
    ];
  }
  const r = d.record;
  if (r.errors.length > 0) {
    return [
      dmarcFinding(
        'error',
        'domain.dmarc_invalid',
        `the DMARC record of ${domain} is invalid`,
        [`${r.name} TXT "${r.text}"`, ...r.errors],
        'receivers ignore an invalid record: the domain has no effective DMARC policy',
        `publish a valid one: _dmarc.${domain}. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}"`,
        1,
      ),
    ];
  }
  const explained = explainDmarc(r, domain, d.inherited);
  const policy = (d.inherited ? (r.tags.get('sp') ?? r.policy) : r.policy) ?? 'none';
  if (policy !== 'none' && spfPasses === false && !signed) {
    return [
      dmarcFinding(
        'error',
        'domain.dmarc_own_mail_fails',
        `DMARC p=${policy} for ${domain}, but this host's mail passes neither SPF nor DKIM`,
        explained,
        `receivers ${policy === 'reject' ? 'refuse' : 'junk'} this host's mail in the domain's name: it fails DMARC`,
        'add this host to the SPF record and sign with DKIM (see the SPF and DKIM findings)',
        2,
      ),
    ];
  }
  if (policy === 'none') {
    return [
      dom(
        'info',
        'domain.dmarc_none',
        `DMARC of ${domain} is p=none (monitoring)`,
        explained,
        "forged mail in the domain's name is still delivered",
        'when the reports show all your mail passing, raise it to p=quarantine, then p=reject',
      ),
    ];
  }
  return [
    dom('ok', 'domain.dmarc_ok', `DMARC of ${domain}: p=${policy}`, explained, 'receivers act on failing mail', ''),
  ];
}
