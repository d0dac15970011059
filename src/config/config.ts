/**
 * config: one configuration as a service sees it — main.cf, plus the `-o`
 * overrides of its master.cf entry, over the built-in defaults. Values are
 * stored raw and expanded lazily on use, so `-o mydomain=x` changes every
 * parameter that refers to `$mydomain`, for that service only. `params`
 * gives the typed values of the registry, converted on first use.
 *
 * Diagnostics: ConfigError with `FILE, line N: what is wrong`
 * See: postfix/src/global/mail_conf.c, postfix/src/global/mail_params.c
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseConfigDirectory } from './config_dir.ts';
import { ConfigError } from './config_error.ts';
import { type ExpandResult, macExpand } from './mac_expand.ts';
import { type MainCf, parseMainCf } from './main_cf.ts';
import { type MasterCf, type MasterService, parseMasterCf } from './master_cf.ts';
import type { ParamSpec } from './param_types.ts';
import { isParamName, PARAMS, type ParamName, type Params } from './params.ts';
import { POSTFIX_DEFAULTS } from './postfix_defaults.ts';
import { serviceParameters } from './service_params.ts';
import {
  currentSystem,
  defaultMydomain,
  defaultMyhostname,
  defaultMynetworks,
  type MynetworksStyle,
  type SystemFacts,
  selectInterfaces,
} from './system_defaults.ts';

/** A value set explicitly, with where it was written (null: on the command line). */
export interface Setting {
  readonly name: string;
  readonly value: string;
  readonly path: string | null;
  readonly line: number;
}

interface ConfigInit {
  readonly configDir: string;
  readonly mainCf: MainCf;
  readonly masterCf: MasterCf | null;
  readonly system: SystemFacts;
  /** main.cf entries, then overrides on top, by name. */
  readonly settings: ReadonlyMap<string, Setting>;
}

export class Config {
  readonly configDir: string;
  readonly mainCf: MainCf;
  readonly masterCf: MasterCf | null;
  readonly system: SystemFacts;
  readonly #settings: ReadonlyMap<string, Setting>;
  readonly #serviceParams: ReadonlyMap<string, string>;
  readonly #expanded = new Map<string, string>();
  #params: Params | undefined;

  constructor(init: ConfigInit) {
    this.configDir = init.configDir;
    this.mainCf = init.mainCf;
    this.masterCf = init.masterCf;
    this.system = init.system;
    this.#settings = init.settings;
    this.#serviceParams = serviceParameters(init.masterCf);
  }

  /** The explicit setting of `name` (main.cf, -c, or an override), if any. */
  setting(name: string): Setting | undefined {
    return this.#settings.get(name);
  }

  /** Every explicit setting, in main.cf order then overrides. */
  settings(): Setting[] {
    return [...this.#settings.values()];
  }

  /** True for a parameter Postfix or affix defines (built in or per master.cf service). */
  isKnown(name: string): boolean {
    return isParamName(name) || Object.hasOwn(POSTFIX_DEFAULTS, name) || this.#serviceParams.has(name);
  }

  /** Names of all known parameters, sorted as postconf sorts them. */
  knownNames(): string[] {
    const names = new Set([...Object.keys(PARAMS), ...Object.keys(POSTFIX_DEFAULTS), ...this.#serviceParams.keys()]);
    return [...names].sort();
  }

  /** The built-in default, raw (`$name` unexpanded); computed ones are evaluated. */
  defaultValue(name: string): string | undefined {
    switch (name) {
      case 'myhostname': {
        const mydomain = this.#settings.get('mydomain');
        return defaultMyhostname(this.system, mydomain === undefined ? undefined : this.value('mydomain'));
      }
      case 'mydomain':
        return defaultMydomain(this.value('myhostname'));
      case 'mynetworks': {
        const style = this.value('mynetworks_style').toLowerCase() as MynetworksStyle;
        const interfaces = selectInterfaces(this.system, this.#list('inet_interfaces'), this.#list('inet_protocols'));
        return defaultMynetworks(interfaces, style);
      }
      case 'process_id':
        return String(this.system.pid);
      case 'process_name':
        return this.system.processName;
    }
    if (isParamName(name)) return (PARAMS[name] as ParamSpec<unknown>).default;
    return POSTFIX_DEFAULTS[name] ?? this.#serviceParams.get(name);
  }

  /** The raw value: explicit setting, else built-in default; undefined for an unknown name. */
  raw(name: string): string | undefined {
    return this.#settings.get(name)?.value ?? this.defaultValue(name);
  }

  /** Expands arbitrary text against this configuration. */
  expand(text: string): ExpandResult {
    return macExpand(text, (name) => this.raw(name));
  }

  /** The fully expanded value of `name` ('' when unknown). Throws ConfigError on bad `$` syntax. */
  value(name: string): string {
    const cached = this.#expanded.get(name);
    if (cached !== undefined) return cached;
    const raw = this.raw(name) ?? '';
    const r = this.expand(raw);
    if (r.errors.length > 0) throw new ConfigError(`${this.origin(name)}parameter ${name}: ${r.errors[0]}`);
    this.#expanded.set(name, r.value);
    return r.value;
  }

  /** `FILE, line N: ` for an explicit setting, '' for a default. */
  origin(name: string): string {
    const s = this.#settings.get(name);
    if (s === undefined || s.path === null) return '';
    return `${s.path}, line ${s.line}: `;
  }

  /** Typed values of the honoured parameters, each converted on first use. */
  get params(): Params {
    this.#params ??= typedParams(this);
    return this.#params;
  }

  /** Converts every honoured parameter; the errors a daemon would die of. */
  validate(): ConfigError[] {
    const errors: ConfigError[] = [];
    for (const name of Object.keys(PARAMS) as ParamName[]) {
      try {
        void this.params[name];
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        errors.push(err);
      }
    }
    return errors;
  }

  /** This configuration with `overrides` on top (postconf -o, master.cf -o). */
  withOverrides(overrides: readonly Setting[]): Config {
    const settings = new Map(this.#settings);
    for (const o of overrides) settings.set(o.name, o);
    return new Config({ ...this.#init(), settings });
  }

  /** The configuration a master.cf service runs with: its -o overrides and its service name. */
  forService(service: MasterService): Config {
    const path = this.masterCf?.path ?? join(this.configDir, 'master.cf');
    const overrides: Setting[] = [
      { name: 'service_name', value: service.name, path: null, line: 0 },
      { name: 'process_name', value: service.command, path: null, line: 0 },
      ...service.overrides.map((o) => ({ name: o.name, value: o.value, path, line: o.line })),
    ];
    return this.withOverrides(overrides);
  }

  /** The same files with nothing set explicitly: what `postconf -d` shows. */
  defaultsOnly(): Config {
    return new Config({ ...this.#init(), settings: new Map() });
  }

  #init(): ConfigInit {
    return {
      configDir: this.configDir,
      mainCf: this.mainCf,
      masterCf: this.masterCf,
      system: this.system,
      settings: this.#settings,
    };
  }

  #list(name: ParamName): readonly string[] {
    const v = this.params[name];
    return Array.isArray(v) ? (v as readonly string[]) : [];
  }
}

/**
 * The typed parameters, each converted at its first read (so a bad value
 * is an error only for the program that reads it) and from then on a
 * read-only data property: services read some parameters at every command,
 * a few hundred reads a message, and a getter with a cache behind it cost
 * a call and two map lookups each time. Nothing can be added or assigned.
 */
function typedParams(config: Config): Params {
  const params = {};
  for (const name of Object.keys(PARAMS) as ParamName[]) {
    Object.defineProperty(params, name, {
      enumerable: true,
      configurable: true,
      get() {
        const spec = PARAMS[name] as ParamSpec<unknown>;
        const converted = spec.convert(config.value(name), name);
        if (!converted.ok) throw new ConfigError(`${config.origin(name)}${converted.error}`);
        Object.defineProperty(params, name, {
          value: converted.value,
          enumerable: true,
          writable: false,
          configurable: false,
        });
        return converted.value;
      },
    });
  }
  return Object.preventExtensions(params) as Params;
}

export interface ReadConfigOptions {
  /** `-c DIR` from the command line. */
  readonly optionC?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** process_name: the program reading the configuration (postconf, smtpd ...). */
  readonly processName?: string;
  readonly system?: SystemFacts;
  /** When false, a missing master.cf is a warning (as for postconf), not an error. */
  readonly requireMasterCf?: boolean;
}

export interface ReadConfigResult {
  readonly config: Config;
  /** Warning texts (without `warning: `): duplicate entries, unreadable master.cf ... */
  readonly warnings: readonly string[];
}

async function readText(path: string): Promise<string | NodeJS.ErrnoException> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

/** `open FILE: No such file or directory`, Postfix's words for a failed open. */
export function openError(path: string, err: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
  };
  return `open ${path}: ${reasons[err.code ?? ''] ?? err.message}`;
}

/** Reads main.cf and master.cf from the directory chosen by -c, MAIL_CONFIG or the default. */
export async function readConfigFull(options: ReadConfigOptions = {}): Promise<ReadConfigResult> {
  const env = options.env ?? process.env;
  const dir = chooseConfigDirectory(options.optionC, env, options.cwd);
  const mainPath = join(dir.path, 'main.cf');
  const mainText = await readText(mainPath);
  if (typeof mainText !== 'string') throw new ConfigError(openError(mainPath, mainText));
  const mainCf = parseMainCf(mainText, mainPath);
  const warnings = [...mainCf.warnings];

  const masterPath = join(dir.path, 'master.cf');
  const masterText = await readText(masterPath);
  let masterCf: MasterCf | null = null;
  if (typeof masterText === 'string') {
    masterCf = parseMasterCf(masterText, masterPath);
    warnings.push(...masterCf.warnings);
  } else if (options.requireMasterCf) {
    throw new ConfigError(openError(masterPath, masterText));
  } else {
    warnings.push(openError(masterPath, masterText));
  }

  const settings = new Map<string, Setting>();
  for (const e of mainCf.entries.values()) settings.set(e.name, { ...e, path: mainPath });
  if (dir.explicit)
    settings.set('config_directory', { name: 'config_directory', value: dir.given, path: null, line: 0 });
  const system = options.system ?? currentSystem(options.processName ?? 'affix');
  const config = new Config({ configDir: dir.path, mainCf, masterCf, system, settings });
  return { config, warnings };
}

/** Reads the configuration of `configDir` (see readConfigFull); warnings are dropped. */
export async function readConfig(configDir: string, options: ReadConfigOptions = {}): Promise<Config> {
  return (await readConfigFull({ ...options, optionC: configDir })).config;
}
