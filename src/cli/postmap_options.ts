/**
 * postmap_options: the command-line options postmap and postalias share
 * (-c -d -q -s -i -f -r -w -u -p), read in order with Postfix's checks that
 * -s, -q and -d exclude each other; each tool handles its own letters.
 *
 * Diagnostics: `fatal: specify only one of -s -q or -d`,
 *   `fatal: specify only one of -s or -q or -d`
 * See: postfix/src/postmap/postmap.c (main), postfix/src/postalias/postalias.c (main)
 */
import type { DictFlags } from '../maps/dict.ts';
import type { CliMessages } from './cli_io.ts';
import type { GetoptResult } from './getopt.ts';

export interface TableOptions {
  /** -c */
  configDir: string | undefined;
  /** -q key, `-` for keys on stdin */
  query: string | undefined;
  /** -d key, `-` for keys on stdin */
  delkey: string | undefined;
  /** -s */
  sequence: boolean;
  /** -i */
  update: boolean;
  /** -p clears it */
  savePerm: boolean;
  /** -f clears fold_fix, -r and -w set dup, -u clears utf8. */
  readonly flags: { -readonly [K in keyof DictFlags]?: DictFlags[K] };
}

/** Reads the shared options of `result`; every other letter goes to `other`. */
export function tableOptions(
  msg: CliMessages,
  result: GetoptResult,
  other: (flag: string) => void = () => undefined,
): TableOptions {
  const o: TableOptions = {
    configDir: undefined,
    query: undefined,
    delkey: undefined,
    sequence: false,
    update: false,
    savePerm: true,
    flags: { fold_fix: true, dup: 'warn', utf8: true },
  };
  for (const { flag, arg } of result.options) {
    if ((flag === 'd' || flag === 'q') && (o.sequence || o.query !== undefined || o.delkey !== undefined))
      msg.fatal('specify only one of -s -q or -d');
    if (flag === 's' && (o.query !== undefined || o.delkey !== undefined))
      msg.fatal('specify only one of -s or -q or -d');
    if (flag === 'c') o.configDir = arg;
    else if (flag === 'd') o.delkey = arg;
    else if (flag === 'q') o.query = arg;
    else if (flag === 's') o.sequence = true;
    else if (flag === 'i') o.update = true;
    else if (flag === 'f') o.flags.fold_fix = false;
    else if (flag === 'r') o.flags.dup = 'replace';
    else if (flag === 'w') o.flags.dup = 'ignore';
    else if (flag === 'u') o.flags.utf8 = false;
    else if (flag === 'p') o.savePerm = false;
    else other(flag);
  }
  return o;
}
