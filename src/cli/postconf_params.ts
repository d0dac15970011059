/**
 * postconf_params: postconf's table of valid parameter names — built in,
 * per master.cf service, legacy, and user-defined — with where each value
 * comes from: a master.cf `-o` setting, main.cf (or `postconf -o`), else
 * the built-in default, which `-d` shows alone.
 *
 * Diagnostics: expansion errors are returned to the caller, which prints
 *   them and dies of "macro processing error" as postconf does
 * See: postfix/src/postconf/postconf_builtin.c, postconf_service.c,
 *   postconf_lookup.c, postconf_node.c
 */
import { Config, type Setting } from '../config/config.ts';
import { ConfigError } from '../config/config_error.ts';
import { type ExpandResult, macExpand } from '../config/mac_expand.ts';
import { type MainCf, splitNameValue } from '../config/main_cf.ts';
import { LEGACY_PARAMETERS, RAW_PARAMETERS, READONLY_PARAMETERS } from '../config/param_classes.ts';
import { serviceParameters } from '../config/service_params.ts';
import type { SystemFacts } from '../config/system_defaults.ts';
import type { ParamClass, ParamInfo, ParamTable, ServiceScope } from '../config/user_params.ts';
import { endsOptions, expectsValue, FIELD_COMMAND, type PcfMasterEntry } from './postconf_master.ts';

interface ParamNode extends ParamInfo {
  cls: ParamClass;
  readonly default: () => string;
}

/** Which values a lookup may see (PCF_SHOW_DEFS, PCF_SHOW_NONDEF). */
export interface LookupMode {
  readonly defaults: boolean;
  readonly nonDefault: boolean;
}

export interface PcfParamsInit {
  /** The configuration directory as named (`-c conf` gives `conf`). */
  readonly configDir: string;
  /** The directory to read, resolved. */
  readonly configPath: string;
  readonly mainCf: MainCf;
  /** CONFIG_DICT: main.cf settings, postconf -o overrides, and config_directory when named. */
  readonly main: Map<string, string>;
  readonly entries: readonly PcfMasterEntry[];
  readonly system: SystemFacts;
}

export class PcfParams implements ParamTable {
  readonly configDir: string;
  readonly main: Map<string, string>;
  readonly entries: readonly PcfMasterEntry[];
  /** The `-o` settings of each master.cf name space that has any. */
  readonly scopes: ReadonlyMap<string, ServiceScope>;
  readonly #nodes = new Map<string, ParamNode>();

  constructor(init: PcfParamsInit) {
    this.configDir = init.configDir;
    this.main = init.main;
    this.entries = init.entries;
    const settings = new Map<string, Setting>();
    for (const [name, value] of init.main) settings.set(name, { name, value, path: init.mainCf.path, line: 0 });
    const config = new Config({
      configDir: init.configPath,
      mainCf: init.mainCf,
      masterCf: null,
      system: init.system,
      settings,
    });
    this.#registerBuiltin(config);
    this.#registerServices();
    this.scopes = serviceScopes(init.entries);
  }

  /** pcf_register_builtin_parameters(): Postfix's names (affix's registry), legacy names. */
  #registerBuiltin(config: Config): void {
    for (const name of config.knownNames()) {
      this.#nodes.set(name, {
        cls: 'builtin',
        raw: RAW_PARAMETERS.has(name),
        readonly: READONLY_PARAMETERS.has(name),
        default: name === 'mynetworks' ? () => mynetworksDefault(config) : () => config.defaultValue(name) ?? '',
      });
    }
    for (const name of LEGACY_PARAMETERS) {
      this.#nodes.set(name, { cls: 'legacy', raw: false, readonly: false, default: () => '' });
    }
  }

  /** pcf_register_service_parameters(): `relay_destination_concurrency_limit` and kin. */
  #registerServices(): void {
    // Postfix matches the command field exactly: a path names no delivery program.
    const services = this.entries.map((e) => {
      const command = e.argv[FIELD_COMMAND]!;
      return { name: e.argv[0]!, command: command.includes('/') ? '' : command };
    });
    for (const [name, def] of serviceParameters({ services })) {
      const node = this.#nodes.get(name);
      if (node !== undefined) node.cls = 'service';
      else this.#nodes.set(name, { cls: 'service', raw: false, readonly: false, default: () => def });
    }
  }

  get(name: string): ParamInfo | undefined {
    return this.#nodes.get(name);
  }

  addUser(name: string): void {
    if (!this.#nodes.has(name)) this.#nodes.set(name, { cls: 'user', raw: false, readonly: false, default: () => '' });
  }

  relabelUser(name: string): void {
    const node = this.#nodes.get(name);
    if (node !== undefined) node.cls = 'user';
  }

  *defaults(): Iterable<readonly [string, string]> {
    for (const [name, node] of this.#nodes) {
      if (!node.raw) yield [name, node.default()];
    }
  }

  /** Names of the given classes, sorted as postconf lists them. */
  names(classes: ReadonlySet<ParamClass>): string[] {
    return [...this.#nodes]
      .filter(([, node]) => classes.has(node.cls))
      .map(([name]) => name)
      .sort();
  }

  /** The built-in default of a known name. */
  defaultOf(name: string): string | undefined {
    return this.#nodes.get(name)?.default();
  }

  /** pcf_lookup_parameter_value(): service `-o`, then main.cf, then the default. */
  lookup(mode: LookupMode, name: string, scope: PcfMasterEntry | null = null): string | undefined {
    if (!mode.defaults) {
      const local =
        scope === null ? undefined : (scope.ro.get(name) ?? this.scopes.get(scope.nameSpace)?.params.get(name));
      const value = local ?? this.main.get(name);
      if (value !== undefined || mode.nonDefault) return value;
    }
    return this.defaultOf(name);
  }

  /** pcf_expand_parameter_value(): `$name` expanded recursively, from all values (not only non-defaults). */
  expand(value: string, mode: LookupMode, scope: PcfMasterEntry | null = null): ExpandResult {
    const lookupMode = { defaults: mode.defaults, nonDefault: false };
    return macExpand(value, (name) => this.lookup(lookupMode, name, scope));
  }
}

/** name_mask(): a list of known words, or Postfix's complaint about the first unknown one. */
function checkWords(context: string, text: string, known: readonly string[]): void {
  for (const word of text.split(/[, \t\r\n]+/).filter((w) => w !== '')) {
    if (!known.includes(word)) throw new ConfigError(`unknown ${context} value "${word}" in "${text}"`);
  }
}

/** pcf_mynetworks(): the computed default, after the checks that make Postfix die first. */
function mynetworksDefault(config: Config): string {
  checkWords('mynetworks mask style', config.value('mynetworks_style'), ['host', 'subnet', 'class']);
  checkWords('inet_protocols', config.value('inet_protocols'), ['all', 'ipv4', 'ipv6']);
  return config.defaultValue('mynetworks') ?? '';
}

/** The `-o name=value` settings of each name space (entries of one service/type share them). */
function serviceScopes(entries: readonly PcfMasterEntry[]): Map<string, ServiceScope> {
  const scopes = new Map<string, ServiceScope>();
  for (const entry of entries) {
    for (const [name, value] of serviceOverrides(entry)) {
      let scope = scopes.get(entry.nameSpace);
      if (scope === undefined) {
        scope = { nameSpace: entry.nameSpace, params: new Map(), validNames: new Set() };
        scopes.set(entry.nameSpace, scope);
      }
      scope.params.set(name, value);
    }
  }
  return scopes;
}

/** The `-o name=value` daemon options of an entry, before its first non-option argument. */
export function serviceOverrides(entry: PcfMasterEntry): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const argv = entry.argv;
  for (let field = FIELD_COMMAND + 1; field < argv.length; field++) {
    const arg = argv[field]!;
    if (endsOptions(arg)) break;
    if (!expectsValue(arg) || field + 1 >= argv.length) continue;
    if (arg === '-o') {
      const nv = splitNameValue(argv[field + 1]!);
      if (!('error' in nv)) out.push([nv.name, nv.value]);
    }
    field += 1;
  }
  return out;
}
