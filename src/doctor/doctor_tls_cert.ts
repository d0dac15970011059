/**
 * doctor_tls_cert: the server certificate smtpd presents, checked as a
 * sending server or mail client would: the files exist, are readable and
 * PEM; the key matches the certificate and is not readable by others; the
 * certificate is valid now and for the next 30 days; its names cover
 * myhostname (and the MX names pointing here); the chain in the file
 * leads to a CA the world trusts (or the intermediate is missing); it is
 * not self-signed on a public MX; its key is not weak.
 *
 * Parameters: smtpd_tls_cert_file, smtpd_tls_key_file, smtpd_tls_eccert_file,
 *   smtpd_tls_eckey_file, smtpd_tls_chain_files, myhostname
 * Security: reads the certificate and key files (the key stays in memory
 *   only to compare it with the certificate)
 * See: postfix/src/tls/tls_certkey.c, postfix/html/TLS_README.html
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { type Finding, plural } from './doctor_finding.ts';
import {
  type CertContext,
  type CertPair,
  certNames,
  chainFindings,
  oneLineName,
  tlsFinding,
} from './doctor_tls_chain.ts';

const DAY = 86_400_000;
/** Warn this long before the certificate expires. */
export const EXPIRY_WARNING_DAYS = 30;

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PEM_KEY = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

function readError(path: string, param: string, err: NodeJS.ErrnoException): Finding {
  const notRoot = err.code === 'EACCES' && process.getuid?.() !== 0;
  return tlsFinding(
    notRoot ? 'warning' : 'error',
    'tls.file_unreadable',
    `${param}: cannot read ${path}`,
    [
      `${path}: ${err.code === 'ENOENT' ? 'No such file or directory' : err.code === 'EACCES' ? 'Permission denied' : err.message}`,
    ],
    notRoot
      ? 'the doctor runs without root and cannot read the file; Postfix reads it as root when it starts'
      : 'smtpd cannot load its certificate, logs "warning: cannot get ... certificate from file" and disables TLS: STARTTLS is not offered or fails',
    notRoot
      ? 'run the doctor as root to check the certificate'
      : `point ${param} at an existing PEM file (e.g. /etc/letsencrypt/live/<name>/fullchain.pem), then \`postfix reload\``,
    notRoot ? 0 : 1,
  );
}

function spkiHash(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Every certificate finding for one cert/key pair. */
export async function certPairFindings(pair: CertPair, ctx: CertContext): Promise<Finding[]> {
  let certText: string;
  let certMtime: number;
  try {
    certText = await readFile(pair.certFile, 'latin1');
    certMtime = (await stat(pair.certFile)).mtimeMs;
  } catch (err) {
    return [readError(pair.certFile, pair.param, err as NodeJS.ErrnoException)];
  }
  const pems = certText.match(PEM_CERT) ?? [];
  if (pems.length === 0) {
    let der = false;
    try {
      new X509Certificate(Buffer.from(certText, 'latin1'));
      der = true;
    } catch {
      // neither PEM nor DER
    }
    return [
      tlsFinding(
        'error',
        'tls.not_pem',
        `${pair.param}: ${pair.certFile} holds no PEM certificate`,
        [`${pair.certFile}: ${der ? 'a DER (binary) certificate' : 'no "-----BEGIN CERTIFICATE-----" block'}`],
        'Postfix reads certificates in PEM format only; smtpd disables TLS',
        der
          ? `convert it: \`openssl x509 -inform der -in ${pair.certFile} -out ${pair.certFile}.pem\` and point ${pair.param} at the .pem, then \`postfix reload\``
          : `point ${pair.param} at the PEM certificate file, then \`postfix reload\``,
        1,
      ),
    ];
  }
  let certs: X509Certificate[];
  try {
    certs = pems.map((p) => new X509Certificate(p));
  } catch (err) {
    return [
      tlsFinding(
        'error',
        'tls.bad_cert',
        `${pair.certFile}: the certificate cannot be parsed`,
        [(err as Error).message],
        'the PEM block is damaged',
        'reinstall the certificate file from the CA',
        1,
      ),
    ];
  }
  const leaf = certs[0]!;
  const out: Finding[] = [];
  const names = certNames(leaf);
  const summary = `certificate ${pair.certFile}: subject ${oneLineName(leaf.subject)}, names ${names.join(' ') || '(none)'}, valid ${leaf.validFrom} to ${leaf.validTo}`;

  // Validity
  const from = Date.parse(leaf.validFrom);
  const to = Date.parse(leaf.validTo);
  if (to < ctx.now) {
    out.push(
      tlsFinding(
        'error',
        'tls.cert_expired',
        `the certificate in ${pair.certFile} expired on ${leaf.validTo}`,
        [summary],
        'peers that check certificates refuse the TLS session; mail clients show errors; opportunistic senders still deliver, but untrusted',
        `renew it (Let's Encrypt: \`certbot renew\`), make sure ${pair.param} names the renewed file, then \`postfix reload\``,
        1,
      ),
    );
  } else if (to - ctx.now < EXPIRY_WARNING_DAYS * DAY) {
    const days = Math.floor((to - ctx.now) / DAY);
    out.push(
      tlsFinding(
        'warning',
        'tls.cert_expiring',
        `the certificate in ${pair.certFile} expires in ${plural(days, 'day')} (${leaf.validTo})`,
        [summary],
        `it stops being valid within ${EXPIRY_WARNING_DAYS} days; automatic renewal may not be working`,
        `renew it now (\`certbot renew\`, check the renewal timer: \`systemctl list-timers | grep certbot\`) and \`postfix reload\` after renewal (a certbot deploy hook: \`postfix reload\`)`,
      ),
    );
  }
  if (from > ctx.now) {
    out.push(
      tlsFinding(
        'error',
        'tls.cert_not_yet_valid',
        `the certificate in ${pair.certFile} is valid only from ${leaf.validFrom}`,
        [summary],
        "the certificate's start date is in the future (or this host's clock is wrong)",
        'check the clock (`timedatectl`), or install the current certificate',
        1,
      ),
    );
  }

  // Names
  const wanted = [ctx.myhostname, ...ctx.mxNames].filter((n, i, a) => n !== '' && a.indexOf(n) === i);
  const uncovered = wanted.filter((n) => leaf.checkHost(n) === undefined);
  if (uncovered.length > 0) {
    out.push(
      tlsFinding(
        'warning',
        'tls.cert_name_mismatch',
        `the certificate in ${pair.certFile} does not cover ${uncovered.join(', ')}`,
        [summary, `myhostname = ${ctx.myhostname}`, ...ctx.mxNames.map((n) => `MX host pointing here: ${n}`)],
        'peers that verify the name (MTA-STS, DANE, mail clients) connect to this host by its MX or host name and find a certificate for another name',
        `get a certificate whose names include ${uncovered.join(' and ')} (certbot: \`certbot certonly -d ${uncovered.join(' -d ')}\`), or set myhostname to a name it covers; then \`postfix reload\``,
        0.5,
      ),
    );
  }

  // Key
  let keyText: string;
  let keyMode = 0;
  try {
    keyText = await readFile(pair.keyFile, 'latin1');
    keyMode = (await stat(pair.keyFile)).mode;
  } catch (err) {
    out.push(readError(pair.keyFile, pair.param.replace('cert_file', 'key_file'), err as NodeJS.ErrnoException));
    return [...out, ...chainFindings(certs, pair, ctx)];
  }
  const keyPem = PEM_KEY.exec(keyText);
  if (keyPem === null || keyPem[1] === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(keyText)) {
    out.push(
      tlsFinding(
        'error',
        keyPem === null ? 'tls.no_key' : 'tls.key_encrypted',
        keyPem === null
          ? `${pair.keyFile} holds no PEM private key`
          : `the private key in ${pair.keyFile} is protected by a passphrase`,
        [`${pair.keyFile}`],
        keyPem === null
          ? 'smtpd cannot load a key for its certificate and disables TLS'
          : 'Postfix cannot ask for a passphrase, so smtpd cannot use the key and disables TLS',
        keyPem === null
          ? 'point smtpd_tls_key_file at the PEM key of the certificate'
          : `remove the passphrase: \`openssl pkey -in ${pair.keyFile} -out ${pair.keyFile}.plain\` (chmod 600), point smtpd_tls_key_file at it, \`postfix reload\``,
        1,
      ),
    );
  } else {
    let key: KeyObject | null = null;
    try {
      key = createPrivateKey(keyPem[0]);
    } catch (err) {
      out.push(
        tlsFinding(
          'error',
          'tls.bad_key',
          `${pair.keyFile}: the private key cannot be parsed`,
          [(err as Error).message],
          'the key file is damaged',
          'reinstall the key that belongs to the certificate',
          1,
        ),
      );
    }
    if (key !== null && !leaf.checkPrivateKey(key)) {
      out.push(
        tlsFinding(
          'error',
          'tls.key_mismatch',
          `the private key in ${pair.keyFile} does not belong to the certificate in ${pair.certFile}`,
          [
            `certificate public key sha256 ${spkiHash(leaf.publicKey)}...`,
            `private key's public key sha256 ${spkiHash(createPublicKey(key))}...`,
          ],
          'smtpd fails to load the pair ("key values mismatch") and disables TLS: STARTTLS fails for every client',
          `install the matching key: compare \`openssl x509 -noout -pubkey -in ${pair.certFile} | openssl sha256\` with \`openssl pkey -pubout -in ${pair.keyFile} | openssl sha256\`; then \`postfix reload\``,
          1,
        ),
      );
    }
    if ((keyMode & 0o077) !== 0) {
      out.push(
        tlsFinding(
          'warning',
          'tls.key_readable',
          `the private key ${pair.keyFile} is readable by ${(keyMode & 0o007) !== 0 ? 'every user' : 'its group'} (mode ${(keyMode & 0o777).toString(8).padStart(4, '0')})`,
          [`${pair.keyFile}: mode ${(keyMode & 0o777).toString(8).padStart(4, '0')}`],
          'anyone who reads the key can impersonate this server',
          `chmod 600 ${pair.keyFile}; chown root:root ${pair.keyFile}`,
        ),
      );
    }
  }

  // Key strength
  const details = leaf.publicKey.asymmetricKeyDetails;
  const type = leaf.publicKey.asymmetricKeyType;
  if ((type === 'rsa' || type === 'rsa-pss') && (details?.modulusLength ?? 2048) < 2048) {
    out.push(
      tlsFinding(
        'warning',
        'tls.weak_key',
        `the certificate in ${pair.certFile} has a weak ${details?.modulusLength}-bit RSA key`,
        [summary],
        'RSA keys under 2048 bits are refused by current TLS libraries at their default security level and by CAs',
        'make a new key of at least 2048 bits (`openssl req -newkey rsa:3072 ...`, or certbot --key-type ecdsa) and a certificate for it; then `postfix reload`',
        0.5,
      ),
    );
  } else if (type === 'dsa') {
    out.push(
      tlsFinding(
        'warning',
        'tls.weak_key',
        `the certificate in ${pair.certFile} has a DSA key`,
        [summary],
        'DSA is no longer used in TLS',
        'use an RSA (2048+) or ECDSA key',
        0.5,
      ),
    );
  }

  out.push(...chainFindings(certs, pair, ctx));

  // Reload reminder
  if (!Number.isNaN(ctx.lastStart) && certMtime > ctx.lastStart + 1000) {
    out.push(
      tlsFinding(
        'warning',
        'tls.reload_needed',
        `${pair.certFile} changed after the mail system last started or reloaded`,
        [
          `${pair.certFile} modified ${new Date(certMtime).toISOString()}`,
          `last start or reload ${new Date(ctx.lastStart).toISOString()}`,
        ],
        'smtpd processes read the certificate when they start: the running ones still present the old certificate',
        '`postfix reload` (and add it as a deploy hook of the renewal: certbot --deploy-hook "postfix reload")',
      ),
    );
  }
  if (out.length === 0) {
    out.push(
      tlsFinding(
        'ok',
        'tls.cert_ok',
        `the certificate in ${pair.certFile} is valid, matches its key and covers ${wanted.join(', ')}`,
        [summary],
        `valid until ${leaf.validTo}`,
        '',
      ),
    );
  }
  return out;
}
