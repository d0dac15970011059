/**
 * param_types: the value types of main.cf parameters and their converters,
 * with Postfix's words for a bad value: "bad numerical configuration",
 * "parameter x: bad time value or unit", "bad boolean configuration".
 * A ParamSpec pairs a parameter's built-in default (as `postconf -d` prints
 * it) with the converter that turns the expanded text into a typed value.
 *
 * See: postfix/src/global/mail_conf_int.c, mail_conf_long.c, mail_conf_time.c,
 * mail_conf_bool.c, conv_time.c
 */
import { CHARS_COMMA_SP, splitQuoted } from './config_split.ts';

export type ParamKind = 'str' | 'int' | 'long' | 'time' | 'bool' | 'list' | 'choice';

export type Converted<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** What the registry knows about one parameter. */
export interface ParamSpec<T> {
  readonly kind: ParamKind;
  /** The built-in default exactly as `postconf -d` prints it (unexpanded). */
  readonly default: string;
  /** For time parameters: the unit a bare number has (`s`, `m`, `h`, `d`, `w`). */
  readonly unit?: TimeUnit;
  /** Turns the expanded value into the typed one, or says what is wrong. */
  convert(value: string, name: string): Converted<T>;
}

/** The typed value a spec produces. */
export type ParamValue<S> = S extends ParamSpec<infer T> ? T : never;

const ok = <T>(value: T): Converted<T> => ({ ok: true, value });
const bad = (error: string): Converted<never> => ({ ok: false, error });

/** strtol() as Postfix calls it: optional space and sign, decimal digits, nothing after. */
function strtol(text: string): { value: number; rest: string } | null {
  const m = /^[ \t\n\r\v\f]*([+-]?\d+)(.*)$/s.exec(text);
  if (m === null) return null;
  return { value: Number(m[1]), rest: m[2] ?? '' };
}

const INT_MAX = 2 ** 31 - 1;
const LONG_MAX = 2 ** 63 - 1;

/** A C int; `min`/`max` of 0 mean no bound, as in get_mail_conf_int(). */
export function int(def: string, min = 0, max = 0): ParamSpec<number> {
  return {
    kind: 'int',
    default: def,
    convert(value, name) {
      const n = strtol(value);
      if (value === '' || n === null || n.rest !== '' || Math.abs(n.value) > INT_MAX) {
        return bad(`bad numerical configuration: ${name} = ${value}`);
      }
      if (min !== 0 && n.value < min) return bad(`invalid ${name} parameter value ${n.value} < ${min}`);
      if (max !== 0 && n.value > max) return bad(`invalid ${name} parameter value ${n.value} > ${max}`);
      return ok(n.value);
    },
  };
}

/** A C long: sizes in bytes (message_size_limit), same words as int. */
export function long(def: string, min = 0, max = 0): ParamSpec<number> {
  const spec = int(def, min, max);
  return {
    ...spec,
    kind: 'long',
    convert(value, name) {
      const n = strtol(value);
      if (value === '' || n === null || n.rest !== '' || Math.abs(n.value) > LONG_MAX) {
        return bad(`bad numerical configuration: ${name} = ${value}`);
      }
      if (min !== 0 && n.value < min) return bad(`invalid ${name} parameter value ${n.value} < ${min}`);
      if (max !== 0 && n.value > max) return bad(`invalid ${name} parameter value ${n.value} > ${max}`);
      return ok(n.value);
    },
  };
}

export type TimeUnit = 's' | 'm' | 'h' | 'd' | 'w';
const SECONDS: Readonly<Record<TimeUnit, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * Converts a time value to seconds as conv_time() does: a number and an
 * optional unit letter; a bare number takes the parameter's default unit.
 */
export function convertTime(value: string, unit: TimeUnit): number | null {
  const n = strtol(value);
  if (value === '' || n === null || n.value < 0 || n.value > INT_MAX) return null;
  // conv_time() looks at the first character after the number only.
  const letter = (n.rest[0] ?? unit) as string;
  const factor = SECONDS[letter as TimeUnit];
  if (factor === undefined) return null;
  const seconds = n.value * factor;
  return seconds > INT_MAX ? null : seconds;
}

/** A time in seconds; `unit` is what a bare number means (the unit of Postfix's default). */
export function time(def: string, unit: TimeUnit, min = 0, max = 0): ParamSpec<number> {
  return {
    kind: 'time',
    default: def,
    unit,
    convert(value, name) {
      const seconds = convertTime(value, unit);
      if (seconds === null) return bad(`parameter ${name}: bad time value or unit: ${value}`);
      if (min !== 0 && seconds < min) return bad(`invalid ${name}: ${seconds} (min ${min})`);
      if (max !== 0 && seconds > max) return bad(`invalid ${name}: ${seconds} (max ${max})`);
      return ok(seconds);
    },
  };
}

/** yes or no, in any case. */
export function bool(def: 'yes' | 'no' | string): ParamSpec<boolean> {
  return {
    kind: 'bool',
    default: def,
    convert(value, name) {
      const lower = value.toLowerCase();
      if (lower === 'yes') return ok(true);
      if (lower === 'no') return ok(false);
      return bad(`bad boolean configuration: ${name} = ${value}`);
    },
  };
}

/** Free text (banners, paths, addresses); optional length bounds as get_mail_conf_str(). */
export function str(def: string, minLength = 0, maxLength = 0): ParamSpec<string> {
  return {
    kind: 'str',
    default: def,
    convert(value, name) {
      if (minLength !== 0 && value.length < minLength) {
        return bad(`bad string length ${value.length} < ${minLength}: ${name} = ${value}`);
      }
      if (maxLength !== 0 && value.length > maxLength) {
        return bad(`bad string length ${value.length} > ${maxLength}: ${name} = ${value}`);
      }
      return ok(value);
    },
  };
}

/**
 * A list separated by commas and/or whitespace, `{...}` groups kept whole:
 * domain lists, restriction lists, lists of lookup tables (`type:name`).
 */
export function list(def: string): ParamSpec<readonly string[]> {
  return {
    kind: 'list',
    default: def,
    convert: (value) => ok(splitQuoted(value, CHARS_COMMA_SP)),
  };
}

/** One word out of a fixed set, compared without case. */
export function choice<const C extends string>(def: string, values: readonly C[]): ParamSpec<C> {
  return {
    kind: 'choice',
    default: def,
    convert(value, name) {
      const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
      return found === undefined ? bad(`invalid ${name}: "${value}"`) : ok(found);
    },
  };
}
