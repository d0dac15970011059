/**
 * affix postconf against real Postfix 3.7 postconf: the same main.cf and
 * master.cf pairs, the same flags, and standard output byte for byte,
 * warnings as sets (real postconf prints some in hash order, and re-reads a
 * freshly written main.cf), exit status equal.
 */
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { main } from '../../src/cli/postconf.ts';
import { PARAMS } from '../../src/config/params.ts';
import { runCli } from '../peers/cli_capture.ts';
import { runTool } from '../peers/postfix_tools.ts';
import { missingPrograms } from '../peers/programs.ts';
import { configDir } from '../peers/tmpdir.ts';

const skip = missingPrograms(['postconf']);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'postfix-3.7.11');

/**
 * Where affix's postconf differs from Postfix 3.7's by design (style.md §14).
 * The parameter listings are compared with these lines set aside.
 */
const DELIBERATE = [
  { what: 'mail_name', reason: 'affix names itself `affix`, not `Postfix` (smtpd_banner shows it)' },
  { what: 'mail_version', reason: "affix's own version number" },
  { what: 'mail_release_date', reason: "affix's own release date" },
  { what: 'process_id', reason: 'the process id of a different process' },
  {
    what: 'defaults the parameter registry chose differently (smtpd_forbid_bare_newline ...)',
    reason: 'see REGISTRY_CHOICES in postconf_defaults.test.ts for each reason',
  },
  {
    what: 'parameters 3.7 does not have (maillog_file_permissions, affix_dns_servers ...)',
    reason:
      'affix honours some newer Postfix parameters and has its own affix_*; 3.7 lists neither, and calls them unused',
  },
  {
    what: 'postconf name=value with several new names',
    reason: 'Postfix 3.7 appends them in hash-table order, which changes from run to run; affix sorts them',
  },
  { what: 'postconf -a', reason: 'affix has no Cyrus SASL: its server types are `affix` (built in) and `dovecot`' },
  { what: 'postconf -m', reason: "the table types of affix's maps module, not of a Postfix build" },
  { what: 'postconf -T', reason: "Node's OpenSSL version; public-key-algorithms is a fixed list" },
  { what: 'postconf -v', reason: 'accepted, but prints no debug logging' },
  {
    what: 'legacy database parameters (ldap:name -> name_server_host ...)',
    reason: 'affix has no ldap, mysql, pgsql, sqlite or memcache tables, so such names are reported unused',
  },
] as const;

/**
 * Parameters whose affix default differs from 3.7's by the registry's choice
 * (smtpd_forbid_bare_newline = normalize ...); postconf_defaults.test.ts
 * holds the reason for each.
 */
const REGISTRY_CHOICES: readonly string[] = (() => {
  const captured = readFileSync(join(FIXTURES, 'postconf-d-empty-master.txt'), 'utf8');
  const defaults = new Map(
    captured.split('\n').map((l) => [l.split(' = ')[0]!.replace(/ =$/, ''), l.split(' = ')[1] ?? '']),
  );
  return Object.entries(PARAMS)
    .filter(([name, spec]) => defaults.has(name) && spec.default.replace(/\s+/g, ' ').trim() !== defaults.get(name))
    .map(([name]) => name);
})();

const DELIBERATE_PARAMS = [...DELIBERATE.slice(0, 4).map((d) => d.what), ...REGISTRY_CHOICES];

/** Make $mail_name and kin expand alike on both sides of a -x comparison. */
const MAIL_OVERRIDES = ['-o', 'mail_name=Postfix', '-o', 'mail_version=3.7.11', '-o', 'mail_release_date=20240304'];
const DELIBERATE_NAMES: ReadonlySet<string> = new Set(DELIBERATE_PARAMS);

/** -d cannot take -o: affix's name, version and date put back to Postfix's in expanded values. */
const toPostfix = (s: string) =>
  s
    .split('\n')
    .map((line) => {
      const at = line.indexOf(' = ');
      if (at < 0) return line;
      const value = line
        .slice(at + 3)
        .replaceAll(PARAMS.mail_name.default, 'Postfix')
        .replaceAll(PARAMS.mail_version.default, '3.7.11')
        .replaceAll(PARAMS.mail_release_date.default, '20240304');
      return `${line.slice(0, at + 3)}${value}`;
    })
    .join('\n');

/** Upstream's default master.cf (postfix-compat.md §2.2), enabled services only. */
const STOCK_MASTER_CF = `smtp      inet  n       -       n       -       -       smtpd
#smtp      inet  n       -       n       -       1       postscreen
#submission inet n       -       n       -       -       smtpd
#  -o syslog_name=postfix/submission
#  -o smtpd_tls_security_level=encrypt
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
        -o syslog_name=\${multi_instance_name?{$multi_instance_name}:{postfix}}/$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

interface Case {
  readonly name: string;
  readonly main: string;
  /** null: no master.cf at all. */
  readonly master: string | null;
  /** Parameters asked for by name (postconf NAME, -h, -x, -d). */
  readonly names: readonly string[];
  /** -M / -F / -P patterns. */
  readonly services: readonly string[];
  /** Further command lines to compare. */
  readonly extra?: readonly (readonly string[])[];
}

const CASES: readonly Case[] = [
  {
    name: 'continuation lines, comments inside values, $name and ${name?{a}:{b}}, duplicates, unknown names',
    main: `# A comment line
myhostname = mx.example.test
mydomain = example.test
smtpd_banner = $myhostname ESMTP
    $mail_name
# a comment inside the continued value

    (test)
myorigin = $mydomain
mydestination = $myhostname,
\tlocalhost.$mydomain,   localhost
relayhost = \${use_relay?{[relay.example.test]:587}:{}}
use_relay = yes
recipient_delimiter = \${no_such_name?{+}:{-}}
biff = no
biff = yes
bogus_setting = 1
header_checks = regexp:{{/^Subject: .*forbidden/ REJECT forbidden subject}, {/^X-Test: hold/ HOLD held by header check}}
smtpd_tls_security_level = \${{$compatibility_level} >=level {3.6} ? {may} : {none}}
`,
    master: `smtp      inet  n       -       y       -       -       smtpd
relay     unix  -       -       n       -       -       smtp
    -o syslog_name=postfix/$service_name
`,
    names: [
      'myhostname',
      'mydomain',
      'smtpd_banner',
      'myorigin',
      'mydestination',
      'relayhost',
      'recipient_delimiter',
      'biff',
      'bogus_setting',
      'no_such_parameter',
      'use_relay',
      'header_checks',
      'smtpd_tls_security_level',
      'relay_destination_concurrency_limit',
    ],
    services: ['relay/unix', 'smtp', '*/unix/syslog_name', 'nomatch/inet'],
  },
  ...['0', '2', '3.6'].map(
    (level): Case => ({
      name: `relational defaults at compatibility_level ${level}`,
      main: `compatibility_level = ${level}\nmyhostname = mx.example.test\n`,
      master: '',
      names: [
        'compatibility_level',
        'relay_domains',
        'mynetworks_style',
        'mynetworks',
        'smtpd_relay_restrictions',
        'append_dot_mydomain',
        'smtputf8_enable',
        'smtpd_tls_fingerprint_digest',
        'respectful_logging',
        'mydomain',
      ],
      services: [],
    }),
  ),
  {
    name: 'user-defined names: smtpd_restriction_classes, $name from main.cf and master.cf -o, read-only and legacy names',
    main: `smtpd_restriction_classes = t_class, other_class
t_class = permit
other_class = reject
unused_class = x
mua_sender_restrictions = reject_sender_login_mismatch
referenced_from_master = permit_sasl_authenticated
virtual_maps = hash:/etc/postfix/virtual
process_name = bogus
local_thing = $helper
helper = value
`,
    master: `smtp inet n - n - - smtpd
submission inet n - n - - smtpd
  -o smtpd_sender_restrictions=$mua_sender_restrictions
  -o smtpd_client_restrictions=$referenced_from_master,$local_only
  -o local_only=reject
  -o other_class=permit
  -o service_name=x
  -o not_used_anywhere=1
  -o uses_undefined=$nowhere_defined
`,
    names: [
      't_class',
      'other_class',
      'unused_class',
      'mua_sender_restrictions',
      'referenced_from_master',
      'local_thing',
      'helper',
      'virtual_maps',
      'fallback_relay',
      'service_name',
    ],
    services: ['submission', 'submission/inet/local_only', 'smtp/inet/command'],
  },
  {
    name: "upstream's stock master.cf",
    main: 'compatibility_level = 3.6\n',
    master: STOCK_MASTER_CF,
    names: ['relay_destination_concurrency_limit', 'local_destination_recipient_limit', 'retry_recipient_limit'],
    services: ['relay', 'postlog/unix-dgram', '*/inet', 'smtp/*/type', 'relay/unix/syslog_name'],
  },
  {
    name: 'a Debian-like main.cf with its master.cf',
    main: readFileSync(join(FIXTURES, 'main.cf-experiment.txt'), 'utf8'),
    master: readFileSync(join(FIXTURES, 'master.cf-experiment.txt'), 'utf8'),
    names: [
      'myorigin',
      'mydestination',
      'smtpd_banner',
      'header_checks',
      't_client',
      't_rcpt',
      'maildrop_destination_recipient_limit',
      'uucp_time_limit',
      'alias_maps',
      'relayhost',
    ],
    services: ['relay', '127.0.0.1:30026', 'maildrop/unix/command', '127.0.0.1:30027/inet/smtpd_client_restrictions'],
  },
  {
    name: 'master.cf quirks: -oname=value split at a later "o", braces, duplicates, long pipe commands, UTF-8',
    main:
      'compatibility_level = 3.6\nmua_client_restrictions = permit_sasl_authenticated, reject\n' +
      'myhostname = mx.example.test\nsmtpd_banner = ääääää ääääääääää ääääääääääää ääääääääääää äääääää\tää\n' +
      'unused_utf8 = ä\tb\n',
    master: `smtp      inet  n       -       y       -       -       smtpd -v -osyslog_name=foo -vo x=y
  -o { smtpd_banner = $myhostname welcomes   you } -o{bad}
  -o smtpd_client_restrictions=$mua_client_restrictions
submission inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject -o milter_macro_daemon_name=ORIGINATING
bigpipe   unix  -       n       n       -       10      pipe flags=DRhu user=vmail:vmail argv=/usr/local/bin/some-very-long-program-name --with-an-option \${recipient} \${sender} { a b }
smtp      inet  n       -       y       -       -       smtpd
x unix - - - - - local -o a=$b -o b=1
- unix - - - 5? 0 spawn - -o
y unix - - n - - /usr/lib/postfix/sbin/smtp
ü unix - - n - - pipe argv=/bin/ééééééééééééééééééééééééééééééé ééééééééééééééééééééé -o x={ä ö ü}
`,
    names: ['bigpipe_time_limit', 'x_recipient_limit', '-_time_limit', 'y_recipient_limit'],
    services: ['smtp', 'bigpipe/unix/command', 'x'],
  },
  {
    name: 'no master.cf',
    main: 'myhostname = mx.example.test\nfoo = bar\n',
    master: null,
    names: ['myhostname', 'foo'],
    services: [],
  },
  {
    name: 'config_directory set in main.cf overrides -c',
    main: 'config_directory = /nonexistent/elsewhere\nbiff = no\n',
    master: '',
    names: ['config_directory'],
    services: [],
  },
  {
    name: 'postconf -o overrides',
    main: 'myhostname = mx.example.test\nmydomain = example.test\nmyorigin = $mydomain\n',
    master: 'smtp inet n - n - - smtpd -o smtpd_banner=$mydomain\n',
    names: ['myorigin'],
    services: [],
    extra: [
      ['-o', 'mydomain=override.test', '-x', 'myorigin', 'mydestination'],
      ['-o', 'foo=bar', '-n'],
      ['-o', 'mydomain=override.test', '-Mx'],
      ['-o', 'mydomain=override.test', '-Px'],
      ['-o', 'process_name=x', '-n'],
    ],
  },
];

/** A config directory whose files are old enough that Postfix reads main.cf once. */
function setUp(t: TestContext, c: Pick<Case, 'main' | 'master'>): string {
  const dir = configDir(t, c.main, c.master ?? '');
  if (c.master === null) unlinkSync(join(dir, 'master.cf'));
  const past = Date.now() / 1000 - 3600;
  utimesSync(join(dir, 'main.cf'), past, past);
  if (c.master !== null) utimesSync(join(dir, 'master.cf'), past, past);
  return dir;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** The distinct warning lines; affix must print each only once. */
function warningSet(stderr: string, who: string, unique: boolean): string[] {
  const all = lines(stderr);
  const set = [...new Set(all)].sort();
  if (unique) assert.equal(all.length, set.length, `${who} printed a warning twice:\n${stderr}`);
  return set;
}

/** Runs both postconfs on `args` (after -c DIR) and compares. */
async function compare(dir: string, args: readonly string[], normalize = (s: string) => s): Promise<void> {
  const argv = ['-c', dir, ...args];
  const real = runTool('postconf', argv);
  const ours = await runCli(main, argv);
  const what = `postconf ${args.join(' ')}`;
  assert.equal(normalize(ours.stdout), normalize(real.stdout), `${what}: standard output`);
  assert.deepEqual(
    warningSet(ours.stderr, 'affix', true),
    warningSet(real.stderr, 'postfix', false),
    `${what}: stderr`,
  );
  assert.equal(ours.status, real.status, `${what}: exit status`);
}

/** Sets aside the deliberate differences and the parameters only affix has. */
function listingNormalizer(real: string): (s: string) => string {
  const realNames = new Set(lines(real).map((l) => l.split(' ')[0]));
  return (s) =>
    lines(s)
      .filter((l) => {
        const name = l.split(' ')[0]!;
        if (DELIBERATE_NAMES.has(name)) return false;
        // A newer parameter affix honours (e.g. maillog_file_permissions, Postfix 3.9): allowed only in the registry.
        return realNames.has(name) || !Object.hasOwn(PARAMS, name);
      })
      .join('\n');
}

for (const c of CASES) {
  test(`postconf matches Postfix 3.7 on ${c.name}`, { skip }, async (t) => {
    const dir = setUp(t, c);
    const askable = c.names.filter((n) => !DELIBERATE_NAMES.has(n));
    const commands: (readonly string[])[] = [
      ['-n'],
      ['-nf'],
      [...MAIL_OVERRIDES, '-nx'],
      [...c.names],
      ['-h', ...c.names],
      ['-hx', ...MAIL_OVERRIDES, ...c.names],
      ['-x', ...MAIL_OVERRIDES, ...c.names],
      ['-d', ...askable],
      ['-M'],
      ['-Mf'],
      ['-Mx'],
      ['-F'],
      ['-Ff'],
      ['-Fx'],
      ['-Fh'],
      ['-FH'],
      ['-P'],
      ['-Px'],
      ['-Pf'],
      ['-PH'],
      ...(c.services.length > 0
        ? [
            ['-M', ...c.services],
            ['-F', ...c.services],
            ['-P', ...c.services],
          ]
        : []),
      ...(c.extra ?? []),
    ];
    for (const args of commands) await compare(dir, args);
    await compare(dir, ['-dx', ...askable], toPostfix);
    for (const args of [MAIL_OVERRIDES, ['-x', ...MAIL_OVERRIDES], ['-H']]) {
      const real = runTool('postconf', ['-c', dir, ...args]).stdout;
      await compare(dir, args, listingNormalizer(real));
    }
  });
}

test('postconf -d and -dx list every default as Postfix 3.7 does, deliberate differences set aside', {
  skip,
}, async (t) => {
  const dir = setUp(t, { main: '', master: readFileSync(join(FIXTURES, 'master.cf-experiment.txt'), 'utf8') });
  for (const args of [['-d'], ['-df'], ['-dH']]) {
    const real = runTool('postconf', ['-c', dir, ...args]).stdout;
    await compare(dir, args, listingNormalizer(real));
  }
  const real = runTool('postconf', ['-c', dir, '-dx']).stdout;
  await compare(dir, ['-dx'], (s) => listingNormalizer(real)(toPostfix(s)));
});
