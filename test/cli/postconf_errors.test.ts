/**
 * affix postconf on bad input: bad flags and flag combinations, main.cf and
 * master.cf it cannot read, bad `-o` and `$name` syntax. Each case holds
 * the exact standard error and exit status (DIR stands for the config
 * directory); where real Postfix 3.7 postconf is installed, it must print
 * the same (each distinct warning), so the expectations stay honest.
 */
import assert from 'node:assert/strict';
import { unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/postconf.ts';
import { runCli } from '../peers/cli_capture.ts';
import { runTool } from '../peers/postfix_tools.ts';
import { missingPrograms } from '../peers/programs.ts';
import { configDir } from '../peers/tmpdir.ts';

const realPostconf = missingPrograms(['postconf']) === undefined;

const USAGE =
  'postconf: fatal: usage: postconf [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)]' +
  ' [-c config_dir] [-c param_class] [-d (parameter defaults)] [-e (edit configuration)] [-f (fold lines)]' +
  ' [-F (master.cf fields)] [-h (no names)] [-H (no values)] [-l (lock types)] [-m (map types)]' +
  ' [-M (master.cf)] [-n (non-default parameters)] [-o name=value (override parameter value)]' +
  ' [-p (main.cf, default)] [-P (master.cf parameters)] [-t (bounce templates)]' +
  ' [-T compile-version|run-version|public-key-algorithms] [-v (verbose)] [-x (expand parameter values)]' +
  ' [-X (exclude)] [-# (comment-out)] [name...]\n';

interface BadCase {
  readonly name: string;
  readonly main?: string;
  /** null: no master.cf. */
  readonly master?: string | null;
  readonly args: readonly string[];
  readonly stderr: string;
  readonly status: number;
  readonly stdout?: string;
}

const CASES: readonly BadCase[] = [
  { name: 'an unknown flag', args: ['-Z'], stderr: `postconf: invalid option -- 'Z'\n${USAGE}`, status: 1 },
  { name: '-j, a Postfix 3.11 flag', args: ['-j'], stderr: `postconf: invalid option -- 'j'\n${USAGE}`, status: 1 },
  {
    name: '-C without its argument',
    args: ['-C'],
    stderr: `postconf: option requires an argument -- 'C'\n${USAGE}`,
    status: 1,
  },
  { name: '-E, accepted by getopt but by nothing else', args: ['-E'], stderr: USAGE, status: 1 },
  {
    name: 'an unknown -C class',
    args: ['-C', 'builtin,bogus'],
    stderr: 'postconf: fatal: unknown -C option value "bogus" in "builtin,bogus"\n',
    status: 1,
  },
  { name: '-d with -n', args: ['-d', '-n'], stderr: 'postconf: fatal: specify one of -d -n\n', status: 1 },
  { name: '-F with -M', args: ['-F', '-M'], stderr: 'postconf: fatal: specify one of -F -M\n', status: 1 },
  { name: '-M with -n', args: ['-M', '-n'], stderr: 'postconf: fatal: with option -M, do not specify -n\n', status: 1 },
  { name: '-a with -n', args: ['-a', '-n'], stderr: 'postconf: fatal: with option -a, do not specify -n\n', status: 1 },
  { name: '-X with a value', args: ['-X', 'biff=yes'], stderr: 'postconf: fatal: specify one of -e -X\n', status: 1 },
  {
    name: '-e without name=value',
    args: ['-e'],
    stderr: 'postconf: fatal: -e requires name=value argument\n',
    status: 1,
  },
  { name: '-X without a name', args: ['-X'], stderr: 'postconf: fatal: missing service argument\n', status: 1 },
  { name: '-b and -t together', args: ['-b', '-t'], stderr: 'postconf: fatal: specify one of -b and -t\n', status: 1 },
  {
    name: 'two -T modes',
    args: ['-T', 'run-version', '-T', 'x'],
    stderr: 'postconf: fatal: At most one -T <mode> option may be specified\n',
    status: 1,
  },
  {
    name: 'an unknown -T mode',
    args: ['-T', 'bogus'],
    stderr: "postconf: warning: unknown 'postconf -T' mode: bogus\n",
    status: 1,
  },
  {
    name: 'a main.cf line without "="',
    main: 'biff = no\njunk line here\n',
    args: ['-n'],
    stderr: 'postconf: fatal: DIR/main.cf, line 2: missing \'=\' after attribute name: "junk line here"\n',
    status: 1,
  },
  {
    name: 'a main.cf line that starts with whitespace',
    main: '  leading = x\nbiff = no\n',
    args: ['biff'],
    stderr: 'postconf: warning: DIR/main.cf: logical line must not start with whitespace: "  leading = x"\n',
    stdout: 'biff = no\n',
    status: 0,
  },
  {
    name: 'no main.cf',
    main: undefined,
    args: ['-n'],
    stderr: 'postconf: fatal: open DIR/main.cf: No such file or directory\n',
    status: 1,
  },
  {
    name: 'no master.cf for -n: a warning',
    master: null,
    args: ['-n', 'biff'],
    stderr: 'postconf: warning: open DIR/master.cf: No such file or directory\n',
    stdout: 'biff = no\n',
    status: 0,
  },
  {
    name: 'no master.cf for -M: fatal',
    master: null,
    args: ['-M'],
    stderr: 'postconf: fatal: open DIR/master.cf: No such file or directory\n',
    status: 1,
  },
  {
    name: '-M on a master.cf entry with too few fields',
    master: 'smtp inet n - n - smtpd\n',
    args: ['-M'],
    stderr: 'postconf: fatal: file DIR/master.cf: line 1: bad field count\n',
    status: 1,
  },
  {
    name: '-M on a master.cf entry with a bad type',
    master: '# comment\nsmtp bogus n - n - - smtpd\n',
    args: ['-M'],
    stderr: 'postconf: fatal: invalid type field "bogus" in "smtp bogus n - n - - smtpd"\n',
    status: 1,
  },
  {
    name: '-M on a master.cf entry with a bad private field',
    master: 'smtp inet x - n - - smtpd\n  -o a=b\n',
    args: ['-M'],
    stderr: 'postconf: fatal: invalid private field "x" in "smtp inet x - n - - smtpd  -o a=b"\n',
    status: 1,
  },
  {
    name: '-n on a master.cf entry with a bad wakeup field',
    master: 'smtp inet n - n 1x - smtpd\n',
    args: ['-n'],
    stderr: 'postconf: fatal: invalid wakeup field "1x" in "smtp inet n - n 1x - smtpd"\n',
    status: 1,
  },
  {
    name: '-M on a master.cf entry with a bad process limit',
    master: 'smtp inet n - n - x1 smtpd\n',
    args: ['-M'],
    stderr: 'postconf: fatal: invalid process_limit field "x1" in "smtp inet n - n - x1 smtpd"\n',
    status: 1,
  },
  {
    name: '-M on a master.cf entry with an unbalanced brace',
    master: 'smtp inet n - n - - smtpd -o {a=b\n',
    args: ['-M'],
    stderr:
      'postconf: warning: master.cf: missing \'}\' in "{a=b"\n' +
      'postconf: warning: DIR/master.cf: unused parameter: a=b\n',
    stdout: 'smtp       inet  n       -       n       -       -       smtpd -o a=b\n',
    status: 0,
  },
  {
    name: 'a mynetworks_style Postfix does not know (case matters), with -n',
    main: 'mynetworks_style = HOST\n',
    args: ['-n'],
    stderr: 'postconf: fatal: unknown mynetworks mask style value "HOST" in "HOST"\n',
    status: 1,
  },
  {
    name: 'an unknown inet_protocols word, with -M',
    main: 'inet_protocols = ipv4, bogus\n',
    master: 'smtp inet n - n - - smtpd\n',
    args: ['-M'],
    stderr: 'postconf: fatal: unknown inet_protocols value "bogus" in "ipv4, bogus"\n',
    status: 1,
  },
  {
    name: 'a bad -o override',
    args: ['-o', 'bad', '-n'],
    stderr: "postconf: fatal: invalid parameter override: bad: missing '=' after attribute name\n",
    status: 1,
  },
  {
    name: 'bad $name syntax with -x',
    main: 'mydestination = ${foo\n',
    args: ['-x', 'biff', 'mydestination'],
    stderr: 'postconf: warning: truncated macro reference: "${foo"\npostconf: fatal: macro processing error\n',
    status: 1,
  },
  {
    name: 'an unknown parameter and an unmatched service',
    master: 'smtp inet n - n - - smtpd\n',
    args: ['nosuchparam'],
    stderr: 'postconf: warning: nosuchparam: unknown parameter\n',
    status: 0,
  },
  {
    name: 'an unmatched -M request',
    master: 'smtp inet n - n - - smtpd\n',
    args: ['-M', 'submission'],
    stderr: 'postconf: warning: unmatched request: "submission"\n',
    status: 0,
  },
  {
    name: '-M with a malformed service pattern',
    args: ['-M', 'a/b/c'],
    stderr: 'postconf: fatal: -M option requires service_name[/type]\n',
    status: 1,
  },
  {
    name: '-F with an unknown field name',
    args: ['-F', 'smtp/inet/bogus'],
    stderr: 'postconf: fatal: invalid service attribute name: "bogus"\n',
    status: 1,
  },
];

for (const c of CASES) {
  test(`postconf on ${c.name}: exact messages and status`, async (t) => {
    const dir = configDir(t, c.main ?? 'biff = no\n', c.master ?? '');
    if ('main' in c && c.main === undefined) unlinkSync(join(dir, 'main.cf'));
    if (c.master === null) unlinkSync(join(dir, 'master.cf'));
    const past = Date.now() / 1000 - 3600;
    for (const f of ['main.cf', 'master.cf']) {
      try {
        utimesSync(join(dir, f), past, past);
      } catch {
        // removed above
      }
    }
    const expected = { status: c.status, stdout: c.stdout ?? '', stderr: c.stderr.replaceAll('DIR', dir) };
    const ours = await runCli(main, ['-c', dir, ...c.args]);
    assert.deepEqual(ours, expected);
    if (realPostconf) {
      // Postfix may print a warning twice (a `$name` error while scanning, then while expanding).
      const real = runTool('postconf', ['-c', dir, ...c.args]);
      const distinct = (s: string) => [...new Set(s.split('\n'))];
      assert.deepEqual(
        { status: real.status, stdout: real.stdout, stderr: distinct(real.stderr) },
        { ...expected, stderr: distinct(expected.stderr) },
        'real postconf',
      );
    }
  });
}
