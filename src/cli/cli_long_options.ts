/**
 * cli_long_options: takes the `--name` and `--name=value` options out of a
 * command line and leaves the rest (short options and operands, everything
 * after `--`) for getopt, as `affix doctor` and `affix logs` read them.
 * A valued option takes `=value` or the next word.
 */

export type LongOptions =
  | {
      readonly ok: true;
      /** Each option's values in command-line order ('' for a flag). */
      readonly long: ReadonlyMap<string, readonly string[]>;
      /** What getopt reads next. */
      readonly short: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** Splits `argv`; `known` says which names exist, `valued` which of them take a value. */
export function splitLongOptions(
  argv: readonly string[],
  known: (name: string) => boolean,
  valued: ReadonlySet<string>,
): LongOptions {
  const long = new Map<string, string[]>();
  const short: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      short.push(...argv.slice(i));
      break;
    }
    if (!arg.startsWith('--')) {
      short.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!known(name)) return { ok: false, error: `unknown option: --${name}` };
    let value = eq < 0 ? '' : arg.slice(eq + 1);
    if (valued.has(name) && eq < 0) {
      if (i + 1 >= argv.length) return { ok: false, error: `option --${name} needs a value` };
      value = argv[++i]!;
    }
    long.set(name, [...(long.get(name) ?? []), value]);
  }
  return { ok: true, long, short };
}
