/**
 * postconf_main: `postconf [-dhHnx] [name ...]`: main.cf parameters as
 * `name = value` lines, all of them sorted by name or those named, with the
 * value set explicitly, the built-in default (-d), only explicit ones (-n),
 * expanded (-x), or without the name (-h) or the value (-H).
 *
 * Diagnostics: warning `name: unknown parameter`; the `$name` syntax
 *   warnings, then fatal `macro processing error`
 * See: postfix/src/postconf/postconf_main.c (pcf_show_parameters)
 */
import type { ParamClass } from '../config/user_params.ts';
import type { CliIo } from './cli_io.ts';
import { PCF } from './postconf_options.ts';
import type { LookupMode, PcfParams } from './postconf_params.ts';
import { formatLine } from './postconf_print.ts';

/** What a postconf command writes to (buffered standard output) and complains with. */
export interface ShowOutput {
  readonly io: CliIo;
  readonly out: string[];
  warn(text: string): void;
  fatal(text: string): never;
  /** Writes the buffered output, as postconf does before its closing warnings. */
  flush(): void;
}

export const lookupMode = (mode: number): LookupMode => ({
  defaults: (mode & PCF.SHOW_DEFS) !== 0,
  nonDefault: (mode & PCF.SHOW_NONDEF) !== 0,
});

/** Expands `value` as -x asks, or dies as postconf does on bad `$` syntax. */
export function expandOrDie(
  params: PcfParams,
  value: string,
  mode: number,
  show: ShowOutput,
  scope: Parameters<PcfParams['expand']>[2] = null,
): string {
  const r = params.expand(value, lookupMode(mode), scope);
  if (r.errors.length === 0) return r.value;
  for (const e of r.errors) show.warn(e);
  return show.fatal('macro processing error');
}

/** pcf_print_parameter(). */
function printParameter(params: PcfParams, mode: number, name: string, show: ShowOutput): void {
  let value = params.lookup(lookupMode(mode), name);
  if (value === undefined) return;
  const fold = (mode & PCF.FOLD_LINE) !== 0;
  if (mode & PCF.HIDE_VALUE) {
    show.out.push(formatLine(name, fold));
    return;
  }
  if (mode & PCF.SHOW_EVAL && !params.get(name)?.raw) value = expandOrDie(params, value, mode, show);
  show.out.push(formatLine(mode & PCF.HIDE_NAME ? value : `${name} = ${value}`, fold));
}

/** pcf_show_parameters(): every parameter of `classes`, or the named ones. */
export function showParameters(
  params: PcfParams,
  mode: number,
  classes: ReadonlySet<ParamClass>,
  names: readonly string[],
  show: ShowOutput,
): void {
  if (names.length === 0) {
    for (const name of params.names(classes)) printParameter(params, mode, name, show);
    return;
  }
  for (const name of names) {
    if (params.get(name) === undefined) show.warn(`${name}: unknown parameter`);
    else printParameter(params, mode, name, show);
  }
}
