/**
 * smtpd_access: access(5) tables in restrictions. check_table_result()
 * turns a table's answer into a verdict: OK/RELAY or digits permit; REJECT,
 * DEFER and `4NN`/`5NN text` refuse (with the table's code parameters, the
 * DSN fixed to the class); DUNNO, WARN and INFO go on; HOLD, DISCARD,
 * FILTER, REDIRECT, BCC and PREPEND are remembered for the message;
 * DEFER_IF_PERMIT and DEFER_IF_REJECT remember a deferral; anything else
 * names restrictions to evaluate. The lookups: by exact key (check_access),
 * by domain and its parents (check_domain_access), by address and its
 * parent networks (check_addr_access), by name then address
 * (check_namadr_access), and by mail address with Postfix's partial keys
 * (check_mail_access).
 *
 * Parameters: access_map_reject_code, access_map_defer_code,
 *   parent_domain_matches_subdomains (smtpd_access_maps), allow_untrusted_routing
 * Diagnostics: `NOQUEUE: hold|discard|warn|info|filter|redirect|bcc: ...` and
 *   the warnings of check_table_result()
 * Security: table text can name restrictions; recursion is cut at 100
 * See: postfix/src/smtpd/smtpd_check.c (check_table_result, check_access,
 *      check_domain_access, check_addr_access, check_namadr_access, check_mail_access)
 */
import { isIP } from 'node:net';
import { DictLookupError } from '../maps/dict.ts';
import { mailAddrFind } from '../maps/mail_addr_find.ts';
import type { Maps } from '../maps/maps.ts';
import {
  aclPermit,
  type CheckCtx,
  deferIfPermit,
  deferIfReject,
  dictRetry,
  refuse,
  type Status,
  serverError,
} from './smtpd_check_ctx.ts';
import { dsnSplit, REPLY_CLASS, smtpdDsnFix } from './smtpd_dsn_fix.ts';
import { isHeader } from './smtpd_proto_text.ts';
import { logWhatsup } from './smtpd_reject.ts';
import { restrictionWords } from './smtpd_restrictions.ts';

const SERVER_ERROR = '451 4.3.5 Server configuration error';

/** not_in_client_helo(): with smtpd_delay_reject=no, message actions are skipped before MAIL. */
function notInClientHelo(cc: CheckCtx, table: string, action: string): boolean {
  if (cc.s.sender !== null) return true;
  cc.s.ctx.log.warn(
    `access table ${table}: with smtpd_delay_reject=no, action ${action} is always skipped in ${REPLY_CLASS.client} or ${REPLY_CLASS.helo} restrictions`,
  );
  return false;
}

/** can_delegate_action(): HOLD, DISCARD ... need a mail transaction (and not ETRN). */
function canDelegate(cc: CheckCtx, table: string, action: string): boolean {
  if (cc.s.where === 'ETRN') {
    cc.s.ctx.log.warn(`access table ${table}: action ${action} is unavailable in smtpd_etrn_restrictions`);
    return false;
  }
  return notInClientHelo(cc, table, action);
}

/** check_table_result(): a table's answer `value` for key `datum` as a verdict. */
export async function checkTableResult(cc: CheckCtx, table: string, value: string, datum: string): Promise<Status> {
  const s = cc.s;
  const p = s.ctx.params;
  const { replyName, replyClass } = cc;
  const cmdLen = value.search(/[ \t]/) < 0 ? value.length : value.search(/[ \t]/);
  const cmd = value.slice(0, cmdLen);
  const text = value.slice(cmdLen).replace(/^[ \t\n\r\v\f]+/, '');
  const is = (name: string) => cmd.toUpperCase() === name;
  const fix = (dsn: string) => smtpdDsnFix(dsn, replyClass, (t) => s.ctx.log.info(t));

  if (is('DUNNO')) return 'dunno';
  if (is('REJECT') || is('DEFER')) {
    const dp = dsnSplit(is('REJECT') ? '5.7.1' : '4.7.1', text);
    const code = is('REJECT') ? p.access_map_reject_code : p.access_map_defer_code;
    return refuse(
      cc,
      'policy',
      code,
      fix(dp.dsn),
      `<${replyName}>: ${replyClass} rejected: ${dp.text || 'Access denied'}`,
    );
  }
  if (is('INFO') || is('WARN')) {
    logWhatsup(s, cmd.toLowerCase(), text);
    return 'dunno';
  }
  if (is('HANGUP')) {
    logWhatsup(s, 'hangup', text);
    s.stream.destroy();
    return 'dunno';
  }
  if (is('FILTER')) {
    if (!canDelegate(cc, table, 'FILTER')) return 'dunno';
    if (text === '') s.ctx.log.warn(`access table ${table} entry "${datum}" has FILTER entry without value`);
    else if (!text.includes(':'))
      s.ctx.log.warn(`access table ${table} entry "${datum}" requires transport:destination`);
    else {
      logWhatsup(s, 'filter', `<${replyName}>: ${replyClass} triggers FILTER ${text}`);
      s.saved.filter = text;
    }
    return 'dunno';
  }
  if (is('HOLD')) {
    if (!canDelegate(cc, table, 'HOLD') || s.saved.hold !== null) return 'dunno';
    const why = `<${replyName}>: ${replyClass} ${text || 'triggers HOLD action'}`;
    logWhatsup(s, 'hold', why);
    s.saved.hold = why;
    return 'dunno';
  }
  if (is('DISCARD')) {
    if (!canDelegate(cc, table, 'DISCARD')) return 'dunno';
    const why = `<${replyName}>: ${replyClass} ${text || 'triggers DISCARD action'}`;
    logWhatsup(s, 'discard', why);
    s.saved.discard = why;
    return aclPermit(cc, cmd, replyClass, replyName, `from ${table}`);
  }
  if (is('REDIRECT') || is('BCC')) {
    if (!canDelegate(cc, table, cmd.toUpperCase())) return 'dunno';
    if (!text.includes('@')) {
      s.ctx.log.warn(`access table ${table} entry "${datum}" requires user@domain target`);
      return 'dunno';
    }
    logWhatsup(s, cmd.toLowerCase(), `<${replyName}>: ${replyClass} triggers ${cmd.toUpperCase()} ${text}`);
    if (is('REDIRECT')) s.saved.redirect = text;
    else s.saved.bcc.push(text);
    return 'dunno';
  }
  if (is('DEFER_IF_PERMIT')) {
    const dp = dsnSplit('4.7.1', text);
    return deferIfPermit(
      cc,
      true,
      p.access_map_defer_code,
      fix(dp.dsn),
      `<${replyName}>: ${replyClass} rejected: ${dp.text || 'Service unavailable'}`,
    );
  }
  if (is('DEFER_IF_REJECT')) {
    const dp = dsnSplit('4.7.1', text);
    deferIfReject(
      cc,
      p.access_map_defer_code,
      fix(dp.dsn),
      `<${replyName}>: ${replyClass} rejected: ${dp.text || 'Service unavailable'}`,
    );
    return 'dunno';
  }
  if (is('PREPEND')) {
    if (!notInClientHelo(cc, table, 'PREPEND')) return 'dunno';
    if (s.where === 'END-OF-MESSAGE') {
      s.ctx.log.warn(`access table ${table}: action PREPEND must be used before smtpd_end_of_data_restrictions`);
    } else if (text === '' || !isHeader(text)) {
      s.ctx.log.warn(`access table ${table} entry "${datum}" requires header: text`);
    } else {
      s.saved.prepend.push(text);
    }
    return 'dunno';
  }
  if (/^\d+$/.test(value)) return aclPermit(cc, cmd, replyClass, replyName, `from ${table}`);
  if (cmdLen === 3 && text !== '' && /^[45]\d\d$/.test(cmd)) {
    const dp = dsnSplit(`${cmd[0]}.7.1`, text);
    return refuse(
      cc,
      'policy',
      Number(cmd),
      fix(dp.dsn),
      `<${replyName}>: ${replyClass} rejected: ${dp.text || 'Access denied'}`,
    );
  }
  if (is('OK') || is('RELAY')) return aclPermit(cc, cmd, replyClass, replyName, `from ${table}`);
  if (value.includes(':')) {
    s.ctx.log.warn(`access table ${table} has entry with lookup table: ${value}`);
    s.ctx.log.warn('do not specify lookup tables inside SMTPD access maps');
    s.ctx.log.warn('define a restriction class and specify its name instead.');
    serverError(cc);
  }
  if (cc.cs.recursion > 100) {
    s.ctx.log.warn(`access table ${table} entry ${value} causes unreasonable recursion`);
    serverError(cc);
  }
  const restrictions = restrictionWords(value);
  if (restrictions.length === 0) {
    s.ctx.log.warn(`access table ${table} entry ${value} has empty value`);
    return 'ok';
  }
  return cc.generic(cc, restrictions);
}

/** The table a restriction names; a missing one is a server configuration error. */
function mapsOf(cc: CheckCtx, table: string): Maps | null {
  const m = cc.s.ctx.restrictions.maps.get(table);
  if (m === undefined) cc.s.ctx.log.warn(`check_access: unexpected dictionary: ${table}`);
  return m ?? null;
}

/** One lookup; a table error becomes Postfix's 451 4.3.5 result. */
async function find(maps: Maps, key: string, partial: boolean): Promise<string | null> {
  try {
    return await maps.find(key, partial);
  } catch (err) {
    if (err instanceof DictLookupError) return SERVER_ERROR;
    throw err;
  }
}

export interface Found {
  readonly status: Status;
  readonly found: boolean;
}

/** check_access(): the key as it is. */
export async function checkAccess(cc: CheckCtx, table: string, name: string): Promise<Found> {
  const maps = mapsOf(cc, table);
  const value = maps === null ? SERVER_ERROR : await find(maps, name, false);
  if (value === null) return { status: 'dunno', found: false };
  return { status: await checkTableResult(cc, table, value, name), found: true };
}

/** check_domain_access(): the name, then its parent domains (not for numerical names). */
export async function checkDomainAccess(cc: CheckCtx, table: string, domain: string): Promise<Found> {
  const maps = mapsOf(cc, table);
  if (maps === null) return { status: await checkTableResult(cc, table, SERVER_ERROR, domain), found: true };
  const parentStyle = cc.s.ctx.params.parent_domain_matches_subdomains.includes('smtpd_access_maps');
  let partial = false;
  for (let name = domain; name !== ''; ) {
    const value = await find(maps, name, partial);
    if (value !== null) return { status: await checkTableResult(cc, table, value, domain), found: true };
    if (isIP(domain) !== 0) break;
    const dot = name.indexOf('.', 1);
    if (dot < 0) break;
    name = parentStyle ? name.slice(dot + 1) : name.slice(dot);
    partial = true;
  }
  return { status: 'dunno', found: false };
}

/** check_addr_access(): the address, then its parent networks (octets or IPv6 groups). */
export async function checkAddrAccess(cc: CheckCtx, table: string, address: string): Promise<Found> {
  const maps = mapsOf(cc, table);
  if (maps === null) return { status: await checkTableResult(cc, table, SERVER_ERROR, address), found: true };
  const delim = address.includes(':') ? ':' : '.';
  let key = address;
  let partial = false;
  for (;;) {
    const value = await find(maps, key, partial);
    if (value !== null) return { status: await checkTableResult(cc, table, value, address), found: true };
    const at = key.lastIndexOf(delim);
    if (at <= 0) break;
    key = key.slice(0, at);
    partial = true;
  }
  return { status: 'dunno', found: false };
}

/** check_namadr_access(): the host name (and parents), then the address (and networks). */
export async function checkNamadrAccess(cc: CheckCtx, table: string, name: string, addr: string): Promise<Status> {
  const byName = await checkDomainAccess(cc, table, name);
  if (byName.status !== 'dunno' || byName.found) return byName.status;
  const byAddr = await checkAddrAccess(cc, table, addr);
  return byAddr.status;
}

/** check_mail_access(): a mail address with Postfix's keys (user@domain, domain and parents, user@). */
export async function checkMailAccess(cc: CheckCtx, table: string, addr: string): Promise<Status> {
  const s = cc.s;
  const sender = cc.replyClass === REPLY_CLASS.sender ? (s.logged.recipient ?? '') : (s.sender ?? '');
  const reply = await s.ctx.resolver.resolve(sender, addr);
  if (reply.fail) dictRetry(cc, addr);
  if (!reply.recipient.includes('@')) {
    s.ctx.log.warn(`check_mail_access: no @domain in address: ${reply.recipient}`);
    return 'dunno';
  }
  const maps = mapsOf(cc, table);
  if (maps === null) return checkTableResult(cc, table, SERVER_ERROR, reply.recipient);
  const parentStyle = s.ctx.params.parent_domain_matches_subdomains.includes('smtpd_access_maps');
  let value: string | null;
  try {
    const r = await mailAddrFind(maps, reply.recipient, {
      recipient_delimiter: s.ctx.config.value('recipient_delimiter'),
      strategy: ['full', 'noext', 'domain', parentStyle ? 'pdms' : 'pddms', 'localpart_at'],
    });
    value = r?.value ?? null;
  } catch (err) {
    if (!(err instanceof DictLookupError)) throw err;
    value = SERVER_ERROR;
  }
  if (value === null) return 'dunno';
  const status = await checkTableResult(cc, table, value, reply.recipient);
  const suspicious = !s.ctx.params.allow_untrusted_routing && reply.routed && cc.replyClass === REPLY_CLASS.recipient;
  return status === 'ok' && suspicious ? 'dunno' : status;
}
