/**
 * postconf_options: postconf's command-line flags as mode bits, and the
 * rules that reject combinations that make no sense, with Postfix 3.7's
 * words ("specify one of -d -n", "with option -M, do not specify -n").
 *
 * Diagnostics: the fatal texts above; the usage line of postconf 3.7
 * See: postfix/src/postconf/postconf.c (pcf_incompat_options, pcf_compat_options)
 */

/** What postconf is asked to do (pcf_cmd_mode). */
export const PCF = {
  SHOW_NONDEF: 1 << 0,
  SHOW_DEFS: 1 << 1,
  HIDE_NAME: 1 << 2,
  SHOW_MAPS: 1 << 3,
  EDIT_CONF: 1 << 4,
  SHOW_LOCKS: 1 << 5,
  SHOW_EVAL: 1 << 6,
  SHOW_SASL_SERV: 1 << 7,
  SHOW_SASL_CLNT: 1 << 8,
  COMMENT_OUT: 1 << 9,
  MASTER_ENTRY: 1 << 10,
  FOLD_LINE: 1 << 11,
  EDIT_EXCL: 1 << 12,
  MASTER_FLD: 1 << 13,
  MAIN_PARAM: 1 << 14,
  EXP_DSN_TEMPL: 1 << 15,
  PARAM_CLASS: 1 << 16,
  MAIN_OVER: 1 << 17,
  DUMP_DSN_TEMPL: 1 << 18,
  MASTER_PARAM: 1 << 19,
  HIDE_VALUE: 1 << 20,
  SHOW_TLS: 1 << 21,
} as const;

/** The flag that sets each bit, in the order Postfix names them in messages. */
const FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['-a', PCF.SHOW_SASL_SERV],
  ['-A', PCF.SHOW_SASL_CLNT],
  ['-b', PCF.EXP_DSN_TEMPL],
  ['-C', PCF.PARAM_CLASS],
  ['-d', PCF.SHOW_DEFS],
  ['-e', PCF.EDIT_CONF],
  ['-f', PCF.FOLD_LINE],
  ['-F', PCF.MASTER_FLD],
  ['-h', PCF.HIDE_NAME],
  ['-H', PCF.HIDE_VALUE],
  ['-l', PCF.SHOW_LOCKS],
  ['-m', PCF.SHOW_MAPS],
  ['-M', PCF.MASTER_ENTRY],
  ['-n', PCF.SHOW_NONDEF],
  ['-o', PCF.MAIN_OVER],
  ['-p', PCF.MAIN_PARAM],
  ['-P', PCF.MASTER_PARAM],
  ['-t', PCF.DUMP_DSN_TEMPL],
  ['-T', PCF.SHOW_TLS],
  ['-x', PCF.SHOW_EVAL],
  ['-X', PCF.EDIT_EXCL],
  ['-#', PCF.COMMENT_OUT],
];

/** Flags without an argument and the bit each sets (-c, -C, -o, -T, -v are handled apart). */
export const FLAG_BITS: Readonly<Record<string, number>> = {
  a: PCF.SHOW_SASL_SERV,
  A: PCF.SHOW_SASL_CLNT,
  b: PCF.EXP_DSN_TEMPL,
  d: PCF.SHOW_DEFS,
  e: PCF.EDIT_CONF,
  f: PCF.FOLD_LINE,
  F: PCF.MASTER_FLD,
  '#': PCF.COMMENT_OUT,
  h: PCF.HIDE_NAME,
  H: PCF.HIDE_VALUE,
  l: PCF.SHOW_LOCKS,
  m: PCF.SHOW_MAPS,
  M: PCF.MASTER_ENTRY,
  n: PCF.SHOW_NONDEF,
  p: PCF.MAIN_PARAM,
  P: PCF.MASTER_PARAM,
  t: PCF.DUMP_DSN_TEMPL,
  x: PCF.SHOW_EVAL,
  X: PCF.EDIT_EXCL,
};

/** getopt's option string of postconf 3.7 (`E` is accepted but only prints usage). */
export const OPTSTRING = 'aAbc:C:deEfFhHlmMno:pPtT:vxX#';

export const MASTER_MODES = PCF.MASTER_ENTRY | PCF.MASTER_FLD | PCF.MASTER_PARAM;
export const EDIT_MODES = PCF.EDIT_CONF | PCF.COMMENT_OUT | PCF.EDIT_EXCL;

const EDITS = PCF.EDIT_CONF | PCF.COMMENT_OUT | PCF.EDIT_EXCL;

/** Groups of which at most one member may be given; the first lists the major modes. */
const INCOMPATIBLE: readonly number[] = [
  PCF.SHOW_SASL_SERV |
    PCF.SHOW_SASL_CLNT |
    PCF.EXP_DSN_TEMPL |
    PCF.SHOW_LOCKS |
    PCF.SHOW_MAPS |
    PCF.DUMP_DSN_TEMPL |
    PCF.MAIN_PARAM |
    PCF.MASTER_ENTRY |
    PCF.MASTER_FLD |
    PCF.MASTER_PARAM |
    PCF.SHOW_TLS,
  EDITS,
  PCF.SHOW_DEFS | PCF.SHOW_NONDEF | EDITS,
  PCF.FOLD_LINE | EDITS,
  PCF.SHOW_EVAL | EDITS,
  PCF.MAIN_OVER | PCF.SHOW_DEFS | EDITS,
  PCF.HIDE_NAME | PCF.HIDE_VALUE | EDITS,
];
export const MAJOR_MODES = INCOMPATIBLE[0]!;

/** Each major mode (and -C) with the only flags it may be combined with. */
const COMPATIBLE: ReadonlyArray<readonly [number, number]> = [
  [PCF.SHOW_SASL_SERV, 0],
  [PCF.SHOW_SASL_CLNT, 0],
  [PCF.EXP_DSN_TEMPL, 0],
  [PCF.SHOW_LOCKS, 0],
  [PCF.SHOW_MAPS, 0],
  [PCF.SHOW_TLS, 0],
  [PCF.DUMP_DSN_TEMPL, 0],
  [
    PCF.MAIN_PARAM,
    EDITS |
      PCF.FOLD_LINE |
      PCF.HIDE_NAME |
      PCF.PARAM_CLASS |
      PCF.SHOW_EVAL |
      PCF.SHOW_DEFS |
      PCF.SHOW_NONDEF |
      PCF.MAIN_OVER |
      PCF.HIDE_VALUE,
  ],
  [PCF.MASTER_ENTRY, EDITS | PCF.FOLD_LINE | PCF.MAIN_OVER | PCF.SHOW_EVAL],
  [PCF.MASTER_FLD, PCF.EDIT_CONF | PCF.FOLD_LINE | PCF.HIDE_NAME | PCF.MAIN_OVER | PCF.SHOW_EVAL | PCF.HIDE_VALUE],
  [
    PCF.MASTER_PARAM,
    PCF.EDIT_CONF | PCF.EDIT_EXCL | PCF.FOLD_LINE | PCF.HIDE_NAME | PCF.MAIN_OVER | PCF.SHOW_EVAL | PCF.HIDE_VALUE,
  ],
  [PCF.PARAM_CLASS, PCF.MAIN_PARAM | PCF.SHOW_DEFS | PCF.SHOW_NONDEF],
];

/** The flags of `mask` as postconf names them: `-d -n`. */
function flagNames(mask: number): string {
  return FLAG_NAMES.filter(([, bit]) => (mask & bit) !== 0)
    .map(([name]) => name)
    .join(' ');
}

const bitCount = (mask: number): number => {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
};

/** pcf_check_exclusive_options() and pcf_check_compat_options(): the complaint, or null. */
export function optionConflict(mode: number): string | null {
  for (const group of INCOMPATIBLE) {
    const given = group & mode;
    if (bitCount(given) > 1) return `specify one of ${flagNames(given)}`;
  }
  for (const [option, allowed] of COMPATIBLE) {
    if ((mode & option) === 0) continue;
    const excess = mode & ~(option | allowed);
    if (excess !== 0) return `with option ${flagNames(option)}, do not specify ${flagNames(excess)}`;
  }
  return null;
}

/** The text after `fatal: usage: ` when the command line is wrong. */
export function usageText(program: string): string {
  return (
    `${program} [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)]` +
    ' [-c config_dir] [-c param_class] [-d (parameter defaults)] [-e (edit configuration)] [-f (fold lines)]' +
    ' [-F (master.cf fields)] [-h (no names)] [-H (no values)] [-l (lock types)] [-m (map types)]' +
    ' [-M (master.cf)] [-n (non-default parameters)] [-o name=value (override parameter value)]' +
    ' [-p (main.cf, default)] [-P (master.cf parameters)] [-t (bounce templates)]' +
    ' [-T compile-version|run-version|public-key-algorithms] [-v (verbose)] [-x (expand parameter values)]' +
    ' [-X (exclude)] [-# (comment-out)] [name...]'
  );
}
