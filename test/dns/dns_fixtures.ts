/**
 * dns_fixtures: a test DNS server and a resolver pointed at it (never at the
 * system's resolvers), with one try of 2 s unless told otherwise.
 */
import type { TestContext } from 'node:test';
import { DnsResolver, type DnsResolverOptions } from '../../src/dns/dns_resolver.ts';
import { type DnsServer, type DnsServerOptions, startDnsServer } from '../peers/dns_server.ts';

export async function dnsWithResolver(
  t: TestContext,
  server: DnsServerOptions,
  options: Omit<DnsResolverOptions, 'servers'> = {},
): Promise<{ dns: DnsServer; resolver: DnsResolver; warnings: string[] }> {
  const dns = await startDnsServer(t, server);
  const warnings: string[] = [];
  const resolver = new DnsResolver({
    timeout: 2000,
    tries: 1,
    warn: (text) => warnings.push(text),
    ...options,
    servers: dns.servers,
  });
  return { dns, resolver, warnings };
}

/** A clock tests move by hand: `clock.now += 61_000`. */
export function fakeClock(start = 1_800_000_000_000): { now: number; read: () => number } {
  const clock = { now: start, read: () => clock.now };
  return clock;
}
