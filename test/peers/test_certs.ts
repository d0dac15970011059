/**
 * test_certs: certificates made with openssl for one test — a test CA and,
 * for a server name, a valid certificate it signed, one for another name,
 * an expired one, and a self-signed one — in a temporary directory.
 *
 *   const certs = makeTestCerts(t, 'mx.tls.test');
 *   startScriptServer(t, { tls: certs.valid });   // smtp_tls_CAfile = certs.caFile
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from './tmpdir.ts';

export interface KeyCert {
  readonly key: string;
  readonly cert: string;
  readonly keyFile: string;
  readonly certFile: string;
}

export interface TestCerts {
  readonly dir: string;
  readonly caFile: string;
  /** CN and subjectAltName `name`, signed by the CA, valid now. */
  readonly valid: KeyCert;
  /** Signed by the CA for `other.invalid`, not `name`. */
  readonly wrongName: KeyCert;
  /** For `name`, signed by the CA, valid only in 2020. */
  readonly expired: KeyCert;
  /** For `name`, signed by itself. */
  readonly selfSigned: KeyCert;
}

function ossl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

export function makeTestCerts(t: TestContext, name: string): TestCerts {
  const dir = tempDir(t, 'affix-certs-');
  const cnf = join(dir, 'ca.cnf');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    cnf,
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'serial = $dir/serial',
      'new_certs_dir = $dir',
      'certificate = $dir/ca.pem',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[ any ]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  ossl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=affix test CA',
  ]);
  const leaf = (base: string, cn: string, dates: readonly string[] | null): KeyCert => {
    ossl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
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
    ossl(dir, [
      'ca',
      '-batch',
      '-config',
      cnf,
      '-in',
      `${base}.csr`,
      '-out',
      `${base}.pem`,
      '-notext',
      ...(dates ?? ['-days', '30']),
    ]);
    return files(dir, base);
  };
  const valid = leaf('valid', name, null);
  const wrongName = leaf('wrong', 'other.invalid', null);
  const expired = leaf('expired', name, ['-startdate', '200101000000Z', '-enddate', '200201000000Z']);
  ossl(dir, [
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
    '30',
    '-subj',
    `/CN=${name}`,
    '-addext',
    `subjectAltName=DNS:${name}`,
  ]);
  return { dir, caFile: join(dir, 'ca.pem'), valid, wrongName, expired, selfSigned: files(dir, 'self') };
}

function files(dir: string, base: string): KeyCert {
  const keyFile = join(dir, `${base}.key`);
  const certFile = join(dir, `${base}.pem`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}
