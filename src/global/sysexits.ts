/**
 * sysexits: the exit codes of <sysexits.h> that Postfix's commands return,
 * so scripts that test `$? -eq 75` behave the same with affix.
 *
 * See: /usr/include/sysexits.h, postfix/src/global/sys_exits.c
 */

export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  NOUSER: 67,
  NOHOST: 68,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  OSERR: 71,
  OSFILE: 72,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  PROTOCOL: 76,
  NOPERM: 77,
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EX)[keyof typeof EX] | 1 | 2;
