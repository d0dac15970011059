/**
 * tls_certs: test certificates made with openssl in a temporary directory:
 * a self-signed RSA certificate and key, an ECDSA pair, a key that matches
 * nothing, and an expired certificate (signed with `openssl ca` and fixed
 * dates, since OpenSSL 3.0's `req` cannot back-date).
 */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { caSign, openssl, request, selfSign, writeCaConfig } from './openssl_ca.ts';
import { missingPrograms } from './programs.ts';
import { tempDir } from './tmpdir.ts';

export interface TestCerts {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly ecCert: string;
  readonly ecKey: string;
  readonly otherKey: string;
  readonly expiredCert: string;
  readonly expiredKey: string;
}

/** Makes the certificates, or returns a skip reason when openssl is missing. */
export function makeTestCerts(t: TestContext, cn = 'mx.example.test'): TestCerts | string {
  const missing = missingPrograms(['openssl']);
  if (missing !== undefined) return missing;
  const dir = tempDir(t, 'affix-certs-');
  selfSign(dir, { key: 'key.pem', cert: 'cert.pem', subject: `/CN=${cn}`, days: 2 });
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'eckey.pem']);
  openssl(dir, ['req', '-x509', '-new', '-key', 'eckey.pem', '-out', 'eccert.pem', '-days', '2', '-subj', `/CN=${cn}`]);
  openssl(dir, ['genrsa', '-out', 'other.pem', '2048']);
  const cnf = writeCaConfig(dir);
  request(dir, { key: 'oldkey.pem', csr: 'old.csr', subject: `/CN=${cn}` });
  caSign(dir, cnf, 'old.csr', 'oldcert.pem', [
    '-selfsign',
    '-keyfile',
    'oldkey.pem',
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);
  return {
    dir,
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    ecCert: join(dir, 'eccert.pem'),
    ecKey: join(dir, 'eckey.pem'),
    otherKey: join(dir, 'other.pem'),
    expiredCert: join(dir, 'oldcert.pem'),
    expiredKey: join(dir, 'oldkey.pem'),
  };
}
