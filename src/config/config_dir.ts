/**
 * config_dir: chooses the configuration directory as Postfix's commands do:
 * `-c DIR` first, then the MAIL_CONFIG environment variable, else the
 * built-in /etc/postfix. A directory named either way is also recorded as an
 * explicit `config_directory` setting, so `postconf -n` lists it as Postfix does.
 *
 * See: postfix/src/global/mail_conf.c (mail_conf_read, mail_conf_suck)
 */
import { resolve } from 'node:path';

export const DEFAULT_CONFIG_DIRECTORY = '/etc/postfix';

export interface ConfigDirChoice {
  /** Absolute path of the directory that holds main.cf and master.cf. */
  readonly path: string;
  /** How it was chosen: a directory named by -c or MAIL_CONFIG is an explicit setting. */
  readonly explicit: boolean;
  /** The name as given (`conf`), which becomes the config_directory value as in Postfix. */
  readonly given: string;
}

export function chooseConfigDirectory(
  optionC: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): ConfigDirChoice {
  const named = optionC ?? env['MAIL_CONFIG'];
  if (named !== undefined && named !== '') return { path: resolve(cwd, named), explicit: true, given: named };
  return { path: DEFAULT_CONFIG_DIRECTORY, explicit: false, given: DEFAULT_CONFIG_DIRECTORY };
}

/** The directory's path alone, for callers that need nothing else. */
export function configDirectory(
  optionC: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return chooseConfigDirectory(optionC, env).path;
}
