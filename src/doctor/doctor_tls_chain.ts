/**
 * doctor_tls_chain: where a server certificate's chain leads: the
 * certificates in its file, each issued by the next, up to a CA that node
 * trusts (Mozilla's list), or a self-signed certificate, a private CA, or a
 * missing intermediate; and the shared words of the TLS certificate
 * findings (names, subjects on one line).
 *
 * See: doctor_tls_cert.ts, RFC 5280 section 6 (path validation, simplified)
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { type Finding, findingMaker } from './doctor_finding.ts';

export interface CertPair {
  /** The parameter(s) that name the files, for messages: `smtpd_tls_cert_file`. */
  readonly param: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface CertContext {
  readonly now: number;
  readonly myhostname: string;
  /** MX host names of this host's domains that point here (their names must be covered too). */
  readonly mxNames: readonly string[];
  /** This host receives mail from the Internet (public IP or MX pointing here): self-signed matters. */
  readonly publicMx: boolean;
  /** When the MTA last (re)started, ms (log or pid file); NaN when not known. */
  readonly lastStart: number;
}

/** A finding of the tls check, with a TLS impact when `points` > 0. */
export const tlsFinding = findingMaker('tls', 'tls');

/** `CN=mx.example.test` from node's multi-line subject text. */
export function oneLineName(dn: string): string {
  return dn
    .split('\n')
    .filter((l) => l !== '')
    .join(', ');
}

/** DNS names of a certificate (subjectAltName, else the CN). */
export function certNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san !== undefined) {
    const names = [...san.matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]!);
    if (names.length > 0) return names;
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject);
  return cn === null ? [] : [cn[1]!];
}

/** The CA certificates node trusts (Mozilla's list). */
function trustedRoots(): X509Certificate[] {
  return rootCertificates.map((pem) => new X509Certificate(pem));
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && issuedBy(cert, cert);
}

/** Chain findings: the file's certificates lead to a trusted root, or what is missing. */
export function chainFindings(certs: readonly X509Certificate[], pair: CertPair, ctx: CertContext): Finding[] {
  const leaf = certs[0]!;
  const evidence = certs.map(
    (c, i) =>
      `${i === 0 ? 'certificate' : `chain ${i}`}: subject ${oneLineName(c.subject)}; issuer ${oneLineName(c.issuer)}`,
  );
  if (isSelfSigned(leaf)) {
    return [
      tlsFinding(
        ctx.publicMx ? 'warning' : 'info',
        'tls.self_signed',
        `the certificate in ${pair.certFile} is self-signed`,
        evidence,
        'sending servers using opportunistic TLS still deliver, but mail clients on submission, MTA-STS and DANE senders, and TLS reports treat it as untrusted' +
          (ctx.publicMx ? '; on a public MX this is a visible trust problem' : ''),
        `get a certificate from a CA, e.g. Let's Encrypt: \`certbot certonly --standalone -d ${ctx.myhostname}\`, then smtpd_tls_cert_file = /etc/letsencrypt/live/${ctx.myhostname}/fullchain.pem and smtpd_tls_key_file = /etc/letsencrypt/live/${ctx.myhostname}/privkey.pem, and \`postfix reload\``,
        ctx.publicMx ? 0.5 : 0,
      ),
    ];
  }
  let current = leaf;
  const used = new Set<X509Certificate>([leaf]);
  const roots = trustedRoots();
  for (let depth = 0; depth < 10; depth++) {
    if (roots.some((r) => issuedBy(current, r))) return [];
    const next = certs.find((c) => !used.has(c) && issuedBy(current, c));
    if (next === undefined) break;
    used.add(next);
    if (isSelfSigned(next)) {
      return [
        tlsFinding(
          'info',
          'tls.private_ca',
          `the chain in ${pair.certFile} ends at a CA the public does not trust: ${oneLineName(next.subject)}`,
          evidence,
          'a private CA: peers that verify certificates (MTA-STS, mail clients) need that CA installed',
          'fine for internal mail; for a public MX use a certificate from a public CA',
        ),
      ];
    }
    current = next;
  }
  return [
    tlsFinding(
      'warning',
      'tls.chain_incomplete',
      `the certificate chain in ${pair.certFile} is incomplete: the issuer ${oneLineName(current.issuer)} is missing`,
      evidence,
      'the file holds the server certificate without the intermediate CA certificate that signed it; peers that verify (MTA-STS and DANE senders, mail clients) cannot build the chain and fail the TLS handshake or fall back to untrusted TLS',
      `put the intermediate certificate(s) after the server certificate in ${pair.certFile}: use the CA's full-chain file (Let's Encrypt: fullchain.pem, not cert.pem), or \`cat server.pem intermediate.pem > fullchain.pem\`; then \`postfix reload\``,
      0.5,
    ),
  ];
}
