/**
 * doctor_relay_probe: `affix doctor relay --probe HOST:PORT` tries to
 * relay through a server as an untrusted, unauthenticated client, with
 * the classic tricks (nmap's smtp-open-relay list, bench-and-security.md
 * 4.3): a plain remote recipient, the percent hack, bang paths, source
 * routes, quoted local parts, double `@`, address literals, each from the
 * null sender, a remote sender and a sender claiming the server's own
 * name. A recipient accepted at RCPT is an open relay. It never sends DATA:
 * after an accepted RCPT it resets the transaction, so no mail is relayed.
 *
 * Security: connects only to the target given (tests: loopback); sends no
 *   message content; reconnects every few recipients so the server's error
 *   limits (smtpd_soft_error_limit) do not slow it down
 * See: nmap scripts/smtp-open-relay.nse, postfix/src/smtpd/smtpd_check.c (reject_unauth_destination)
 */
import { type Finding, finding, plural } from './doctor_finding.ts';
import { formatReply, parseProbeTarget, SmtpProbeClient, type SmtpReply } from './doctor_smtp_client.ts';

export interface RelayAttempt {
  readonly from: string;
  readonly to: string;
  /** The reply to RCPT (or to MAIL FROM when that was refused). */
  readonly reply: string;
  readonly accepted: boolean;
}

/** The recipient forms tried, with DOMAIN (the foreign domain), IP and SRVNAME (the server's name) filled in. */
export function relayRecipients(domain: string, ip: string, srvname: string): string[] {
  const lit = `[${ip}]`;
  return [
    `relaytest@${domain}`,
    `relaytest%${domain}@${lit}`,
    `relaytest%${domain}@${srvname}`,
    `"relaytest@${domain}"`,
    `"relaytest%${domain}"`,
    `relaytest@${domain}@${lit}`,
    `"relaytest@${domain}"@${lit}`,
    `relaytest@${domain}@${srvname}`,
    `@${lit}:relaytest@${domain}`,
    `@${srvname}:relaytest@${domain}`,
    `${domain}!relaytest`,
    `${domain}!relaytest@${lit}`,
    `${domain}!relaytest@${srvname}`,
    `relaytest@${domain}.`,
  ];
}

/** Recipients tried per connection: below smtpd_soft_error_limit (10), so no error sleep starts. */
const PER_CONNECTION = 8;

async function session(
  host: string,
  port: number,
  from: string,
  rcpts: readonly string[],
  out: RelayAttempt[],
): Promise<void> {
  const c = await SmtpProbeClient.open({ host, port });
  try {
    const greeting = await c.reply();
    if (greeting.code !== 220) throw new Error(`greeting: ${formatReply(greeting)}`);
    const ehlo = await c.command('EHLO relay-probe.example.net');
    if (ehlo.code !== 250) await c.command('HELO relay-probe.example.net');
    let mail: SmtpReply = await c.command(`MAIL FROM:<${from}>`);
    for (const to of rcpts) {
      if (mail.code !== 250) {
        out.push({ from, to, reply: `MAIL FROM refused: ${formatReply(mail)}`, accepted: false });
        continue;
      }
      const r = await c.command(`RCPT TO:<${to}>`);
      const accepted = r.code >= 200 && r.code < 300;
      out.push({ from, to, reply: formatReply(r), accepted });
      if (r.code === 421) break;
      if (accepted) {
        await c.command('RSET');
        mail = await c.command(`MAIL FROM:<${from}>`);
      }
    }
  } finally {
    await c.close();
  }
}

/** The server's name from its greeting (`220 mx.example.com ESMTP` -> `mx.example.com`). */
async function serverName(host: string, port: number): Promise<{ name: string; ip: string }> {
  const c = await SmtpProbeClient.open({ host, port });
  try {
    const greeting = await c.reply();
    const name = /^([A-Za-z0-9.-]+\.[A-Za-z0-9-]+)/.exec(greeting.lines[0] ?? '')?.[1] ?? host;
    return { name, ip: c.remoteAddress };
  } finally {
    await c.close();
  }
}

/** Runs every trick against `target` (HOST:PORT) and returns each attempt. */
export async function relayProbe(target: string, domain: string): Promise<RelayAttempt[]> {
  const t = parseProbeTarget(target);
  if (t === null) throw new Error(`bad probe target: ${target} (expected HOST:PORT)`);
  const { name, ip } = await serverName(t.host, t.port);
  const rcpts = relayRecipients(domain, ip, name);
  const senders = ['', `relaytest@${domain}`, `postmaster@${name}`];
  const out: RelayAttempt[] = [];
  for (const from of senders) {
    for (let i = 0; i < rcpts.length; i += PER_CONNECTION) {
      const batch = rcpts.slice(i, i + PER_CONNECTION);
      const before = out.length;
      try {
        await session(t.host, t.port, from, batch, out);
      } catch (err) {
        // a server that hangs up (421, too many errors) refused the rest of the batch
        for (const to of batch.slice(out.length - before)) {
          out.push({ from, to, reply: `no answer: ${(err as Error).message}`, accepted: false });
        }
      }
    }
  }
  return out;
}

/** The probe's findings: critical for every accepted trick, ok when all were refused. */
export async function relayProbeFindings(target: string, domain: string): Promise<Finding[]> {
  let attempts: RelayAttempt[];
  try {
    attempts = await relayProbe(target, domain);
  } catch (err) {
    return [
      finding({
        severity: 'error',
        check: 'relay',
        id: 'relay.probe_failed',
        title: `the relay probe of ${target} could not run`,
        evidence: [(err as Error).message],
        cause: 'the server could not be reached or did not speak SMTP',
        fix: 'check the address and port; the probe needs a direct connection to the server',
      }),
    ];
  }
  const accepted = attempts.filter((a) => a.accepted);
  if (accepted.length > 0) {
    return [
      finding({
        severity: 'critical',
        check: 'relay',
        id: 'relay.probe_open',
        title: `open relay: ${target} accepted ${plural(accepted.length, 'relay trick')} of ${attempts.length} from an unauthenticated client`,
        evidence: accepted.map((a) => `MAIL FROM:<${a.from}> RCPT TO:<${a.to}> -> ${a.reply}`),
        cause: `the server accepts recipients in ${domain}, which is not its domain, from a client that neither authenticated nor is trusted: anyone can send spam through it (unless the probe ran from an address the server trusts, in its mynetworks: then probe from outside)`,
        fix: 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination; mynetworks = only your own hosts; allow_untrusted_routing = no; then `postfix reload` and probe again',
      }),
    ];
  }
  const replies = new Map<string, number>();
  for (const a of attempts) {
    const key = a.reply.replace(/<[^>]*>/g, '<...>');
    replies.set(key, (replies.get(key) ?? 0) + 1);
  }
  return [
    finding({
      severity: 'ok',
      check: 'relay',
      id: 'relay.probe_closed',
      title: `${target} refused all ${attempts.length} relay tricks`,
      evidence: [...replies.entries()].map(([r, n]) => `${n} × ${r}`),
      cause: 'an unauthenticated, untrusted client cannot relay through this server',
      fix: '',
    }),
  ];
}
