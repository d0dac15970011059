/**
 * doctor_certs: every kind of server certificate `affix doctor tls` must
 * judge, made with openssl in a temporary directory: a root CA, an
 * intermediate CA it signed, and for a host name: a good certificate
 * signed by the intermediate (alone, and with its chain), one expired in
 * 2020, one expiring in ten days, one for another name, one self-signed,
 * one with a 1024-bit key, a key that belongs to none of them, the good
 * certificate in DER form, and its key under a passphrase.
 *
 *   const c = makeDoctorCerts(t, 'mx.example.test');
 *   main.cf: smtpd_tls_cert_file = ${c.leafOnly}, smtpd_tls_key_file = ${c.leafKey}
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { caSign, openssl, request, san, selfSign, writeCaConfig } from './openssl_ca.ts';
import { missingPrograms } from './programs.ts';
import { tempDir } from './tmpdir.ts';

export interface DoctorCerts {
  readonly dir: string;
  readonly rootCert: string;
  /** Leaf certificate only (the intermediate is missing). */
  readonly leafOnly: string;
  /** Leaf, intermediate and root in one file. */
  readonly fullChain: string;
  readonly leafKey: string;
  readonly expired: string;
  readonly expiredKey: string;
  readonly expiring: string;
  readonly expiringKey: string;
  readonly wrongName: string;
  readonly wrongNameKey: string;
  readonly selfSigned: string;
  readonly selfSignedKey: string;
  readonly weak: string;
  readonly weakKey: string;
  /** A key matching no certificate. */
  readonly otherKey: string;
  readonly der: string;
  readonly encryptedKey: string;
}

/** Makes the certificates; a skip reason when openssl is missing. */
export function makeDoctorCerts(t: TestContext, name: string): DoctorCerts | string {
  const missing = missingPrograms(['openssl']);
  if (missing !== undefined) return missing;
  const dir = tempDir(t, 'affix-doctor-certs-');
  const f = (n: string) => join(dir, n);
  const cnf = writeCaConfig(dir, {
    sections: [
      '[ v3_ca ]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '[ v3_leaf ]',
      'basicConstraints = CA:false',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
    ],
  });
  // Root and intermediate.
  selfSign(dir, {
    key: 'root.key',
    cert: 'root.pem',
    subject: '/CN=Doctor Test Root CA',
    days: 3650,
    addext: ['basicConstraints=critical,CA:true', 'keyUsage=critical,keyCertSign,cRLSign'],
  });
  request(dir, { key: 'inter.key', csr: 'inter.csr', subject: '/CN=Doctor Test Intermediate CA' });
  /** `openssl ca` arguments for signing with CA `issuer` (issuer.pem, issuer.key). */
  const by = (issuer: string) => ['-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, '-notext'];
  caSign(dir, cnf, 'inter.csr', 'inter.pem', [...by('root'), '-days', '1825', '-extensions', 'v3_ca']);
  const leaf = (base: string, cn: string, bits: number, dates: readonly string[]) => {
    request(dir, { key: `${base}.key`, csr: `${base}.csr`, subject: `/CN=${cn}`, bits, addext: [san(cn)] });
    caSign(dir, cnf, `${base}.csr`, `${base}.pem`, [...by('inter'), '-extensions', 'v3_leaf', ...dates]);
  };
  leaf('leaf', name, 2048, ['-days', '365']);
  leaf('expired', name, 2048, ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
  leaf('expiring', name, 2048, ['-days', '10']);
  leaf('wrong', 'other.invalid', 2048, ['-days', '365']);
  leaf('weak', name, 1024, ['-days', '365']);
  selfSign(dir, { key: 'self.key', cert: 'self.pem', subject: `/CN=${name}`, days: 365, addext: [san(name)] });
  openssl(dir, ['genrsa', '-out', 'other.key', '2048']);
  openssl(dir, ['x509', '-in', 'leaf.pem', '-outform', 'der', '-out', 'leaf.der']);
  openssl(dir, ['pkey', '-in', 'leaf.key', '-aes256', '-passout', 'pass:secret', '-out', 'leaf-encrypted.key']);
  const chain = ['leaf.pem', 'inter.pem', 'root.pem'].map((p) => readFileSync(f(p), 'utf8'));
  writeFileSync(f('fullchain.pem'), chain.join(''));
  return {
    dir,
    rootCert: f('root.pem'),
    leafOnly: f('leaf.pem'),
    fullChain: f('fullchain.pem'),
    leafKey: f('leaf.key'),
    expired: f('expired.pem'),
    expiredKey: f('expired.key'),
    expiring: f('expiring.pem'),
    expiringKey: f('expiring.key'),
    wrongName: f('wrong.pem'),
    wrongNameKey: f('wrong.key'),
    selfSigned: f('self.pem'),
    selfSignedKey: f('self.key'),
    weak: f('weak.pem'),
    weakKey: f('weak.key'),
    otherKey: f('other.key'),
    der: f('leaf.der'),
    encryptedKey: f('leaf-encrypted.key'),
  };
}
