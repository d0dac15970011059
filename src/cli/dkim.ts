/**
 * dkim: `affix dkim keygen -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS]
 * [-D DIR]` makes a DKIM key as opendkim-genkey does: SELECTOR.private (the
 * private key, PKCS#8 PEM, mode 0600) and SELECTOR.txt (the zone file stub)
 * in the current directory or DIR, and prints the TXT record to publish,
 * `SELECTOR._domainkey.DOMAIN. IN TXT "..."`, with the strings split at 255
 * bytes as a zone file needs them. An existing key file is not overwritten.
 *
 * Diagnostics: `dkim: fatal: usage: ...`; `dkim: fatal: SELECTOR.private: file exists`
 * Security: the private key is created with O_EXCL and mode 0600
 * See: opendkim-genkey(8)
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dkimRecordText, dkimZoneLine, generateDkimKey } from '../auth/auth_dkim_key.ts';
import { validHostname } from '../dns/dns_name.ts';
import { type CliIo, type CliMessages, cliMessages } from './cli_io.ts';
import { getopt, lastArg } from './getopt.ts';

const USAGE = 'affix dkim keygen -d domain -s selector [-t rsa|ed25519] [-b bits] [-D directory]';

/** The TXT record as one zone line, each string at most 255 bytes. */
export function txtRecordLine(selector: string, domain: string, record: string): string {
  const strings: string[] = [];
  for (let i = 0; i < record.length; i += 255) strings.push(`"${record.slice(i, i + 255)}"`);
  return `${selector}._domainkey.${domain}. IN TXT ${strings.join(' ')}`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const msg: CliMessages = cliMessages(io, 'dkim');
  const [sub, ...rest] = argv;
  if (sub !== 'keygen') msg.usage(USAGE);
  const parsed = getopt(rest, 'b:d:D:s:t:');
  if (!parsed.ok) {
    msg.getoptError(parsed.error);
    msg.usage(USAGE);
  }
  const opts = parsed.result;
  const domain = lastArg(opts, 'd');
  const selector = lastArg(opts, 's');
  const type = lastArg(opts, 't') ?? 'rsa';
  const bitsText = lastArg(opts, 'b') ?? '2048';
  if (domain === undefined || selector === undefined || opts.operands.length > 0) msg.usage(USAGE);
  if (!validHostname(domain)) msg.fatal(`bad domain name: ${domain}`);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(selector)) msg.fatal(`bad selector: ${selector}`);
  if (type !== 'rsa' && type !== 'ed25519') msg.fatal(`bad key type: ${type}: expected rsa or ed25519`);
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || bits < 1024 || bits > 8192)
    msg.fatal(`bad key size: ${bitsText}: expected 1024 to 8192 bits`);
  const dir = resolve(io.cwd, lastArg(opts, 'D') ?? '.');
  const { privatePem, key } = generateDkimKey(type, bits);
  const record = dkimRecordText(key);
  const privatePath = join(dir, `${selector}.private`);
  try {
    writeFileSync(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, `${selector}.txt`), dkimZoneLine(selector, domain, record), { mode: 0o600 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    msg.fatal(
      `${e.code === 'EEXIST' ? privatePath : (e.path ?? privatePath)}: ${e.code === 'EEXIST' ? 'file exists' : e.message}`,
    );
  }
  io.stdout.write(`${txtRecordLine(selector, domain, record)}\n`);
  return 0;
}
