/**
 * postconf_config: reads what postconf shows, in postconf's order: the
 * configuration directory (-c, else MAIL_CONFIG, else /etc/postfix), main.cf
 * with the `-o name=value` overrides on top, and master.cf; then builds the
 * parameter table and finds the user-defined names.
 *
 * Parameters: config_directory, smtpd_restriction_classes
 * Diagnostics: ConfigError with postconf's fatal text (`open DIR/main.cf: No
 *   such file or directory`, `invalid parameter override: x: missing '=' ...`);
 *   warnings are returned as texts
 * See: postfix/src/postconf/postconf_main.c, postconf_misc.c, postconf.c (main)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openError } from '../config/config.ts';
import { chooseConfigDirectory } from '../config/config_dir.ts';
import { ConfigError } from '../config/config_error.ts';
import { readLogicalLines } from '../config/config_lines.ts';
import { type MainCf, parseMainCf, splitNameValue } from '../config/main_cf.ts';
import { currentSystem, type SystemFacts } from '../config/system_defaults.ts';
import { registerUserParameters, type UserParamSources } from '../config/user_params.ts';
import type { CliIo } from './cli_io.ts';
import { type PcfMaster, readPcfMaster } from './postconf_master.ts';
import { PcfParams } from './postconf_params.ts';

export interface ConfigLocation {
  /** As named, for messages and config_directory (`conf`). */
  readonly given: string;
  /** Resolved against the working directory, for reading. */
  readonly path: string;
  readonly explicit: boolean;
}

/** pcf_set_config_dir(): -c (already in `optionC`), MAIL_CONFIG, or the built-in directory. */
export function configLocation(optionC: string | undefined, io: CliIo): ConfigLocation {
  const dir = chooseConfigDirectory(optionC, io.env, io.cwd);
  return { given: dir.given, path: dir.path, explicit: dir.explicit };
}

export const mainPath = (loc: ConfigLocation) => ({ shown: `${loc.given}/main.cf`, fs: join(loc.path, 'main.cf') });
export const masterPath = (loc: ConfigLocation) => ({
  shown: `${loc.given}/master.cf`,
  fs: join(loc.path, 'master.cf'),
});

export interface MainSettings {
  readonly mainCf: MainCf;
  /** CONFIG_DICT: config_directory when named, main.cf, then -o overrides. */
  readonly dict: Map<string, string>;
}

/** pcf_read_parameters() and pcf_set_parameters(). */
export async function readMainSettings(
  loc: ConfigLocation,
  overrides: readonly string[],
  warn: (text: string) => void,
): Promise<MainSettings> {
  const path = mainPath(loc);
  let text: string;
  try {
    text = await readFile(path.fs, 'utf8');
  } catch (err) {
    throw new ConfigError(openError(path.shown, err as NodeJS.ErrnoException));
  }
  const mainCf = parseMainCf(text, path.shown);
  const dict = new Map<string, string>();
  if (loc.explicit) {
    dict.set('config_directory', loc.given);
    // The named directory is set before main.cf is read, so main.cf's own setting overrides it.
    const first = readLogicalLines(text, path.shown).lines.find((l) => {
      const nv = splitNameValue(l.text);
      return !('error' in nv) && nv.name === 'config_directory';
    });
    if (first !== undefined) {
      warn(`${path.shown}, line ${first.line}: overriding earlier entry: config_directory=${loc.given}`);
    }
  }
  mainCf.warnings.forEach(warn);
  for (const e of mainCf.entries.values()) dict.set(e.name, e.value);
  for (const text of overrides) {
    const nv = splitNameValue(text);
    if ('error' in nv) throw new ConfigError(`invalid parameter override: ${text}: ${nv.error}`);
    dict.set(nv.name, nv.value);
  }
  return { mainCf, dict };
}

export interface PostconfConfig {
  readonly params: PcfParams;
  readonly master: PcfMaster;
  readonly sources: UserParamSources;
}

export interface LoadOptions {
  readonly loc: ConfigLocation;
  readonly overrides: readonly string[];
  /** -d: main.cf is not read; only built-in and per-service names exist. */
  readonly defaultsOnly: boolean;
  /** master.cf is the subject (-M, -F, -P): it is read first, and must exist. */
  readonly masterMode: boolean;
  readonly system?: SystemFacts;
}

/** Everything the show commands need; postconf's warnings go to `warn` as they arise. */
export async function loadPostconfConfig(opts: LoadOptions, warn: (text: string) => void): Promise<PostconfConfig> {
  const { loc } = opts;
  const master = masterPath(loc);
  let main: MainSettings = { mainCf: { path: mainPath(loc).shown, entries: new Map(), warnings: [] }, dict: new Map() };
  let pcfMaster: PcfMaster;
  if (opts.masterMode) {
    pcfMaster = await readPcfMaster(master.shown, master.fs, true, warn);
    main = await readMainSettings(loc, opts.overrides, warn);
  } else {
    if (!opts.defaultsOnly) main = await readMainSettings(loc, opts.overrides, warn);
    pcfMaster = await readPcfMaster(master.shown, master.fs, false, warn);
  }
  const params = new PcfParams({
    configDir: loc.given,
    configPath: loc.path,
    mainCf: main.mainCf,
    main: main.dict,
    entries: pcfMaster.entries,
    system: opts.system ?? currentSystem('postconf'),
  });
  const sources: UserParamSources = {
    configDir: loc.given,
    main: main.dict,
    scopes: [...params.scopes.values()],
    table: params,
  };
  if (!opts.defaultsOnly) registerUserParameters(sources).forEach(warn);
  return { params, master: pcfMaster, sources };
}
