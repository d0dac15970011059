/**
 * auth_mta_sts: MTA-STS (RFC 8461) for the smtp client — discovery through
 * the `_mta-sts` TXT record (affix's resolver), the policy fetched over
 * HTTPS from `mta-sts.DOMAIN` by affix itself (mailauth's fetcher is
 * wired to port 443 and the system trust store; here both can be set, and
 * the host is resolved with affix's resolver), parsed and matched with
 * mailauth, and cached for max_age. A cached policy outlives a failed
 * refresh (section 5.1). One MtaStsClient per smtp context holds the cache.
 *
 * Diagnostics: `fetch` results carry the reason a policy could not be had
 *   (TLS, HTTP status, size, syntax), for the log and TLS-RPT
 * Security: the policy host must present a certificate valid for
 *   mta-sts.DOMAIN from a trusted CA; at most 64 KB are read
 * Standards: RFC 8461 sections 3, 4, 5 and 10
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { parsePolicy, resolvePolicy, validateMx } from 'mailauth/lib/mta-sts.js';
import type { DnsResolver } from '../dns/dns_resolver.ts';
import { authResolver } from './auth_dns.ts';

export interface MtaStsPolicy {
  readonly id: string;
  readonly mode: 'enforce' | 'testing' | 'none';
  readonly mx: readonly string[];
  readonly maxAge: number;
  /** The policy text as fetched (TLS-RPT reports it line by line). */
  readonly text: string;
}

export type MtaStsLookup =
  | { readonly status: 'policy'; readonly policy: MtaStsPolicy; readonly cached: boolean }
  | { readonly status: 'none' }
  | { readonly status: 'error'; readonly reason: string; readonly resultType: MtaStsFailure };

/** TLS-RPT result types for a policy that could not be had (RFC 8460 section 4.3.2.2). */
export type MtaStsFailure = 'sts-policy-fetch-error' | 'sts-policy-invalid' | 'sts-webpki-invalid';

export interface MtaStsOptions {
  readonly dns: DnsResolver;
  /** HTTPS port of policy hosts (443). */
  readonly port?: number;
  /** Extra trust anchors (PEM), besides Node's built-in roots (none: the default store, with NODE_EXTRA_CA_CERTS). */
  readonly ca?: readonly string[];
  /** Milliseconds for the whole fetch (RFC 8461 section 3.3 suggests at most a minute). */
  readonly timeout?: number;
  /** Longest time a policy is kept, seconds (a year, section 3.2). */
  readonly maxAgeLimit?: number;
  readonly clock?: () => number;
}

const MAX_POLICY = 64 * 1024;
/** Most policies kept per client. */
const MAX_CACHED = 10_000;

interface Cached {
  readonly policy: MtaStsPolicy;
  readonly expires: number;
}

export class MtaStsClient {
  readonly #o: MtaStsOptions;
  readonly #cache = new Map<string, Cached>();

  constructor(options: MtaStsOptions) {
    this.#o = options;
  }

  /** The policy in force for mail to `domain`. */
  async lookup(domain: string): Promise<MtaStsLookup> {
    const d = domain.toLowerCase().replace(/\.$/, '');
    const now = (this.#o.clock ?? Date.now)();
    const cached = this.#cache.get(d);
    const live = cached !== undefined && cached.expires > now ? cached : undefined;
    let id: string | false;
    try {
      id = await resolvePolicy(d, { resolver: authResolver(this.#o.dns) as never });
    } catch (err) {
      if (live) return { status: 'policy', policy: live.policy, cached: true };
      return {
        status: 'error',
        reason: `TXT lookup of _mta-sts.${d}: ${(err as Error).message}`,
        resultType: 'sts-policy-fetch-error',
      };
    }
    if (id === false) return live ? { status: 'policy', policy: live.policy, cached: true } : { status: 'none' };
    if (live && live.policy.id === id) return { status: 'policy', policy: live.policy, cached: true };
    const fetched = await this.#fetch(d);
    if (fetched.status !== 'ok') {
      if (live) return { status: 'policy', policy: live.policy, cached: true };
      return { status: 'error', reason: fetched.reason, resultType: fetched.resultType };
    }
    let parsed: ReturnType<typeof parsePolicy>;
    try {
      parsed = parsePolicy(fetched.text);
    } catch (err) {
      if (live) return { status: 'policy', policy: live.policy, cached: true };
      return { status: 'error', reason: `policy of ${d}: ${(err as Error).message}`, resultType: 'sts-policy-invalid' };
    }
    const maxAge = Math.min(parsed.maxAge ?? 86400, this.#o.maxAgeLimit ?? 31557600);
    const policy: MtaStsPolicy = { id, mode: parsed.mode, mx: parsed.mx ?? [], maxAge, text: fetched.text };
    // Bounded: the oldest entry goes first (Map keeps insertion order; a refresh re-inserts).
    this.#cache.delete(d);
    if (this.#cache.size >= MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(d, { policy, expires: now + maxAge * 1000 });
    return { status: 'policy', policy, cached: false };
  }

  /** GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt, no redirects, 200 and text/plain only. */
  async #fetch(
    domain: string,
  ): Promise<{ status: 'ok'; text: string } | { status: 'error'; reason: string; resultType: MtaStsFailure }> {
    const host = `mta-sts.${domain}`;
    const addrs = await this.#o.dns.hostAddresses(host);
    if (addrs.status !== 'ok') return { status: 'error', reason: addrs.text, resultType: 'sts-policy-fetch-error' };
    const address = addrs.records[0]!.address;
    const url = `https://${host}/.well-known/mta-sts.txt`;
    return new Promise((resolve) => {
      const fail = (reason: string, resultType: MtaStsFailure = 'sts-policy-fetch-error') =>
        resolve({ status: 'error', reason: `${url}: ${reason}`, resultType });
      const req = request(
        {
          host: address,
          port: this.#o.port ?? 443,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername: host,
          headers: { host },
          // Without extra anchors Node's default store applies, NODE_EXTRA_CA_CERTS included.
          ...(this.#o.ca !== undefined && this.#o.ca.length > 0 ? { ca: [...rootCertificates, ...this.#o.ca] } : {}),
          timeout: this.#o.timeout ?? 60000,
          agent: false,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return fail(`HTTP status ${res.statusCode}`);
          }
          const type = String(res.headers['content-type'] ?? '');
          if (!/^text\/plain\b/i.test(type)) {
            res.resume();
            return fail(`content type "${type}" is not text/plain`, 'sts-policy-invalid');
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_POLICY) {
              req.destroy();
              fail(`policy larger than ${MAX_POLICY} bytes`, 'sts-policy-invalid');
            } else chunks.push(c);
          });
          res.on('end', () => resolve({ status: 'ok', text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => fail(err.message));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        fail('timeout');
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const tls = /certificate|self.signed|unable to verify|altname|CERT_|SELF_SIGNED/i.test(
          `${err.code} ${err.message}`,
        );
        fail(err.message, tls ? 'sts-webpki-invalid' : 'sts-policy-fetch-error');
      });
      req.end();
    });
  }
}

/** Whether an MX host name is allowed by a policy (RFC 8461 section 4.1). */
export function mtaStsMxAllowed(policy: MtaStsPolicy, mx: string): boolean {
  return validateMx(mx, { mode: policy.mode, mx: [...policy.mx] }).valid;
}
