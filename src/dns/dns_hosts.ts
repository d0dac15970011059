/**
 * dns_hosts: an /etc/hosts table, for the lookups Postfix makes through the
 * system's name service (getnameinfo, getaddrinfo: "files" before "dns"), so
 * a local client is `localhost[127.0.0.1]` as in Postfix's logs. Optional:
 * without a table, affix asks only the DNS.
 *
 * Security: reads one local file chosen by the caller; never the network
 * See: hosts(5), postfix/src/smtpd/smtpd_peer.c
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { sameAddress } from './dns_arpa.ts';

export interface HostsEntry {
  readonly address: string;
  /** Canonical name first, then the aliases. */
  readonly names: readonly string[];
}

export class HostsTable {
  readonly entries: readonly HostsEntry[];

  constructor(entries: readonly HostsEntry[]) {
    this.entries = entries;
  }

  /** The names of the first line for `address` (canonical name first); empty when none. */
  namesOf(address: string): readonly string[] {
    return this.entries.find((e) => sameAddress(e.address, address))?.names ?? [];
  }

  /** Every address listed for `name` (any case), of one IP version or both. */
  addressesOf(name: string, family?: 4 | 6): string[] {
    const lower = name.toLowerCase();
    return this.entries
      .filter((e) => e.names.some((n) => n.toLowerCase() === lower))
      .filter((e) => family === undefined || isIP(e.address) === family)
      .map((e) => e.address);
  }
}

/** Parses hosts(5) text: `address name [alias...]`, `#` comments; bad lines are skipped. */
export function parseHosts(text: string): HostsTable {
  const entries: HostsEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    const [address, ...names] = fields;
    if (address === undefined || names.length === 0 || isIP(address.replace(/%.*$/, '')) === 0) continue;
    entries.push({ address: address.replace(/%.*$/, ''), names });
  }
  return new HostsTable(entries);
}

/** Reads and parses a hosts file; an unreadable file is an empty table. */
export async function readHosts(path = '/etc/hosts'): Promise<HostsTable> {
  try {
    return parseHosts(await readFile(path, 'utf8'));
  } catch {
    return new HostsTable([]);
  }
}
