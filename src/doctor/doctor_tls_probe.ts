/**
 * doctor_tls_probe: a STARTTLS probe of one SMTP server, as `openssl
 * s_client -starttls smtp` would be used by hand: is STARTTLS offered, does
 * the handshake succeed, with which protocol and cipher, does the
 * certificate chain verify against the CAs node trusts, does it cover the
 * name the server is known by, and when does it expire. The failure is
 * classed: not offered, handshake, protocol, certificate.
 *
 * Security: connects only to the target given (tests: loopback); sends
 *   EHLO, STARTTLS and QUIT, nothing else
 * Standards: RFC 3207
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { type Finding, finding } from './doctor_finding.ts';
import { formatReply, type ProbeTarget, SmtpProbeClient } from './doctor_smtp_client.ts';

export type TlsFailureClass = 'not_offered' | 'handshake' | 'protocol' | 'certificate' | 'local_config';

export interface TlsProbeResult {
  readonly target: string;
  readonly offered: boolean;
  /** The failure class, or null when the handshake succeeded and the certificate verified for the name. */
  readonly failure: TlsFailureClass | null;
  readonly evidence: readonly string[];
  /** What the failure is, in words ('' when none). */
  readonly detail: string;
}

/** node/OpenSSL verification codes in words. */
const VERIFY_WORDS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends at a CA that is not trusted (a private CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete: the intermediate CA certificate is not sent',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the chain is incomplete or its CA is not trusted',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
};

/** Classes a TLS error text: protocol or cipher mismatch, certificate, or a plain handshake failure. */
export function classifyTlsText(text: string): TlsFailureClass {
  const t = text.toLowerCase();
  if (/not offered|starttls.*not (?:supported|offered)/.test(t)) return 'not_offered';
  if (
    /cannot get|cannot load|no start line|no such file|disabling tls|engine is unavailable|key values mismatch|no entropy|private key/.test(
      t,
    )
  ) {
    return 'local_config';
  }
  if (
    /unsupported protocol|wrong version number|version too low|no protocols available|protocol version|inappropriate fallback|no shared cipher|no cipher|no suitable signature|dh key too small|ee key too small|ca md too weak|handshake failure|http request/.test(
      t,
    )
  ) {
    return 'protocol';
  }
  if (/certificate|verif|unknown ca|bad certificate|self.signed|expired|issuer|name mismatch|hostname/.test(t))
    return 'certificate';
  return 'handshake';
}

function certSummary(cert: PeerCertificate): string {
  const cn = cert.subject?.CN ?? '';
  const san = cert.subjectaltname ?? '';
  return `certificate: CN=${cn}${san === '' ? '' : `, ${san}`}, valid ${cert.valid_from} to ${cert.valid_to}, issuer ${cert.issuer?.CN ?? cert.issuer?.O ?? '?'}`;
}

/** Probes `target`; `name` is the host name to check the certificate against (default the target's host). */
export async function probeStarttls(target: ProbeTarget, name?: string, timeout = 10_000): Promise<TlsProbeResult> {
  const shown = `${target.host}:${target.port}`;
  const evidence: string[] = [];
  let c: SmtpProbeClient;
  try {
    c = await SmtpProbeClient.open(target, timeout);
  } catch (err) {
    return {
      target: shown,
      offered: false,
      failure: 'handshake',
      evidence: [(err as Error).message],
      detail: (err as Error).message,
    };
  }
  try {
    const greeting = await c.reply();
    evidence.push(`greeting: ${formatReply(greeting)}`);
    const ehlo = await c.command('EHLO tls-probe.example.net');
    const offered = ehlo.code === 250 && ehlo.lines.some((l) => /^STARTTLS\b/i.test(l));
    evidence.push(`EHLO: ${offered ? 'STARTTLS offered' : `no STARTTLS (${ehlo.lines.slice(1).join(', ')})`}`);
    if (!offered)
      return { target: shown, offered, failure: 'not_offered', evidence, detail: 'the server does not offer STARTTLS' };
    const r = await c.starttls(name ?? target.host);
    evidence.push(`STARTTLS: ${formatReply(r.reply)}`);
    if (r.reply.code !== 220) {
      const detail = `STARTTLS refused: ${formatReply(r.reply)}`;
      return {
        target: shown,
        offered,
        failure: /local problem|not available/i.test(r.reply.text) ? 'local_config' : 'handshake',
        evidence,
        detail,
      };
    }
    if (r.tls === null) {
      const detail = r.error ?? 'handshake failed';
      evidence.push(`handshake: ${detail}`);
      return { target: shown, offered, failure: classifyTlsText(detail), evidence, detail };
    }
    evidence.push(`handshake: ${r.tls.protocol ?? '?'} with cipher ${r.tls.cipher}`);
    const cert = r.tls.peerCertificate;
    if (cert !== null) evidence.push(certSummary(cert));
    if (r.tls.protocol === 'TLSv1' || r.tls.protocol === 'TLSv1.1') {
      return {
        target: shown,
        offered,
        failure: 'protocol',
        evidence,
        detail: `the server negotiates only ${r.tls.protocol}, which is obsolete`,
      };
    }
    if (r.tls.authorizationError !== null) {
      const words = VERIFY_WORDS[r.tls.authorizationError] ?? r.tls.authorizationError;
      return {
        target: shown,
        offered,
        failure: 'certificate',
        evidence: [...evidence, `verification: ${r.tls.authorizationError}`],
        detail: words,
      };
    }
    if (cert !== null && name !== undefined && !/^[0-9.:]+$/.test(name)) {
      const mismatch = checkServerIdentity(name, cert);
      if (mismatch !== undefined) {
        return {
          target: shown,
          offered,
          failure: 'certificate',
          evidence,
          detail: `the certificate does not cover ${name}: ${mismatch.message}`,
        };
      }
    }
    return { target: shown, offered, failure: null, evidence, detail: '' };
  } catch (err) {
    return {
      target: shown,
      offered: false,
      failure: 'handshake',
      evidence: [...evidence, (err as Error).message],
      detail: (err as Error).message,
    };
  } finally {
    await c.close();
  }
}

const CLASS_WORDS: Readonly<Record<TlsFailureClass, { cause: string; fix: string }>> = {
  not_offered: {
    cause:
      'the server does not offer STARTTLS: mail to or from it travels unencrypted, and a policy that requires TLS (encrypt, verify, secure) cannot deliver',
    fix: 'on that server: smtpd_tls_security_level = may with a certificate; on this one, for that destination only if it must: smtp_tls_policy_maps entry `DOMAIN may`',
  },
  handshake: {
    cause: 'the TLS handshake was cut off (the peer closed the connection or timed out)',
    fix: 'retry by hand: `openssl s_client -starttls smtp -connect HOST:25 -servername HOST`; a middlebox or an overloaded server is a common cause',
  },
  protocol: {
    cause:
      'the two sides share no TLS protocol version or cipher (an old server with TLS 1.0/1.1 or weak ciphers, or a too strict local policy)',
    fix: 'for that destination only: smtp_tls_policy_maps entry `DOMAIN may protocols=>=TLSv1 ciphers=medium`, and tell its admin to upgrade',
  },
  certificate: {
    cause:
      "the peer's certificate does not verify: self-signed, expired, issued for another name, or sent without its intermediate",
    fix: 'the peer must fix its certificate; if mail to it must flow meanwhile and policy requires verification, use `DOMAIN encrypt` (or `may`) for it in smtp_tls_policy_maps',
  },
  local_config: {
    cause: "this host's TLS setup is broken: a certificate or key it cannot load, or no tlsmgr service",
    fix: 'see the certificate findings above; master.cf must have `tlsmgr unix - - y 1000? 1 tlsmgr`',
  },
};

/** Words for a failure class (shared with the log findings). */
export function tlsClassWords(cls: TlsFailureClass): { cause: string; fix: string } {
  return CLASS_WORDS[cls];
}

/** Findings for an explicit `--probe HOST:PORT`. */
export async function tlsProbeFindings(target: ProbeTarget, name?: string): Promise<Finding[]> {
  const r = await probeStarttls(target, name);
  if (r.failure === null) {
    return [
      finding({
        severity: 'ok',
        check: 'tls',
        id: 'tls.probe_ok',
        title: `${r.target}: STARTTLS works and the certificate verifies`,
        evidence: r.evidence,
        cause: 'the handshake succeeded with a current protocol and a certificate trusted for the name',
        fix: '',
      }),
    ];
  }
  const words = CLASS_WORDS[r.failure];
  return [
    finding({
      severity: r.failure === 'certificate' ? 'warning' : 'error',
      check: 'tls',
      id: `tls.probe_${r.failure}`,
      title: `${r.target}: STARTTLS ${r.failure === 'not_offered' ? 'is not offered' : `failed (${r.failure.replace('_', ' ')})`}: ${r.detail}`,
      evidence: r.evidence,
      cause: words.cause,
      fix: words.fix,
    }),
  ];
}
