/**
 * tls_certs: test certificates made with openssl in a temporary directory:
 * a self-signed RSA certificate and key, an ECDSA pair, a key that matches
 * nothing, and an expired certificate (signed with `openssl ca` and fixed
 * dates, since OpenSSL 3.0's `req` cannot back-date).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
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

const run = (dir: string, args: readonly string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** Makes the certificates, or returns a skip reason when openssl is missing. */
export function makeTestCerts(t: TestContext, cn = 'mx.example.test'): TestCerts | string {
  const missing = missingPrograms(['openssl']);
  if (missing !== undefined) return missing;
  const dir = tempDir(t, 'affix-certs-');
  run(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'key.pem',
    '-out',
    'cert.pem',
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
  ]);
  run(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'eckey.pem']);
  run(dir, ['req', '-x509', '-new', '-key', 'eckey.pem', '-out', 'eccert.pem', '-days', '2', '-subj', `/CN=${cn}`]);
  run(dir, ['genrsa', '-out', 'other.pem', '2048']);
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nserial = serial\nnew_certs_dir = .\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = supplied\n',
  );
  run(dir, [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'oldkey.pem',
    '-out',
    'old.csr',
    '-subj',
    `/CN=${cn}`,
  ]);
  run(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-selfsign',
    '-keyfile',
    'oldkey.pem',
    '-in',
    'old.csr',
    '-out',
    'oldcert.pem',
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
