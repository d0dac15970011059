/**
 * getopt: POSIX getopt(3) as Postfix's commands use it, with glibc's
 * messages (`postmap: invalid option -- 'Z'`). Options are parsed up to the
 * first operand or `--`; grouped flags (`-nf`) and attached arguments
 * (`-qkey`) work as in C.
 *
 * Why not util.parseArgs: it cannot reproduce getopt's diagnostics, and
 * Postfix scripts depend on `-o` repeating and on operand order.
 */

export interface GetoptResult {
  /** Options in command-line order, so repeated and order-sensitive flags keep their meaning. */
  readonly options: ReadonlyArray<{ readonly flag: string; readonly arg: string | undefined }>;
  readonly operands: readonly string[];
}

export type GetoptOutcome =
  | { readonly ok: true; readonly result: GetoptResult }
  | { readonly ok: false; readonly error: string };

/**
 * Parses `argv` against `optstring` ("c:nq:" = -c takes an argument, -n does not).
 * With `permute`, options after operands are still options (glibc's default).
 */
export function getopt(argv: readonly string[], optstring: string, permute = true): GetoptOutcome {
  const options: { flag: string; arg: string | undefined }[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      if (!permute) {
        operands.push(...argv.slice(i));
        break;
      }
      operands.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      const at = flag === ':' ? -1 : optstring.indexOf(flag);
      if (at < 0) return { ok: false, error: `invalid option -- '${flag}'` };
      if (optstring[at + 1] !== ':') {
        options.push({ flag, arg: undefined });
        continue;
      }
      if (j + 1 < word.length) {
        options.push({ flag, arg: word.slice(j + 1) });
      } else if (i + 1 < argv.length) {
        options.push({ flag, arg: argv[++i]! });
      } else {
        return { ok: false, error: `option requires an argument -- '${flag}'` };
      }
      break;
    }
  }
  return { ok: true, result: { options, operands } };
}

/** True when `flag` was given at least once. */
export function hasFlag(result: GetoptResult, flag: string): boolean {
  return result.options.some((o) => o.flag === flag);
}

/** The argument of the last `flag` given, as getopt loops that overwrite a variable see it. */
export function lastArg(result: GetoptResult, flag: string): string | undefined {
  let value: string | undefined;
  for (const o of result.options) if (o.flag === flag) value = o.arg;
  return value;
}
