/**
 * postconf_other: what postconf lists besides parameters: the lookup table
 * types (-m), mailbox lock methods (-l), SASL plug-in types for the server
 * (-a) and the client (-A), the TLS library (-T), and the bounce templates
 * (-b, -t). These are affix's own
 * capabilities, so they differ from a Postfix build's by design.
 *
 * SASL: the server types are `affix`, affix's built-in authentication
 * (checks AUTH PLAIN/LOGIN credentials against a lookup table), and
 * `dovecot`, Dovecot's auth socket as Postfix speaks to it. There is no
 * Cyrus library; the client type keeps Postfix's default name `cyrus`, so
 * `smtp_sasl_type = cyrus` configurations keep working: affix's client does
 * PLAIN and LOGIN itself with smtp_sasl_password_maps.
 *
 * See: postfix/src/postconf/postconf_other.c, postfix/src/util/dict_open.c
 *   (dict_mapnames), postfix/src/global/mbox_conf.c, postfix/src/xsasl/xsasl_server.c,
 *   postfix/src/postconf/postconf.c (-b, -t), postfix/src/bounce/bounce.c
 */
import { loadTemplates } from '../bounce/bounce.ts';
import { templateEnv } from '../bounce/bounce_templates.ts';
import { readConfig } from '../config/config.ts';
import { type CliIo, cliMessages } from './cli_io.ts';

/**
 * The table types the maps module is to support, for as long as its
 * registry (src/maps/dict_open.ts) cannot be loaded yet.
 */
const PLANNED_MAP_TYPES: readonly string[] = [
  'btree',
  'cidr',
  'environ',
  'fail',
  'hash',
  'inline',
  'lmdb',
  'pcre',
  'pipemap',
  'proxy',
  'regexp',
  'static',
  'texthash',
  'unionmap',
  'unix',
];

/** The table types `-m` lists, sorted as Postfix's dict_mapnames(): the registry of src/maps. */
export async function mapTypes(): Promise<readonly string[]> {
  try {
    const { dictTypes } = await import('../maps/dict_open.ts');
    return dictTypes();
  } catch {
    return PLANNED_MAP_TYPES; // the maps module is still being written
  }
}

/** Mailbox locking methods, in Postfix's order (mbox_lock_names()). */
export const LOCK_TYPES: readonly string[] = ['flock', 'fcntl', 'dotlock'];

/** smtpd_sasl_type values: affix's built-in table-based server, and Dovecot's auth protocol. */
export const SASL_SERVER_TYPES: readonly string[] = ['affix', 'dovecot'];

/** smtp_sasl_type values: affix's own PLAIN/LOGIN client, under Postfix's default name. */
export const SASL_CLIENT_TYPES: readonly string[] = ['cyrus'];

/** The list as postconf prints it, one name per line. */
export const nameLines = (names: readonly string[]): string => names.map((n) => `${n}\n`).join('');

/** postconf -T: what the TLS library says about itself (Node's OpenSSL), or null for an unknown mode. */
export function tlsInfo(what: string): string | null {
  const version = `OpenSSL ${process.versions.openssl}`;
  switch (what) {
    case 'compile-version':
    case 'run-version':
      return `${version}\n`;
    case 'public-key-algorithms':
      return nameLines(['dsa', 'ecdsa', 'rsa']);
    default:
      return null;
  }
}

/**
 * postconf -b / -t: what Postfix's bounce program prints for postconf
 * (`bounce -SVnexpand_templates` / `-SVndump_templates`): the templates of
 * `file` (the operand) or bounce_template_file over the built-in ones,
 * expanded with main.cf's values (-b) or as bounce_template_file syntax
 * (-t). Its messages are the bounce program's, `postfix/bounce: warning:`
 * and `postfix/bounce: fatal:` (then status 1) on standard error.
 */
export async function bounceTemplatesText(
  expand: boolean,
  configDir: string,
  file: string | undefined,
  io: CliIo,
): Promise<string> {
  const config = await readConfig(configDir, { requireMasterCf: false, env: io.env, cwd: io.cwd });
  const msg = cliMessages(io, `${config.value('syslog_name')}/bounce`);
  const warn = (text: string) => msg.warn(text);
  const fatal = (text: string): never => msg.fatal(text);
  const templates = await loadTemplates(file ?? config.params.bounce_template_file, warn, fatal);
  return expand
    ? templates.expandAll(templateEnv(config, warn, fatal))
    : templates.dumpAll(config.params.header_from_format, warn);
}
