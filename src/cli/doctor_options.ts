/**
 * doctor_options: the command line of `affix doctor`: an optional check
 * name (with its operand: send-test's ADDRESS), `-c DIR`, `-r`, and the long
 * options getopt cannot read (`--log FILE|-`, `--resolver HOST:PORT`,
 * `--public-ip IP`, `--domain D`, `--json` ...), in `--name value` or
 * `--name=value` form, repeatable where a list makes sense. Any mistake
 * prints the usage and exits 64 (EX_USAGE).
 */
import { isIP } from 'node:net';
import { CHECK_ALIASES, CHECK_NAMES, type CheckName } from '../doctor/doctor_finding.ts';
import { EX } from '../global/sysexits.ts';
import { CliExit, type CliIo } from './cli_io.ts';
import { splitLongOptions } from './cli_long_options.ts';
import { getopt, hasFlag, lastArg } from './getopt.ts';

export const PROGRAM = 'affix doctor';

export const USAGE = `usage: affix doctor [-c config_dir] [-r] [options] [CHECK]
       affix doctor relay --probe HOST:PORT [--probe-domain DOMAIN]
       affix doctor tls [--probe HOST:PORT] [--probe-peers]
       affix doctor send-test ADDRESS [--from ADDRESS] [--sendmail PATH] [--wait SECONDS]
Checks: ${CHECK_NAMES.join(', ')} (default: all but send-test)
  -c DIR               the configuration (affix's or Postfix's: -c /etc/postfix)
  -r                   also read the log's rotated generations
  --log FILE|-         the mail log (default: maillog_file, else /var/log/mail.log; - = standard input,
                       e.g. journalctl -u postfix | affix doctor --log -)
  --queue FILE|-       postqueue -j output to use instead of reading the queue
  --resolver HOST:PORT the DNS server to ask (repeatable; default: affix_dns_servers, else the system's)
  --offline            no DNS lookups and no probes
  --public-ip IP       an address this host sends mail from (repeatable)
  --domain DOMAIN      a domain this host sends or receives mail for (repeatable)
  --dnsbl ZONE[,ZONE]  the blacklists to ask (default: Spamhaus ZEN, Barracuda, SpamCop, PSBL, Mailspike, UCEPROTECT)
  --dkim-selector SEL  a DKIM selector to look for (repeatable); --opendkim-conf FILE: the signer's configuration
  --probe HOST:PORT    relay: try the relay tricks against that server; tls: probe its STARTTLS
  --probe-peers        tls: probe the STARTTLS of peers with TLS failures in the log
  --json               machine-readable output
  --year N             year of the log's first time stamp (traditional syslog stamps carry none)
Exit status: 0 nothing to fix, 1 warnings, 2 errors, 64 usage.
`;

export interface DoctorCommand {
  readonly check: CheckName | null;
  readonly address: string | null;
  readonly optionC: string | undefined;
  readonly rotated: boolean;
  readonly log: string | null;
  readonly queue: string | null;
  readonly resolvers: readonly string[];
  readonly offline: boolean;
  readonly publicIps: readonly string[];
  readonly domains: readonly string[];
  readonly dnsbl: readonly string[] | null;
  readonly dkimSelectors: readonly string[];
  readonly opendkimConf: string | null;
  readonly probe: string | null;
  readonly probePeers: boolean;
  readonly probeDomain: string;
  readonly json: boolean;
  readonly from: string | null;
  readonly sendmail: string | null;
  readonly wait: number;
  readonly year: number | undefined;
}

export function usageError(io: CliIo, complaint: string): never {
  io.stderr.write(`${PROGRAM}: ${complaint}\n${USAGE}`);
  throw new CliExit(EX.USAGE);
}

const VALUED = new Set([
  'log',
  'queue',
  'resolver',
  'public-ip',
  'domain',
  'dnsbl',
  'dkim-selector',
  'opendkim-conf',
  'probe',
  'probe-domain',
  'from',
  'sendmail',
  'wait',
  'year',
]);
const FLAGS = new Set(['json', 'offline', 'probe-peers', 'help']);

/** Reads argv (after `doctor`); prints usage and throws CliExit on any mistake. */
export function parseDoctorCommand(argv: readonly string[], io: CliIo): DoctorCommand {
  const split = splitLongOptions(argv, (name) => VALUED.has(name) || FLAGS.has(name), VALUED);
  if (!split.ok) return usageError(io, split.error);
  const { long, short } = split;
  if (long.has('help')) {
    io.stdout.write(USAGE);
    throw new CliExit(EX.OK);
  }
  const parsed = getopt(short, 'c:r');
  if (!parsed.ok) return usageError(io, parsed.error);
  const r = parsed.result;
  const [word, ...rest] = r.operands;
  let check: CheckName | null = null;
  if (word !== undefined) {
    const lower = word.toLowerCase();
    check = (CHECK_NAMES as readonly string[]).includes(lower) ? (lower as CheckName) : (CHECK_ALIASES[lower] ?? null);
    if (check === null) return usageError(io, `unknown check: ${word}`);
  }
  const address = check === 'send-test' ? (rest[0] ?? null) : null;
  if (check === 'send-test' && address === null) return usageError(io, 'send-test: missing ADDRESS');
  if (rest.length > (check === 'send-test' ? 1 : 0))
    return usageError(io, `unexpected argument: ${rest[rest.length - 1]}`);
  const all = (n: string) => long.get(n) ?? [];
  const one = (n: string) => all(n).at(-1) ?? null;
  const publicIps = all('public-ip')
    .flatMap((v) => v.split(','))
    .filter((v) => v !== '');
  for (const ip of publicIps) if (isIP(ip) === 0) return usageError(io, `--public-ip: not an IP address: ${ip}`);
  const number = (n: string, min: number): number | undefined => {
    const v = one(n);
    if (v === null) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min) return usageError(io, `bad --${n} value: ${v}`);
    return Number(v);
  };
  const probe = one('probe');
  if (probe !== null && check !== 'relay' && check !== 'tls')
    return usageError(io, '--probe goes with the relay or tls check');
  const queue = one('queue');
  if (queue === '-' && one('log') === '-') return usageError(io, 'standard input (-) can be read only once');
  return {
    check,
    address,
    optionC: lastArg(r, 'c'),
    rotated: hasFlag(r, 'r'),
    log: one('log'),
    queue,
    resolvers: all('resolver')
      .flatMap((v) => v.split(','))
      .filter((v) => v !== ''),
    offline: long.has('offline'),
    publicIps,
    domains: all('domain')
      .flatMap((v) => v.split(','))
      .map((d) => d.toLowerCase())
      .filter((v) => v !== ''),
    dnsbl: long.has('dnsbl')
      ? all('dnsbl')
          .flatMap((v) => v.split(','))
          .filter((v) => v !== '')
      : null,
    dkimSelectors: all('dkim-selector')
      .flatMap((v) => v.split(','))
      .filter((v) => v !== ''),
    opendkimConf: one('opendkim-conf'),
    probe,
    probePeers: long.has('probe-peers'),
    probeDomain: one('probe-domain') ?? 'example.net',
    json: long.has('json'),
    from: one('from'),
    sendmail: one('sendmail'),
    wait: number('wait', 1) ?? 60,
    year: number('year', 1970),
  };
}
