/**
 * doctor_mailbox: check 6, mailbox full and user unknown, with remote and
 * local causes told apart. Remote: the receiving server's 552 5.2.2 (over
 * quota) or 550 5.1.1 (no such user), per destination: nothing to fix here
 * but the address or the sender's expectations. Local: which mailbox, its
 * size against mailbox_size_limit or virtual_mailbox_limit (an LMTP store
 * such as Dovecot: its quota); which user is unknown, whether the alias or
 * mailbox table has it now, and whether unknown users are refused at SMTP
 * time (local_recipient_maps) or accepted and bounced (backscatter). Also
 * inbound rejects of postmaster@ or abuse@, addresses every domain must
 * have (RFC 5321 4.5.1, RFC 2142).
 *
 * Parameters: mailbox_size_limit, virtual_mailbox_limit, message_size_limit,
 *   local_recipient_maps, alias_maps, virtual_mailbox_maps, virtual_alias_maps
 * Security: reads the mailbox's size (stat) and the tables; nothing else
 * See: postfix/src/local/mailbox.c, postfix/src/virtual/mailbox.c, postfix/src/global/mbox_open.c
 */
import { stat } from 'node:fs/promises';
import type { Config } from '../config/config.ts';
import { openMaps } from '../maps/maps.ts';
import { paramNumber, paramValue, settingLine } from './doctor_config.ts';
import type { DoctorRun } from './doctor_context.ts';
import { type Finding, findingMaker, plural } from './doctor_finding.ts';
import type { DeliveryProblem } from './doctor_log.ts';
import { whenText } from './doctor_log_group.ts';

const LOCAL_AGENTS = new Set(['local', 'virtual']);

const mbox = findingMaker('mailbox');

function bytes(n: number): string {
  return n >= 1_048_576 ? `${(n / 1_048_576).toFixed(1)} MB (${n} bytes)` : `${n} bytes`;
}

/** `cannot update mailbox /var/mail/carol for user carol.` / `delivery failed to mailbox /x/y:` -> the path. */
function mailboxPath(text: string): string | null {
  return /mailbox (\/[^\s:]+?)(?: for user |:|$)/.exec(text)?.[1] ?? null;
}

async function findInMaps(config: Config, param: string, key: string): Promise<string | null | 'error'> {
  const value = paramValue(config, param);
  if (value.trim() === '') return null;
  try {
    const maps = await openMaps(param, value, { log: { warn: () => {}, error: () => {} }, surrogate: true });
    try {
      return await maps.find(key);
    } finally {
      await maps.close();
    }
  } catch {
    return 'error';
  }
}

async function localFull(run: DoctorRun, g: DeliveryProblem): Promise<Finding> {
  const cfg = run.config;
  const limitParam = g.agent === 'virtual' ? 'virtual_mailbox_limit' : 'mailbox_size_limit';
  const limit = paramNumber(cfg, limitParam);
  const messageLimit = paramNumber(cfg, 'message_size_limit');
  const evidence = [...g.samples, settingLine(cfg, limitParam), settingLine(cfg, 'message_size_limit')];
  const paths = g.texts.map(mailboxPath).filter((p): p is string => p !== null);
  for (const p of [...new Set(paths)]) {
    try {
      const st = await stat(p);
      evidence.push(
        `${p}: ${st.isDirectory() ? 'a maildir' : `${bytes(st.size)} now`}${limit !== null && limit > 0 && st.isFile() ? `, ${Math.round((st.size / limit) * 100)}% of ${limitParam}` : ''}`,
      );
    } catch (err) {
      evidence.push(`${p}: ${(err as NodeJS.ErrnoException).code ?? 'not readable'} (now)`);
    }
  }
  const tooSmall = limit !== null && messageLimit !== null && limit > 0 && limit < messageLimit;
  return mbox(
    g.status === 'bounced' ? 'error' : 'warning',
    `mailbox.local_full`,
    `${plural(g.count, 'message')} ${g.status} because a ${g.agent} mailbox is full (${g.recipients.slice(0, 3).join(', ')})`,
    [whenText(g), ...evidence],
    tooSmall
      ? `${limitParam} (${limit}) is smaller than message_size_limit (${messageLimit}): a mailbox fills up with even one large message`
      : `the mailbox reached ${limitParam}${limit === 0 ? ' (0 = no limit: the file system refused, File too large)' : ''}; Postfix bounces (5.2.2), it does not retry`,
    `the user must delete or archive mail (the mailbox file above); or raise the limit: postconf -e '${limitParam} = ${Math.max((limit ?? 0) * 2, (messageLimit ?? 10_240_000) * 5)}' (at least message_size_limit; 0 = no limit), then \`postfix reload\``,
  );
}

async function localUnknown(run: DoctorRun, g: DeliveryProblem): Promise<Finding> {
  const cfg = run.config;
  const evidence = [whenText(g), ...g.samples];
  const users = g.texts.map((t) => /unknown user: "([^"]+)"/.exec(t)?.[1]).filter((u): u is string => u !== undefined);
  const known: string[] = [];
  for (const u of [...new Set(users)].slice(0, 5)) {
    const local = u.includes('@') ? u.slice(0, u.lastIndexOf('@')) : u;
    const param = g.agent === 'virtual' ? 'virtual_mailbox_maps' : 'alias_maps';
    const found = await findInMaps(cfg, param, g.agent === 'virtual' ? u : local);
    if (typeof found === 'string' && found !== 'error') known.push(u);
    evidence.push(
      `${u}: ${found === 'error' ? `${param} cannot be read here` : found === null ? `not in ${param}` : `now in ${param} (${found})`}`,
    );
  }
  const lrm = paramValue(cfg, 'local_recipient_maps').trim();
  evidence.push(settingLine(cfg, 'local_recipient_maps'));
  const acceptsUnknown = g.agent === 'local' && lrm === '';
  return mbox(
    known.length > 0 && known.length === users.length ? 'info' : 'warning',
    'mailbox.local_unknown',
    `${plural(g.count, 'message')} bounced by ${g.agent} delivery: unknown user (${[...new Set(users)].slice(0, 3).join(', ') || g.recipients.slice(0, 3).join(', ')})`,
    evidence,
    `${g.agent === 'virtual' ? 'virtual_mailbox_maps' : 'neither alias_maps nor the passwd file'} has the recipient${known.length > 0 ? ' (some have been added since)' : ''}${
      acceptsUnknown
        ? '; and local_recipient_maps is empty, so smtpd accepted the mail before the user was known, and the bounce goes to a sender address that may be forged (backscatter)'
        : ''
    }`,
    [
      g.agent === 'virtual'
        ? `add the address to the virtual_mailbox_maps source (e.g. /etc/postfix/vmailbox: "${users[0] ?? 'user@domain'} domain/user/") and run \`postmap /etc/postfix/vmailbox\``
        : `if the name should receive mail: add an alias to /etc/aliases ("${(users[0] ?? 'name').replace(/@.*/, '')}: someone") and run \`newaliases\`, or create the user`,
      ...(acceptsUnknown
        ? [
            'and refuse unknown users at SMTP time: local_recipient_maps = proxy:unix:passwd.byname $alias_maps (the default), then `postfix reload`',
          ]
        : []),
    ].join('; '),
  );
}

function errorTransport(run: DoctorRun, g: DeliveryProblem): Finding {
  return mbox(
    'info',
    'mailbox.error_transport',
    `${g.domain}: ${plural(g.count, 'message')} bounced by the error transport (${g.texts[0] ?? ''})`,
    [whenText(g), ...g.samples, settingLine(run.config, 'transport_maps')],
    'the recipient resolves to the error transport (a transport_maps "error:" entry, or an address class whose transport is error): Postfix bounces it on purpose',
    `if that is not intended, remove the entry: \`postmap -q ${g.domain} <transport_maps table>\` shows it`,
  );
}

function remoteFinding(g: DeliveryProblem): Finding {
  const full = g.cls === 'mailbox_full';
  const lmtp = g.agent === 'lmtp';
  return mbox(
    g.status === 'bounced' ? 'warning' : 'info',
    full
      ? lmtp
        ? 'mailbox.store_full'
        : 'mailbox.remote_full'
      : lmtp
        ? 'mailbox.store_unknown'
        : 'mailbox.remote_unknown',
    `${g.domain}: ${plural(g.count, 'delivery', 'deliveries')} ${g.status}, ${full ? 'mailbox full' : 'user unknown'}${lmtp ? ' (LMTP mail store)' : ''} (${g.recipients.slice(0, 3).join(', ')})`,
    [whenText(g), ...g.samples, ...g.relays.map((r) => `relay ${r}`)],
    lmtp
      ? full
        ? 'the mail store (Dovecot over LMTP) refused: the user is over quota'
        : 'the mail store (Dovecot over LMTP) does not know the user'
      : full
        ? `the receiving server at ${g.domain} says the recipient's mailbox is full: nothing is wrong on this host`
        : `the receiving server at ${g.domain} says the address does not exist: a typo, or an address that was closed`,
    lmtp
      ? full
        ? 'check and raise the quota: `doveadm quota get -u USER`, or have the user clean up'
        : 'create the user in the mail store, or stop routing the address there (virtual_transport / mailbox_transport)'
      : full
        ? 'tell the sender; Postfix retries 4.2.2 deferrals until maximal_queue_lifetime'
        : 'correct the address or remove it from lists and forwards',
  );
}

async function inboundFindings(run: DoctorRun): Promise<Finding[]> {
  const facts = await run.logFacts();
  if (facts === null) return [];
  const out: Finding[] = [];
  const unknown = facts.rejects
    .values()
    .filter((g) => /User unknown in|Recipient address rejected: .*unknown/i.test(g.reason));
  const role = unknown.flatMap((g) => g.recipients).filter((r) => /^(postmaster|abuse)@/i.test(r));
  if (role.length > 0) {
    out.push(
      mbox(
        'warning',
        'mailbox.role_missing',
        `mail to ${[...new Set(role)].join(', ')} was refused as unknown`,
        unknown.filter((g) => g.recipients.some((r) => role.includes(r))).flatMap((g) => g.samples),
        'every mail domain must accept postmaster@ (RFC 5321) and should accept abuse@ (RFC 2142); blacklist operators and receivers write there',
        'add aliases: "postmaster: root" and "abuse: root" to /etc/aliases, `newaliases` (virtual domains: entries in virtual_alias_maps, then postmap)',
      ),
    );
  }
  const total = unknown.reduce((n, g) => n + g.count, 0);
  if (total > 0) {
    out.push(
      mbox(
        'info',
        'mailbox.inbound_unknown',
        `${plural(total, 'message')} to unknown recipients refused at SMTP time`,
        unknown.slice(0, 6).map((g) => `${g.count} × ${g.reason} (e.g. ${g.recipients[0] ?? '?'})`),
        'senders used addresses this host does not have: refusing them at RCPT (550 5.1.1) is correct and avoids backscatter',
        'nothing, unless a real user is among them: then add the alias or mailbox entry',
      ),
    );
  }
  return out;
}

async function queueFindings(run: DoctorRun): Promise<Finding[]> {
  const q = await run.queue();
  if (q === null) return [];
  const full = q.messages.flatMap((m) =>
    m.recipients
      .filter((r) => r.reason !== null && /\b4\.2\.2\b|over quota|mailbox (?:is )?full|quota exceeded/i.test(r.reason))
      .map((r) => `${m.id} ${r.address}: ${r.reason}`),
  );
  if (full.length === 0) return [];
  return [
    mbox(
      'info',
      'mailbox.queued_full',
      `${plural(full.length, 'recipient')} in the queue waiting on a full mailbox`,
      full,
      'the receiving side said the mailbox is over quota (temporary): Postfix retries until maximal_queue_lifetime',
      'nothing here; the recipient must make room',
    ),
  ];
}

export async function mailboxCheck(run: DoctorRun): Promise<Finding[]> {
  const out: Finding[] = [];
  const facts = await run.logFacts();
  if (facts !== null) {
    const groups = facts.deliveries
      .values()
      .filter((g) => g.cls === 'mailbox_full' || g.cls === 'user_unknown')
      .sort((a, b) => b.count - a.count);
    for (const g of groups.slice(0, 15)) {
      if (g.agent === 'error') out.push(errorTransport(run, g));
      else if (LOCAL_AGENTS.has(g.agent))
        out.push(g.cls === 'mailbox_full' ? await localFull(run, g) : await localUnknown(run, g));
      else out.push(remoteFinding(g));
    }
  }
  out.push(...(await inboundFindings(run)), ...(await queueFindings(run)));
  return out;
}
