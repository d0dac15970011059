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
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
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
  const ossl = (args: readonly string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const f = (n: string) => join(dir, n);
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('serial'), '1000\n');
  writeFileSync(
    f('ca.cnf'),
    [
      '[ ca ]',
      'default_ca = d',
      '[ d ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[ any ]',
      'commonName = supplied',
      '[ v3_ca ]',
      'basicConstraints = critical, CA:true',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '[ v3_leaf ]',
      'basicConstraints = CA:false',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  // Root and intermediate.
  ossl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'root.key',
    '-out',
    'root.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=Doctor Test Root CA',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  ossl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'inter.key',
    '-out',
    'inter.csr',
    '-subj',
    '/CN=Doctor Test Intermediate CA',
  ]);
  ossl([
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'root.pem',
    '-keyfile',
    'root.key',
    '-in',
    'inter.csr',
    '-out',
    'inter.pem',
    '-notext',
    '-days',
    '1825',
    '-extensions',
    'v3_ca',
  ]);
  const leaf = (base: string, cn: string, bits: number, dates: readonly string[]) => {
    ossl([
      'req',
      '-newkey',
      `rsa:${bits}`,
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=DNS:${cn}`,
    ]);
    ossl([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'inter.pem',
      '-keyfile',
      'inter.key',
      '-in',
      `${base}.csr`,
      '-out',
      `${base}.pem`,
      '-notext',
      '-extensions',
      'v3_leaf',
      ...dates,
    ]);
  };
  leaf('leaf', name, 2048, ['-days', '365']);
  leaf('expired', name, 2048, ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']);
  leaf('expiring', name, 2048, ['-days', '10']);
  leaf('wrong', 'other.invalid', 2048, ['-days', '365']);
  leaf('weak', name, 1024, ['-days', '365']);
  ossl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-days',
    '365',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name}`,
  ]);
  ossl(['genrsa', '-out', 'other.key', '2048']);
  ossl(['x509', '-in', 'leaf.pem', '-outform', 'der', '-out', 'leaf.der']);
  ossl(['pkey', '-in', 'leaf.key', '-aes256', '-passout', 'pass:secret', '-out', 'leaf-encrypted.key']);
  const cat = (out: string, parts: readonly string[]) =>
    writeFileSync(f(out), parts.map((p) => execFileSync('cat', [f(p)], { encoding: 'utf8' })).join(''));
  cat('fullchain.pem', ['leaf.pem', 'inter.pem', 'root.pem']);
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
