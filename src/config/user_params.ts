/**
 * user_params: finds the user-defined parameters of a configuration — names
 * that are not built in but are used: referenced as `$name` from main.cf or
 * from master.cf `-o` values, or named in smtpd_restriction_classes — and
 * says which settings are unused (likely misspelt) or refer to undefined
 * names. A name counts only if it also has a `name = value` somewhere.
 *
 * Parameters: smtpd_restriction_classes
 * Diagnostics: warnings (texts without `warning: `), as postconf prints them:
 *   `DIR/main.cf: unused parameter: name=value`,
 *   `DIR/master.cf: undefined parameter: name`,
 *   `DIR/main.cf: read-only parameter assignment: name=value`
 * See: postfix/src/postconf/postconf_user.c, postfix/src/postconf/postconf_unused.c
 */
import { CHARS_COMMA_SP } from './config_split.ts';
import { macExpand } from './mac_expand.ts';

export type ParamClass = 'builtin' | 'service' | 'user' | 'legacy';

/** What the parameter table knows about one name. */
export interface ParamInfo {
  readonly cls: ParamClass;
  /** Never `$name`-expanded (smtpd_expansion_filter ...): its value is not scanned. */
  readonly raw: boolean;
  /** Set by each process itself (process_name ...): an assignment is dropped. */
  readonly readonly: boolean;
}

/** The global parameter table, as this module reads and extends it. */
export interface ParamTable {
  get(name: string): ParamInfo | undefined;
  /** Adds `name` as a user-defined parameter; nothing when it is known already. */
  addUser(name: string): void;
  /** Makes a legacy name user-defined, so that listings show it. */
  relabelUser(name: string): void;
  /** Built-in default values to scan for `$name` (raw ones left out). */
  defaults(): Iterable<readonly [name: string, value: string]>;
}

/** One master.cf service's name space: its `-o` settings. */
export interface ServiceScope {
  /** `service/type`, e.g. `smtp/inet`. */
  readonly nameSpace: string;
  /** The `-o name=value` settings; read-only assignments are removed. */
  readonly params: Map<string, string>;
  /** Names valid in this service only (filled here). */
  readonly validNames: Set<string>;
}

export interface UserParamSources {
  /** The configuration directory as named, for the warning texts. */
  readonly configDir: string;
  /** main.cf settings with command-line overrides; read-only assignments are removed. */
  readonly main: Map<string, string>;
  /** The master.cf services that have `-o` settings, one per name space. */
  readonly scopes: readonly ServiceScope[];
  readonly table: ParamTable;
}

const REST_CLASSES = 'smtpd_restriction_classes';

class UserParamScan {
  readonly #src: UserParamSources;
  readonly #restClasses = new Set<string>();
  readonly warnings: string[] = [];

  constructor(src: UserParamSources) {
    this.#src = src;
  }

  #where(scope: ServiceScope | null): string {
    return `${this.#src.configDir}/${scope === null ? 'main.cf' : 'master.cf'}`;
  }

  /** pcf_flag_user_parameter(): `$name` makes name valid where it has a value. */
  flag(name: string, scope: ServiceScope | null): void {
    const { main, scopes, table } = this.#src;
    let supplied = false;
    if (scope?.params.has(name)) {
      supplied = true;
      scope.validNames.add(name);
    } else if (main.has(name)) {
      supplied = true;
      table.addUser(name);
    }
    if (scope === null) {
      for (const s of scopes) {
        if (!s.params.has(name)) continue;
        supplied = true;
        s.validNames.add(name);
      }
    }
    if (!supplied && table.get(name) === undefined) {
      this.warnings.push(`${this.#where(scope)}: undefined parameter: ${name}`);
    }
  }

  /** Reports each `$name` in `value` to flag(), without expanding anything. */
  scan(value: string, scope: ServiceScope | null): void {
    const r = macExpand(
      value,
      (name) => {
        this.flag(name, scope);
        return undefined;
      },
      { recurse: false, scan: true },
    );
    this.warnings.push(...r.errors);
  }

  /** pcf_scan_user_parameter_namespace(): restriction classes, then every value. */
  namespace(dict: Map<string, string>, scope: ServiceScope | null): void {
    const { table } = this.#src;
    const classes = dict.get(REST_CLASSES);
    if (classes !== undefined) {
      const evaluated = macExpand(classes, (name) => dict.get(name)).value;
      for (const name of evaluated.split(new RegExp(`[${CHARS_COMMA_SP}]+`)).filter((n) => n !== '')) {
        if (scope === null) this.#restClasses.add(name);
        this.flag(name, scope);
      }
    }
    for (const [name, value] of [...dict]) {
      if (scope !== null && this.#restClasses.has(name)) scope.validNames.add(name);
      const info = table.get(name);
      if (info !== undefined) {
        if (info.readonly) {
          this.warnings.push(`${this.#where(scope)}: read-only parameter assignment: ${name}=${value}`);
          dict.delete(name);
          continue;
        }
        if (info.cls === 'legacy') table.relabelUser(name);
        if (info.raw) continue;
      }
      this.scan(value, scope);
    }
  }
}

/**
 * pcf_register_user_parameters(): adds the user-defined names to the table
 * (global ones) and to the scopes (service-local ones). Returns the warnings.
 */
export function registerUserParameters(src: UserParamSources): string[] {
  const scan = new UserParamScan(src);
  for (const scope of src.scopes) scan.namespace(scope.params, scope);
  // Defaults may name obsolete parameters ($virtual_maps): those are used, not unused.
  for (const [name, value] of [...src.table.defaults()]) {
    if (!src.main.has(name)) scan.scan(value, null);
  }
  scan.namespace(src.main, null);
  return scan.warnings;
}

const byName = (a: readonly [string, string], b: readonly [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** main.cf settings that are neither known nor user-defined, sorted by name. */
export function unusedMainParameters(src: UserParamSources): string[] {
  return [...src.main]
    .sort(byName)
    .filter(([name]) => src.table.get(name) === undefined)
    .map(([name, value]) => `${src.configDir}/main.cf: unused parameter: ${name}=${value}`);
}

/** master.cf `-o` settings that are neither known nor valid in their service. */
export function unusedMasterParameters(src: UserParamSources): string[] {
  return src.scopes.flatMap((scope) =>
    [...scope.params]
      .sort(byName)
      .filter(([name]) => src.table.get(name) === undefined && !scope.validNames.has(name))
      .map(([name, value]) => `${src.configDir}/master.cf: unused parameter: ${name}=${value}`),
  );
}
