/**
 * system_defaults: the built-in defaults Postfix computes from the machine
 * rather than writes down: myhostname (the host name, made fully qualified),
 * mydomain (myhostname minus its first label), mynetworks (from the
 * interface addresses and mynetworks_style), process_id and process_name.
 *
 * See: postfix/src/global/mail_params.c (check_myhostname, check_mydomain),
 * postfix/src/global/mynetworks.c
 */
import { hostname, networkInterfaces } from 'node:os';

/** What the machine says about itself; tests pass their own. */
export interface SystemFacts {
  readonly hostname: string;
  readonly interfaces: readonly InterfaceAddress[];
  readonly pid: number;
  readonly processName: string;
}

export interface InterfaceAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  /** Prefix length of the interface's network. */
  readonly prefix: number;
}

export function currentSystem(processName: string): SystemFacts {
  const interfaces: InterfaceAddress[] = [];
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const prefix = Number(a.cidr?.split('/')[1] ?? (a.family === 'IPv4' ? 32 : 128));
      interfaces.push({ address: a.address, family: a.family, prefix });
    }
  }
  return { hostname: hostname(), interfaces, pid: process.pid, processName };
}

const DEF_MYDOMAIN = 'localdomain';

/** check_myhostname(): a name without a dot gets `.$mydomain` (explicit) or `.localdomain`. */
export function defaultMyhostname(facts: SystemFacts, explicitMydomain: string | undefined): string {
  if (facts.hostname.includes('.')) return facts.hostname;
  return `${facts.hostname}.${explicitMydomain ?? DEF_MYDOMAIN}`;
}

/** check_mydomainname(): myhostname minus its first label (`mx.test` -> `test`); localdomain without a dot. */
export function defaultMydomain(myhostname: string): string {
  const dot = myhostname.indexOf('.');
  if (dot < 0) return DEF_MYDOMAIN;
  return myhostname.slice(dot + 1);
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

function maskIpv4(address: string, prefix: number): string {
  const n = ipv4ToNumber(address);
  const size = 2 ** (32 - prefix);
  return numberToIpv4(n - (n % size));
}

/** Expands `::` so that an IPv6 address is eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  const [head, tail] = address.split('%')[0]!.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** Formats eight groups the way inet_ntop() does: the longest run of zeros as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

function maskIpv6(address: string, prefix: number): string {
  const groups = ipv6Groups(address).map((g, i) => {
    const bits = Math.min(16, Math.max(0, prefix - i * 16));
    return bits === 16 ? g : g & (0xffff << (16 - bits)) & 0xffff;
  });
  return formatIpv6(groups);
}

/** IPv4 class mask (A, B or C), as mynetworks_style = class uses. */
function classPrefix(address: string): number {
  const first = Number(address.split('.')[0]);
  if (first < 128) return 8;
  if (first < 192) return 16;
  return 24;
}

export type MynetworksStyle = 'host' | 'subnet' | 'class';

/**
 * mynetworks(): the networks of `addresses` by style, IPv4 first, then IPv6
 * as `[net]/len`, duplicates dropped.
 */
export function defaultMynetworks(addresses: readonly InterfaceAddress[], style: MynetworksStyle): string {
  const out: string[] = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    for (const a of addresses.filter((x) => x.family === family)) {
      let net: string;
      if (family === 'IPv4') {
        const prefix = style === 'host' ? 32 : style === 'class' ? classPrefix(a.address) : a.prefix;
        net = `${maskIpv4(a.address, prefix)}/${prefix}`;
      } else {
        const prefix = style === 'host' ? 128 : a.prefix;
        net = `[${maskIpv6(a.address, prefix)}]/${prefix}`;
      }
      if (!out.includes(net)) out.push(net);
    }
  }
  return out.join(' ');
}

/** The interface addresses that inet_interfaces selects (all, loopback-only, or a list). */
export function selectInterfaces(
  facts: SystemFacts,
  inetInterfaces: readonly string[],
  inetProtocols: readonly string[],
): InterfaceAddress[] {
  const wantV4 = inetProtocols.some((p) => p === 'all' || p === 'ipv4');
  const wantV6 = inetProtocols.some((p) => p === 'all' || p === 'ipv6');
  const byFamily = (a: InterfaceAddress) => (a.family === 'IPv4' ? wantV4 : wantV6);
  const lower = inetInterfaces.map((i) => i.toLowerCase());
  if (lower.length === 0 || lower.includes('all')) return facts.interfaces.filter(byFamily);
  if (lower.includes('loopback-only')) {
    return facts.interfaces.filter((a) => byFamily(a) && (a.address === '127.0.0.1' || a.address === '::1'));
  }
  const wanted = new Set(lower.map((i) => i.replace(/^\[|\]$/g, '')));
  return facts.interfaces.filter((a) => byFamily(a) && wanted.has(a.address.toLowerCase()));
}
