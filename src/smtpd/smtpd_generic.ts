/**
 * smtpd_generic: generic_checks() — evaluates one restriction list left to
 * right: each restriction permits (ends the list), refuses (ends all
 * lists), or says nothing (dunno); `warn_if_reject` turns the next
 * restriction's refusal into a logged warning; a bare `type:table` is the
 * list's own check_*_access; a word that is neither a restriction nor a
 * restriction class is a configuration error. The list stops early once a
 * DISCARD was decided, or when both a defer_if_permit and a defer_if_reject
 * are pending.
 *
 * Parameters: reject_code, defer_code, relay_domains_reject_code,
 *   multi_recipient_bounce_reject_code, smtpd_restriction_classes
 * Diagnostics: `warning: unknown smtpd restriction: "X"`, `restriction X
 *   requires domain name argument`, `restriction `X' after `permit' is ignored` ...
 * See: postfix/src/smtpd/smtpd_check.c (generic_checks, is_map_command, forbid_allowlist)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spfChecks, spfRestriction } from '../auth/auth_spf.ts';
import { checkAccess, checkDomainAccess, checkMailAccess, checkNamadrAccess } from './smtpd_access.ts';
import {
  aclPermit,
  type CheckCtx,
  deferIfPermit,
  deferIfReject,
  refuse,
  type Status,
  serverError,
} from './smtpd_check_ctx.ts';
import {
  rejectInvalidHostaddr,
  rejectInvalidHostname,
  rejectNonFqdnAddress,
  rejectNonFqdnHostname,
  rejectPlaintextSession,
  rejectUnknownAddress,
  rejectUnknownClient,
  rejectUnknownHostname,
  rejectUnknownReverseName,
} from './smtpd_check_host.ts';
import { checkPolicyService } from './smtpd_check_policy.ts';
import { permitDnswl, rejectRblAddr, rejectRblDomain } from './smtpd_check_rbl.ts';
import { checkRecipientRcptMaps, checkSenderRcptMaps } from './smtpd_check_rcpt_maps.ts';
import {
  checkRelayDomains,
  permitAuthDestination,
  permitInetInterfaces,
  permitMxBackup,
  permitMynetworks,
  permitSaslAuthenticated,
  rejectUnauthDestination,
  rejectUnauthPipelining,
} from './smtpd_check_relay.ts';
import { rejectAuthSenderLoginMismatch, rejectUnauthSenderLoginMismatch } from './smtpd_check_sasl.ts';
import { REPLY_CLASS } from './smtpd_dsn_fix.ts';

/** The restrictions that take a table argument (check_*_access type:name). */
const MAP_COMMANDS = new Set([
  'check_client_access',
  'check_reverse_client_hostname_access',
  'check_helo_access',
  'check_sender_access',
  'check_recipient_access',
  'check_etrn_access',
  'check_sasl_access',
  'check_ccert_access',
]);

/** The restrictions that take a DNS zone argument. */
const ZONE_COMMANDS = new Set([
  'reject_rbl_client',
  'reject_rbl',
  'permit_dnswl_client',
  'reject_rhsbl_client',
  'permit_rhswl_client',
  'reject_rhsbl_reverse_client',
  'reject_rhsbl_helo',
  'reject_rhsbl_sender',
  'reject_rhsbl_recipient',
]);

/** generic_checks(). */
export async function genericChecks(cc: CheckCtx, list: readonly string[]): Promise<Status> {
  const { s, cs } = cc;
  const log = s.ctx.log;
  const savedRecursion = cs.recursion++;
  let status: Status = 'dunno';
  try {
    for (let i = 0; i < list.length; i++) {
      if (s.saved.discard !== null) break;
      let name = list[i]!;
      let lname = name.toLowerCase();
      if (lname === 'warn_if_reject') {
        if (cs.warnIfReject === 0) cs.warnIfReject = cs.recursion;
        continue;
      }
      let table: string | null = null;
      if (name.includes(':')) {
        if (cc.defAcl === null) {
          log.warn(
            `specify one of (check_client_access, check_reverse_client_hostname_access, check_helo_access, check_sender_access, check_recipient_access, check_etrn_access) before ${cc.replyClass} restriction "${name}"`,
          );
          serverError(cc);
        }
        table = name;
        name = cc.defAcl;
        lname = name;
      } else if (MAP_COMMANDS.has(lname)) {
        const arg = list[i + 1];
        if (arg === undefined || !arg.includes(':')) {
          log.warn(`restriction ${lname}: bad argument "${arg ?? ''}": need maptype:mapname`);
          serverError(cc);
        }
        table = arg;
        i++;
      }
      let zone: string | null = null;
      if (ZONE_COMMANDS.has(lname)) {
        zone = list[i + 1] ?? null;
        if (zone === null) {
          log.warn(`restriction ${name} requires domain name argument`);
          continue;
        }
        i++;
      }
      status = await one(cc, lname, name, table, zone, list, i);
      if (lname === 'check_policy_service' || lname === 'sleep') i++;
      if (cs.warnIfReject >= cs.recursion) cs.warnIfReject = 0;
      if (status !== 'dunno') break;
      if (s.deferIfPermit.active && cs.deferIfRejectSlot.active) break;
    }
  } finally {
    cs.recursion = savedRecursion;
    if (cs.warnIfReject >= cs.recursion) cs.warnIfReject = 0;
  }
  return status;
}

/** forbid_allowlist(): a DNS-based lookup must not allow-list. */
function forbidAllowlist(cc: CheckCtx, name: string, status: Status, target: string): Status {
  if (cc.s.saved.discard === null && status === 'ok') {
    const log = cc.s.ctx.log;
    log.warn(`restriction ${name} returns OK for ${target}`);
    log.warn('this is not allowed for security reasons');
    log.warn('use DUNNO instead of OK if you want to make an exception');
    serverError(cc);
  }
  return status;
}

async function one(
  cc: CheckCtx,
  lname: string,
  name: string,
  table: string | null,
  zone: string | null,
  list: readonly string[],
  i: number,
): Promise<Status> {
  const { s } = cc;
  const p = s.ctx.params;
  const { peer } = s;
  const { sender, recipient, helo } = s.logged;
  const rn = cc.replyName;
  const rc = cc.replyClass;
  const ignoredAfter = (what: string) => {
    if (list[i + 1] !== undefined && cc.cs.warnIfReject === 0) {
      s.ctx.log.warn(`restriction \`${list[i + 1]}' after \`${what}' is ignored`);
    }
  };
  const permitted = async (st: Status | Promise<Status>, cls: string, target: string) =>
    (await st) === 'ok' ? aclPermit(cc, name, cls, target) : 'dunno';

  switch (lname) {
    case 'permit': {
      const st = await aclPermit(cc, name, rc, rn);
      if (list[i + 1] !== undefined) s.ctx.log.warn(`restriction \`${list[i + 1]}' after \`permit' is ignored`);
      return st;
    }
    case 'defer':
      ignoredAfter('defer');
      return refuse(cc, 'policy', p.defer_code, '4.3.2', `<${rn}>: ${rc} rejected: Try again later`);
    case 'reject':
      ignoredAfter('reject');
      return refuse(cc, 'policy', p.reject_code, '5.7.1', `<${rn}>: ${rc} rejected: Access denied`);
    case 'reject_unauth_pipelining':
      return rejectUnauthPipelining(cc);
    case 'check_policy_service': {
      const server = list[i + 1];
      if (server === undefined || !server.includes(':')) {
        s.ctx.log.warn('restriction check_policy_service must be followed by transport:server');
        serverError(cc);
      }
      return checkPolicyService(cc, server);
    }
    case 'defer_if_permit':
      return deferIfPermit(cc, true, 450, '4.7.0', `<${rn}>: ${rc} rejected: defer_if_permit requested`);
    case 'defer_if_reject':
      return deferIfReject(cc, 450, '4.7.0', `<${rn}>: ${rc} rejected: defer_if_reject requested`);
    case 'sleep': {
      const n = list[i + 1];
      if (n === undefined || !/^\d+$/.test(n)) {
        s.ctx.log.warn('restriction sleep must be followed by number');
        serverError(cc);
      }
      s.stream.flush();
      await sleep(Number(n) * 1000);
      return 'dunno';
    }
    case 'reject_plaintext_session':
      return rejectPlaintextSession(cc);
    // Client
    case 'reject_unknown_client_hostname':
    case 'reject_unknown_client':
      return rejectUnknownClient(cc);
    case 'reject_unknown_reverse_client_hostname':
      return rejectUnknownReverseName(cc);
    case 'permit_inet_interfaces':
      return permitted(permitInetInterfaces(cc), REPLY_CLASS.client, peer.namaddr);
    case 'permit_mynetworks':
      return permitted(permitMynetworks(cc), REPLY_CLASS.client, peer.namaddr);
    case 'check_client_access':
      return checkNamadrAccess(withClass(cc, REPLY_CLASS.client, peer.namaddr), table!, peer.name, peer.addr);
    case 'check_reverse_client_hostname_access': {
      const rcc = withClass(cc, REPLY_CLASS.reverseClient, peer.reverseName);
      return forbidAllowlist(
        cc,
        name,
        await checkNamadrAccess(rcc, table!, peer.reverseName, peer.addr),
        peer.reverseName,
      );
    }
    case 'reject_rbl_client':
    case 'reject_rbl':
      return rejectRblAddr(withClass(cc, REPLY_CLASS.client), zone!, peer.addr);
    case 'permit_dnswl_client':
      return permitted(
        permitDnswl(withClass(cc, REPLY_CLASS.client), zone!, peer.addr, true),
        REPLY_CLASS.client,
        peer.namaddr,
      );
    case 'reject_rhsbl_client':
      return peer.name.toLowerCase() === 'unknown'
        ? 'dunno'
        : rejectRblDomain(withClass(cc, REPLY_CLASS.client), zone!, peer.name);
    case 'permit_rhswl_client':
      if (peer.name.toLowerCase() === 'unknown') return 'dunno';
      return permitted(
        permitDnswl(withClass(cc, REPLY_CLASS.client), zone!, peer.name, false),
        REPLY_CLASS.client,
        peer.namaddr,
      );
    case 'reject_rhsbl_reverse_client':
      return peer.reverseName.toLowerCase() === 'unknown'
        ? 'dunno'
        : rejectRblDomain(withClass(cc, REPLY_CLASS.reverseClient), zone!, peer.reverseName);
    case 'check_sasl_access':
      if (!p.smtpd_sasl_auth_enable) {
        s.ctx.log.warn(`restriction \`${name}' ignored: no SASL support`);
        return 'dunno';
      }
      return s.sasl !== null && s.sasl.username !== ''
        ? (await checkAccess(withClass(cc, REPLY_CLASS.saslUser, s.sasl.username), table!, s.sasl.username)).status
        : 'dunno';
    case 'check_ccert_access':
      return 'dunno';
    // HELO
    case 'check_helo_access':
      return helo === null ? 'dunno' : (await checkDomainAccess(heloCc(cc), table!, helo)).status;
    case 'reject_invalid_helo_hostname':
    case 'reject_invalid_hostname':
      if (helo === null) return 'dunno';
      return helo.startsWith('[') ? rejectInvalidHostaddr(heloCc(cc), helo) : rejectInvalidHostname(heloCc(cc), helo);
    case 'reject_unknown_helo_hostname':
    case 'reject_unknown_hostname':
      if (helo === null) return 'dunno';
      return helo.startsWith('[') ? rejectInvalidHostaddr(heloCc(cc), helo) : rejectUnknownHostname(heloCc(cc), helo);
    case 'reject_non_fqdn_helo_hostname':
    case 'reject_non_fqdn_hostname':
      if (helo === null) return 'dunno';
      return helo.startsWith('[') ? rejectInvalidHostaddr(heloCc(cc), helo) : rejectNonFqdnHostname(heloCc(cc), helo);
    case 'reject_rhsbl_helo':
      return helo === null ? 'dunno' : rejectRblDomain(withClass(cc, REPLY_CLASS.helo), zone!, helo);
    // Sender
    case 'check_sender_access':
      if (sender === null) return 'dunno';
      return sender === ''
        ? (await checkAccess(senderCc(cc, sender), table!, p.smtpd_null_access_lookup_key)).status
        : checkMailAccess(senderCc(cc, sender), table!, sender);
    case 'reject_unknown_address':
    case 'reject_unknown_sender_domain':
      return sender ? rejectUnknownAddress(senderCc(cc, sender), sender) : 'dunno';
    case 'reject_non_fqdn_sender':
      return sender ? rejectNonFqdnAddress(senderCc(cc, sender), sender) : 'dunno';
    case 'reject_authenticated_sender_login_mismatch':
    case 'reject_known_sender_login_mismatch':
    case 'reject_unauthenticated_sender_login_mismatch':
      if (!p.smtpd_sasl_auth_enable) {
        s.ctx.log.warn(`restriction \`${name}' ignored: no SASL support`);
        return 'dunno';
      }
      if (!sender) return 'dunno';
      if (lname === 'reject_authenticated_sender_login_mismatch')
        return rejectAuthSenderLoginMismatch(cc, sender, false);
      if (lname === 'reject_unauthenticated_sender_login_mismatch') return rejectUnauthSenderLoginMismatch(cc, sender);
      return s.sasl !== null
        ? rejectAuthSenderLoginMismatch(cc, sender, true)
        : rejectUnauthSenderLoginMismatch(cc, sender);
    case 'reject_rhsbl_sender':
      return sender ? rejectRblDomain(senderCc(cc, sender), zone!, sender) : 'dunno';
    case 'reject_unlisted_sender':
      return sender ? checkSenderRcptMaps(senderCc(cc, sender), sender) : 'dunno';
    // Recipient
    case 'check_recipient_access':
      return recipient === null ? 'dunno' : checkMailAccess(rcptCc(cc, recipient), table!, recipient);
    case 'permit_mx_backup':
      return recipient === null
        ? 'dunno'
        : permitted(permitMxBackup(rcptCc(cc, recipient), recipient), REPLY_CLASS.recipient, recipient);
    case 'permit_auth_destination':
      return recipient === null
        ? 'dunno'
        : permitted(permitAuthDestination(cc, recipient), REPLY_CLASS.recipient, recipient);
    case 'reject_unauth_destination':
      return recipient === null
        ? 'dunno'
        : rejectUnauthDestination(cc, recipient, p.relay_domains_reject_code, '5.7.1');
    case 'defer_unauth_destination':
      return recipient === null
        ? 'dunno'
        : rejectUnauthDestination(cc, recipient, p.relay_domains_reject_code - 100, '4.7.1');
    case 'check_relay_domains': {
      const st = recipient === null ? 'dunno' : await checkRelayDomains(cc, recipient);
      ignoredAfter('check_relay_domains');
      return st === 'ok' ? aclPermit(cc, name, REPLY_CLASS.recipient, recipient ?? '') : st;
    }
    case 'permit_sasl_authenticated':
      return permitted(permitSaslAuthenticated(cc), REPLY_CLASS.client, peer.namaddr);
    case 'permit_tls_clientcerts':
    case 'permit_tls_all_clientcerts':
      return 'dunno';
    case 'reject_unknown_recipient_domain':
      return recipient ? rejectUnknownAddress(rcptCc(cc, recipient), recipient) : 'dunno';
    case 'reject_non_fqdn_recipient':
      return recipient ? rejectNonFqdnAddress(rcptCc(cc, recipient), recipient) : 'dunno';
    case 'reject_rhsbl_recipient':
      return recipient ? rejectRblDomain(rcptCc(cc, recipient), zone!, recipient) : 'dunno';
    case 'check_recipient_maps':
    case 'reject_unlisted_recipient':
      return recipient ? checkRecipientRcptMaps(rcptCc(cc, recipient), recipient) : 'dunno';
    case 'reject_multi_recipient_bounce':
      if (sender === '' && s.rcptCount > (s.where === 'RCPT' ? 0 : 1)) {
        return refuse(
          cc,
          'policy',
          p.multi_recipient_bounce_reject_code,
          '5.5.3',
          `<${rn}>: ${rc} rejected: Multi-recipient bounce`,
        );
      }
      return 'dunno';
    case 'reject_unverified_recipient':
    case 'reject_unverified_sender':
      // No address verification service in affix: the probe cannot be made, as when verify is down.
      s.ctx.log.warn('verify service failure');
      return 'dunno';
    // affix extension (issue 7): SPF as policyd-spf decides it (src/auth/auth_spf.ts).
    case 'reject_spf_fail':
    case 'defer_spf_temperror': {
      if (sender === null) return 'dunno';
      const checks = await spfChecks({
        ip: peer.addr,
        helo,
        sender,
        mta: p.affix_authserv_id,
        dns: s.ctx.dns,
        params: p,
      });
      const r = spfRestriction(lname, checks, p, sender, helo);
      if (r === null) return 'dunno';
      const what = r.what === 'helo' ? REPLY_CLASS.helo : REPLY_CLASS.sender;
      return refuse(cc, 'policy', r.code, r.dsn, `<${r.name}>: ${what} rejected: ${r.text}`);
    }
    // ETRN
    case 'check_etrn_access':
      if (s.etrnDomain === null) return 'dunno';
      return (await checkDomainAccess(withClass(cc, REPLY_CLASS.etrn, s.etrnDomain), table!, s.etrnDomain)).status;
    default: {
      const cls = s.ctx.restrictions.classes.get(lname);
      if (cls !== undefined) return cc.generic(cc, cls);
      s.ctx.log.warn(`unknown smtpd restriction: "${name}"`);
      return serverError(cc);
    }
  }
}

/** The same evaluation, with another object or class in replies. */
function withClass(cc: CheckCtx, replyClass: CheckCtx['replyClass'], replyName = cc.replyName): CheckCtx {
  return replyClass === cc.replyClass && replyName === cc.replyName ? cc : { ...cc, replyClass, replyName };
}

function heloCc(cc: CheckCtx): CheckCtx {
  return withClass(cc, REPLY_CLASS.helo, cc.s.logged.helo ?? '');
}

function senderCc(cc: CheckCtx, sender: string): CheckCtx {
  return withClass(cc, REPLY_CLASS.sender, sender);
}

function rcptCc(cc: CheckCtx, recipient: string): CheckCtx {
  return withClass(cc, REPLY_CLASS.recipient, recipient);
}
