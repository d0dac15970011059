/**
 * smtpd_check_rcpt_maps: reject_unlisted_recipient and
 * reject_unlisted_sender — an address in a domain this system is final or
 * relay destination for must be listed in that domain class's recipient
 * table (local_recipient_maps, virtual_mailbox_maps, relay_recipient_maps),
 * unless a canonical or virtual alias table knows it; an address that
 * resolves to the error transport (virtual alias domains) is refused with
 * its text. smtpd_reject_unlisted_recipient applies the recipient check
 * after the lists even when no list names it.
 *
 * Parameters: local_recipient_maps, virtual_mailbox_maps, relay_recipient_maps,
 *   virtual_alias_maps, canonical_maps, sender_canonical_maps, recipient_canonical_maps,
 *   unknown_local_recipient_reject_code, unknown_virtual_mailbox_reject_code,
 *   unknown_relay_recipient_reject_code, unknown_virtual_alias_reject_code,
 *   show_user_unknown_table_name, double_bounce_sender, recipient_delimiter
 * See: postfix/src/smtpd/smtpd_check.c (check_rcpt_maps, check_recipient_rcpt_maps,
 *      check_sender_rcpt_maps)
 */
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import { type CheckCtx, dictRetry, refuse, type Status } from './smtpd_check_ctx.ts';
import { dsnSplit, REPLY_CLASS, smtpdDsnFix } from './smtpd_dsn_fix.ts';

async function match(cc: CheckCtx, maps: Maps | null, recipient: string, address: string): Promise<boolean> {
  if (maps === null) return false;
  try {
    return (
      (await mailAddrFind(maps, address, {
        recipient_delimiter: cc.s.ctx.config.value('recipient_delimiter'),
        myorigin: cc.s.ctx.config.value('myorigin'),
        isLocalDomain: (d) => cc.s.ctx.resolver.isLocalDomain(d),
      })) !== null
    );
  } catch (err) {
    if (err instanceof DictLookupError) dictRetry(cc, recipient);
    throw err;
  }
}

/** `name@...` without case: the special local parts that need no table entry. */
function matchLeft(local: string, address: string): boolean {
  return address.toLowerCase().startsWith(`${local.toLowerCase()}@`);
}

/** check_rcpt_maps(): `recipient` in class `replyClass` (sender or recipient). */
export async function checkRcptMaps(cc: CheckCtx, other: string, recipient: string, sender: boolean): Promise<Status> {
  const s = cc.s;
  const { params, config, restrictions } = s.ctx;
  const tables = restrictions.recipientTables;
  const reply = await s.ctx.resolver.resolve(other, recipient);
  if (reply.fail) dictRetry(cc, recipient);
  const resolved = reply.recipient;
  const replyClass = sender ? REPLY_CLASS.sender : REPLY_CLASS.recipient;
  if (
    (await match(cc, tables.recipient_canonical_maps, recipient, resolved)) ||
    (sender && (await match(cc, tables.sender_canonical_maps, recipient, resolved))) ||
    (await match(cc, tables.canonical_maps, recipient, resolved)) ||
    (await match(cc, tables.virtual_alias_maps, recipient, resolved))
  ) {
    return 'dunno';
  }
  const fix = (dsn: string) => smtpdDsnFix(dsn, replyClass, (t) => s.ctx.log.info(t));
  if (reply.transport === 'error' || reply.transport === 'retry') {
    const error = reply.transport === 'error';
    const dp = dsnSplit(error ? (sender ? '5.1.0' : '5.1.1') : sender ? '4.1.0' : '4.1.1', reply.nexthop);
    const code = error ? (reply.class === 'alias' ? params.unknown_virtual_alias_reject_code : 550) : 450;
    return refuse(cc, 'bounce', code, fix(dp.dsn), `<${recipient}>: ${replyClass} rejected: ${dp.text}`);
  }
  const unknown = (code: number, table: string) =>
    refuse(
      cc,
      'bounce',
      code,
      sender ? '5.1.0' : '5.1.1',
      `<${recipient}>: ${replyClass} rejected: User unknown${params.show_user_unknown_table_name ? ` in ${table}` : ''}`,
    );
  switch (reply.class) {
    case 'local':
      if (
        tables.local_recipient_maps !== null &&
        !matchLeft(config.value('double_bounce_sender'), resolved) &&
        !matchLeft('postmaster', resolved) &&
        !matchLeft('MAILER-DAEMON', resolved) &&
        !(await match(cc, tables.local_recipient_maps, recipient, resolved))
      ) {
        return unknown(params.unknown_local_recipient_reject_code, 'local recipient table');
      }
      break;
    case 'virtual':
      if (
        tables.virtual_mailbox_maps !== null &&
        !(await match(cc, tables.virtual_mailbox_maps, recipient, resolved))
      ) {
        return unknown(params.unknown_virtual_mailbox_reject_code, 'virtual mailbox table');
      }
      break;
    case 'relay':
      if (
        tables.relay_recipient_maps !== null &&
        !(await match(cc, tables.relay_recipient_maps, recipient, resolved))
      ) {
        return unknown(params.unknown_relay_recipient_reject_code, 'relay recipient table');
      }
      break;
    default:
      break;
  }
  return 'dunno';
}

/** check_recipient_rcpt_maps(): once per RCPT. */
export function checkRecipientRcptMaps(cc: CheckCtx, recipient: string): Promise<Status> | Status {
  if (cc.s.mapChecked.recipient) return 'dunno';
  if (cc.cs.warnIfReject === 0) cc.s.mapChecked.recipient = true;
  return checkRcptMaps(cc, cc.s.sender ?? '', recipient, false);
}

/** check_sender_rcpt_maps(): once per evaluation of the sender restrictions. */
export function checkSenderRcptMaps(cc: CheckCtx, sender: string): Promise<Status> | Status {
  if (cc.s.mapChecked.sender) return 'dunno';
  if (cc.cs.warnIfReject === 0) cc.s.mapChecked.sender = true;
  return checkRcptMaps(cc, cc.s.logged.recipient ?? '', sender, true);
}
