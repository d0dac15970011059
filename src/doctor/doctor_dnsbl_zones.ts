/**
 * doctor_dnsbl_zones: the blacklists the doctor asks by default, what
 * their answers mean and where to ask for delisting; and the texts of
 * remote rejects that name a list or a provider's own reputation system,
 * with where the sender finds help. Spamhaus's codes are decoded one by one
 * (SBL, CSS, XBL, DROP, PBL); 127.255.255.252-255 are not listings but the
 * list refusing the query (dns_rbl.ts: DNSBL_ERROR_CODES).
 *
 * See: https://docs.spamhaus.com/datasets/docs/source/40-real-world-usage/PublicMirrors/MTAs/020-Postfix.html,
 *      RFC 5782 (DNSBL conventions: 127.0.0.2 lists, 127.0.0.1 never)
 */

/** Zones asked when none are given (--dnsbl). */
export const DEFAULT_DNSBL_ZONES: readonly string[] = [
  'zen.spamhaus.org',
  'b.barracudacentral.org',
  'bl.spamcop.net',
  'psbl.surriel.com',
  'bl.mailspike.net',
  'dnsbl-1.uceprotect.net',
];

export interface ZoneInfo {
  readonly name: string;
  readonly delist: string;
  /** Meaning of each answer address; others mean "listed". */
  readonly codes: Readonly<Record<string, string>>;
  /** Points the score loses for a listing (before any cap). */
  readonly points: number;
}

const SPAMHAUS_CODES: Readonly<Record<string, string>> = {
  '127.0.0.2': 'SBL (Spamhaus Block List): a known spam source or spam operation',
  '127.0.0.3': 'SBL CSS: low-reputation or snowshoe sending seen from this address',
  '127.0.0.4': 'XBL: an exploited host (malware, botnet, open proxy), from the CBL',
  '127.0.0.5': 'XBL: an exploited host',
  '127.0.0.6': 'XBL: an exploited host',
  '127.0.0.7': 'XBL: an exploited host',
  '127.0.0.9': 'SBL DROP/EDROP: a hijacked or spam-only network',
  '127.0.0.10': 'PBL (ISP maintained): the address range is not meant to send mail directly (dynamic or residential)',
  '127.0.0.11': 'PBL (Spamhaus maintained): the address is not expected to send mail directly',
};

const SPAMHAUS: ZoneInfo = {
  name: 'Spamhaus',
  delist: 'https://check.spamhaus.org/',
  codes: SPAMHAUS_CODES,
  points: 3,
};

export const ZONE_INFO: Readonly<Record<string, ZoneInfo>> = {
  'zen.spamhaus.org': SPAMHAUS,
  'sbl.spamhaus.org': SPAMHAUS,
  'xbl.spamhaus.org': SPAMHAUS,
  'pbl.spamhaus.org': SPAMHAUS,
  'sbl-xbl.spamhaus.org': SPAMHAUS,
  'b.barracudacentral.org': {
    name: 'Barracuda Reputation Block List',
    delist: 'https://www.barracudacentral.org/rbl/removal-request',
    codes: { '127.0.0.2': 'listed for poor sending reputation' },
    points: 2,
  },
  'bl.spamcop.net': {
    name: 'SpamCop',
    delist: 'https://www.spamcop.net/bl.shtml (listings expire 24 hours after the reports stop)',
    codes: { '127.0.0.2': 'listed from spam reports by recipients' },
    points: 1.5,
  },
  'psbl.surriel.com': {
    name: 'PSBL (Passive Spam Block List)',
    delist: 'https://psbl.org/',
    codes: { '127.0.0.2': 'sent mail to spam traps' },
    points: 1,
  },
  'bl.mailspike.net': {
    name: 'Mailspike',
    delist: 'https://mailspike.io/',
    codes: { '127.0.0.2': 'listed for bad reputation' },
    points: 1,
  },
  'dnsbl-1.uceprotect.net': {
    name: 'UCEPROTECT level 1',
    delist: 'https://www.uceprotect.net/en/rblcheck.php (level 1 expires after 7 days without spam)',
    codes: { '127.0.0.2': 'this address sent to spam traps' },
    points: 0.5,
  },
};

/** What is known of a zone, or a generic entry. */
export function zoneInfo(zone: string): ZoneInfo {
  return (
    ZONE_INFO[zone.toLowerCase()] ?? {
      name: zone,
      delist: `the list's web site (usually https://${zone.split('.').slice(-2).join('.')}/)`,
      codes: {},
      points: 1,
    }
  );
}

/** Providers whose reject texts carry their own reputation codes, and where a sender gets help. */
export const PROVIDER_HELP: readonly { readonly re: RegExp; readonly name: string; readonly help: string }[] = [
  { re: /spamhaus/i, name: 'Spamhaus', help: 'https://check.spamhaus.org/' },
  { re: /barracuda/i, name: 'Barracuda', help: 'https://www.barracudacentral.org/rbl/removal-request' },
  { re: /spamcop/i, name: 'SpamCop', help: 'https://www.spamcop.net/bl.shtml' },
  { re: /uceprotect/i, name: 'UCEPROTECT', help: 'https://www.uceprotect.net/en/rblcheck.php' },
  {
    re: /S3150|S3140|5\.7\.606|outlook\.com|hotmail|protection\.outlook/i,
    name: 'Microsoft (Outlook.com/Office 365)',
    help: 'https://sender.office.com/ (delist) and https://sendersupport.olc.protection.outlook.com/snds/',
  },
  {
    re: /gmail|google|gsmtp/i,
    name: 'Gmail',
    help: 'https://postmaster.google.com/ and https://support.google.com/mail/answer/81126',
  },
  { re: /yahoo|\[TSS0\d\]|\[BL2\d\]|aol/i, name: 'Yahoo/AOL', help: 'https://senders.yahooinc.com/' },
];
