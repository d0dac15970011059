/**
 * smtpd_restrictions: the restriction lists of one smtpd service, read
 * once: the eight lists, the named restriction classes, the tempfail
 * actions, and the tables they name (opened here, before any client
 * connects). It also makes Postfix's start-up safety check: one of the two
 * RCPT lists must be able to refuse relaying, or smtpd does not start.
 *
 * Parameters: smtpd_client_restrictions, smtpd_helo_restrictions,
 *   smtpd_sender_restrictions, smtpd_relay_restrictions,
 *   smtpd_recipient_restrictions, smtpd_data_restrictions,
 *   smtpd_end_of_data_restrictions, smtpd_etrn_restrictions,
 *   smtpd_restriction_classes (and each class's own parameter),
 *   unknown_address_tempfail_action, unknown_helo_hostname_tempfail_action,
 *   smtpd_log_access_permit_actions, rbl_reply_maps, smtpd_sender_login_maps,
 *   local_recipient_maps, virtual_mailbox_maps, relay_recipient_maps, virtual_alias_maps,
 *   canonical_maps, sender_canonical_maps, recipient_canonical_maps
 * Diagnostics: fatal `in parameter smtpd_relay_restrictions or
 *   smtpd_recipient_restrictions, specify at least one working instance of: ...`;
 *   fatal `restriction class `X' needs a definition`; fatal `bad configuration: P = V`
 * See: postfix/src/smtpd/smtpd_check.c (smtpd_check_init, smtpd_check_parse, has_required)
 */
import type { Config } from '../config/config.ts';
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import type { Log } from '../log/log.ts';
import type { Maps } from '../maps/maps.ts';
import type { MatchList } from './smtpd_match_list.ts';
import { PolicyClients } from './smtpd_policy_client.ts';
import type { SmtpdTables } from './smtpd_tables.ts';

/** The restrictions that can refuse unauthorized relaying (rcpt_required). */
const RCPT_REQUIRED = [
  'reject_unauth_destination',
  'defer_unauth_destination',
  'reject',
  'defer',
  'defer_if_permit',
  'check_relay_domains',
] as const;

export interface SmtpdRestrictions {
  readonly client: readonly string[];
  readonly helo: readonly string[];
  readonly sender: readonly string[];
  readonly relay: readonly string[];
  readonly recipient: readonly string[];
  readonly data: readonly string[];
  readonly eod: readonly string[];
  readonly etrn: readonly string[];
  /** smtpd_restriction_classes, by lower-case name. */
  readonly classes: ReadonlyMap<string, readonly string[]>;
  /** unknown_address_tempfail_action / unknown_helo_hostname_tempfail_action: true for defer_if_permit. */
  readonly unknownAddressDeferIfPermit: boolean;
  readonly unknownHeloDeferIfPermit: boolean;
  /** The access tables the lists name, by `type:name`. */
  readonly maps: ReadonlyMap<string, Maps>;
  readonly policy: PolicyClients;
  readonly permitLog: MatchList;
  readonly rblReplyMaps: Maps | null;
  readonly senderLoginMaps: Maps | null;
  /** The tables reject_unlisted_recipient and _sender consult. */
  readonly recipientTables: RecipientTables;
}

/** The tables of the recipient validation (null: parameter empty). */
export interface RecipientTables {
  readonly local_recipient_maps: Maps | null;
  readonly virtual_mailbox_maps: Maps | null;
  readonly relay_recipient_maps: Maps | null;
  readonly virtual_alias_maps: Maps | null;
  readonly canonical_maps: Maps | null;
  readonly sender_canonical_maps: Maps | null;
  readonly recipient_canonical_maps: Maps | null;
}

/** A list as words: commas, white space, `{...}` kept whole. */
export function restrictionWords(value: string): string[] {
  return splitQuoted(value, CHARS_COMMA_SP);
}

function hasRequired(list: readonly string[], classes: ReadonlyMap<string, readonly string[]>, log: Log): boolean {
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!.toLowerCase();
    if (r === 'warn_if_reject' && i + 1 < list.length) {
      i++;
      continue;
    }
    if (r === 'permit') {
      if (i + 1 < list.length) log.warn(`restriction \`${list[i + 1]}' after \`${list[i]}' is ignored`);
      return false;
    }
    if ((RCPT_REQUIRED as readonly string[]).includes(r)) return true;
    const expansion = classes.get(r);
    if (expansion !== undefined && hasRequired(expansion, classes, log)) return true;
  }
  return false;
}

function tempfailAction(config: Config, log: Log, name: string): boolean {
  const v = config.value(name);
  if (v === 'defer_if_permit') return true;
  if (v === 'defer') return false;
  return log.fatal(`bad configuration: ${name} = ${v}`);
}

/** Reads and checks the restriction lists; log.fatal() (which throws) when smtpd must not start. */
export async function createRestrictions(
  config: Config,
  log: Log,
  tables: SmtpdTables,
  permitLog: MatchList,
): Promise<SmtpdRestrictions> {
  const p = config.params;
  const classes = new Map<string, readonly string[]>();
  for (const name of p.smtpd_restriction_classes) {
    const value = config.value(name);
    if (value.trim() === '') log.fatal(`restriction class \`${name}' needs a definition`);
    classes.set(name.toLowerCase(), restrictionWords(value));
  }
  classes.set('reject_sender_login_mismatch', [
    'reject_authenticated_sender_login_mismatch',
    'reject_unauthenticated_sender_login_mismatch',
  ]);
  const lists = {
    client: p.smtpd_client_restrictions,
    helo: p.smtpd_helo_restrictions,
    sender: p.smtpd_sender_restrictions,
    relay: p.smtpd_relay_restrictions,
    recipient: p.smtpd_recipient_restrictions,
    data: p.smtpd_data_restrictions,
    eod: p.smtpd_end_of_data_restrictions,
    etrn: p.smtpd_etrn_restrictions,
  };
  if (!hasRequired(lists.recipient, classes, log) && !hasRequired(lists.relay, classes, log)) {
    log.fatal(
      `in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: ${RCPT_REQUIRED.slice(0, -1).join(', ')} or ${RCPT_REQUIRED.at(-1)}`,
    );
  }
  const maps = new Map<string, Maps>();
  const policy = new PolicyClients(config, log);
  for (const list of [...Object.values(lists), ...classes.values()]) {
    for (let i = 0; i < list.length; i++) {
      const word = list[i]!;
      if (word.toLowerCase() === 'check_policy_service' && i + 1 < list.length) {
        policy.register(list[++i]!);
      } else if (word.includes(':') && !maps.has(word)) {
        const m = await tables.maps(word, word);
        if (m !== null) maps.set(word, m);
      }
    }
  }
  const open = (name: string) => tables.maps(name, config.value(name));
  const recipientTables: RecipientTables = {
    local_recipient_maps: await open('local_recipient_maps'),
    virtual_mailbox_maps: await open('virtual_mailbox_maps'),
    relay_recipient_maps: await open('relay_recipient_maps'),
    virtual_alias_maps: await open('virtual_alias_maps'),
    canonical_maps: await open('canonical_maps'),
    sender_canonical_maps: await open('sender_canonical_maps'),
    recipient_canonical_maps: await open('recipient_canonical_maps'),
  };
  return {
    ...lists,
    rblReplyMaps: await open('rbl_reply_maps'),
    senderLoginMaps: await open('smtpd_sender_login_maps'),
    recipientTables,
    classes,
    unknownAddressDeferIfPermit: tempfailAction(config, log, 'unknown_address_tempfail_action'),
    unknownHeloDeferIfPermit: tempfailAction(config, log, 'unknown_helo_hostname_tempfail_action'),
    maps,
    policy,
    permitLog,
  };
}
