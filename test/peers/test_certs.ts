/**
 * test_certs: certificates made with openssl for one test — a test CA and,
 * for a server name, a valid certificate it signed, one for another name,
 * an expired one, and a self-signed one — in a temporary directory.
 *
 *   const certs = makeTestCerts(t, 'mx.tls.test');
 *   startScriptServer(t, { tls: certs.valid });   // smtp_tls_CAfile = certs.caFile
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { caSign, request, san, selfSign, writeCaConfig } from './openssl_ca.ts';
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

export function makeTestCerts(t: TestContext, name: string): TestCerts {
  const dir = tempDir(t, 'affix-certs-');
  const cnf = writeCaConfig(dir, { caLines: ['certificate = $dir/ca.pem', 'private_key = $dir/ca.key'] });
  selfSign(dir, { key: 'ca.key', cert: 'ca.pem', subject: '/CN=affix test CA', days: 30 });
  const leaf = (base: string, cn: string, dates: readonly string[] | null): KeyCert => {
    request(dir, { key: `${base}.key`, csr: `${base}.csr`, subject: `/CN=${cn}`, addext: [san(cn)] });
    caSign(dir, cnf, `${base}.csr`, `${base}.pem`, ['-notext', ...(dates ?? ['-days', '30'])]);
    return files(dir, base);
  };
  const valid = leaf('valid', name, null);
  const wrongName = leaf('wrong', 'other.invalid', null);
  const expired = leaf('expired', name, ['-startdate', '200101000000Z', '-enddate', '200201000000Z']);
  selfSign(dir, { key: 'self.key', cert: 'self.pem', subject: `/CN=${name}`, days: 30, addext: [san(name)] });
  return { dir, caFile: join(dir, 'ca.pem'), valid, wrongName, expired, selfSigned: files(dir, 'self') };
}

function files(dir: string, base: string): KeyCert {
  const keyFile = join(dir, `${base}.key`);
  const certFile = join(dir, `${base}.pem`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile };
}
