/**
 * openssl_ca: the openssl steps the test certificate makers share — a
 * self-signed certificate, a key with a signing request, a request signed
 * with `openssl ca`, and the `ca.cnf` (with its index and serial files) that
 * `openssl ca` needs. All files are named relative to one directory.
 *
 *   const cnf = writeCaConfig(dir, { caLines: ['certificate = $dir/ca.pem', 'private_key = $dir/ca.key'] });
 *   selfSign(dir, { key: 'ca.key', cert: 'ca.pem', subject: '/CN=test CA', days: 30 });
 *   request(dir, { key: 'leaf.key', csr: 'leaf.csr', subject: '/CN=mx.test', addext: [san('mx.test')] });
 *   caSign(dir, cnf, 'leaf.csr', 'leaf.pem', ['-days', '30']);
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs openssl in `dir`; throws with its output when it fails. */
export function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** The `-addext` value that names `host` as the certificate's one DNS subjectAltName. */
export const san = (host: string): string => `subjectAltName=DNS:${host}`;

export interface NewCert {
  /** The file the new private key goes to, in the directory. */
  readonly key: string;
  readonly subject: string;
  /** RSA key size; 2048 by default. */
  readonly bits?: number;
  /** `-addext` extensions, e.g. san(host). */
  readonly addext?: readonly string[];
}

/** `openssl req` arguments: a new unencrypted RSA key written to c.key. */
const newKey = (c: NewCert) => ['-newkey', `rsa:${c.bits ?? 2048}`, '-nodes', '-keyout', c.key];

/** `openssl req` arguments: the subject and extensions of the certificate or request. */
const subject = (c: NewCert) => ['-subj', c.subject, ...(c.addext ?? []).flatMap((e) => ['-addext', e])];

/** openssl req -x509: a new RSA key and a certificate signed with it. */
export function selfSign(dir: string, c: NewCert & { readonly cert: string; readonly days: number }): void {
  openssl(dir, ['req', '-x509', ...newKey(c), '-out', c.cert, '-days', String(c.days), ...subject(c)]);
}

/** openssl req: a new RSA key and a certificate signing request for it. */
export function request(dir: string, c: NewCert & { readonly csr: string }): void {
  openssl(dir, ['req', ...newKey(c), '-out', c.csr, ...subject(c)]);
}

/** openssl ca: signs request `csr` into certificate `out`; `args` choose issuer, dates and extensions. */
export function caSign(dir: string, cnf: string, csr: string, out: string, args: readonly string[]): void {
  openssl(dir, ['ca', '-batch', '-config', cnf, '-in', csr, '-out', out, ...args]);
}

export interface CaConfig {
  /** Extra lines of the CA section, e.g. its `certificate` and `private_key`. */
  readonly caLines?: readonly string[];
  /** Sections after the policy, e.g. `[ v3_ca ]` with its extensions. */
  readonly sections?: readonly string[];
}

/**
 * Writes `ca.cnf` for `openssl ca` (any common name, request extensions
 * copied, one database and serial in `dir`) with an empty index.txt and
 * serial 1000; returns the config's path.
 */
export function writeCaConfig(dir: string, c: CaConfig = {}): string {
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  const cnf = join(dir, 'ca.cnf');
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
      ...(c.caLines ?? []),
      'default_md = sha256',
      'policy = any',
      'copy_extensions = copy',
      'unique_subject = no',
      '[ any ]',
      'commonName = supplied',
      ...(c.sections ?? []),
      '',
    ].join('\n'),
  );
  return cnf;
}
