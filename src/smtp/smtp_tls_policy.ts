/**
 * smtp_tls_policy: the TLS security level for a destination, and how the
 * server certificate must match: smtp_tls_policy_maps (looked up by the
 * nexthop as written, then by parent domains as `.parent`), else
 * smtp_tls_security_level, else the legacy smtp_use_tls/smtp_enforce_tls.
 *
 * Parameters: smtp_tls_security_level, smtp_tls_policy_maps, smtp_use_tls,
 *   smtp_enforce_tls, smtp_tls_enforce_peername, smtp_tls_verify_cert_match,
 *   smtp_tls_secure_cert_match, smtp_tls_fingerprint_cert_match (lmtp_* for lmtp)
 * Diagnostics: warnings `smtp_tls_policy_maps, next-hop destination "KEY": ...` as
 *   Postfix words them; the delivery then defers with "client TLS configuration problem"
 * The `dane` and `dane-only` levels are returned as asked; smtp_tls_dane.ts
 *   resolves them per server (TLSA records, Postfix's downgrade rules).
 * See: postfix/src/smtp/smtp_tls_policy.c, postfix/src/tls/tls_level.c
 */
import { CHARS_COMMA_SP, splitQuoted } from '../config/config_split.ts';
import { DictLookupError } from '../maps/dict.ts';
import type { SmtpContext } from './smtp_context.ts';
import { TLS_LEVEL_RANK, type TlsLevel, type TlsPolicy, type TlsPolicyResult } from './smtp_tls_level.ts';

function parseLevel(word: string): TlsLevel | null {
  const w = word.toLowerCase();
  // half-dane is an outcome of DANE resolution (smtp_tls_dane.ts), not a level one can ask for.
  if (w === 'half-dane') return null;
  return Object.hasOwn(TLS_LEVEL_RANK, w) ? (w as TlsLevel) : null;
}

/** The match list a level uses by default. */
function defaultMatch(ctx: SmtpContext, level: TlsLevel): readonly string[] {
  const s = ctx.settings;
  if (level === 'verify') return s.smtp_tls_verify_cert_match;
  if (level === 'secure') return s.smtp_tls_secure_cert_match;
  if (level === 'fingerprint') return s.smtp_tls_fingerprint_cert_match;
  return [];
}

/** The level from the main.cf settings alone. */
export function defaultTlsLevel(ctx: SmtpContext): TlsPolicyResult {
  const s = ctx.settings;
  let level: TlsLevel | null;
  if (s.smtp_tls_security_level !== '') {
    level = parseLevel(s.smtp_tls_security_level);
    if (level === null) return { ok: false, error: `invalid TLS security level "${s.smtp_tls_security_level}"` };
  } else if (s.smtp_enforce_tls) {
    level = s.smtp_tls_enforce_peername ? 'verify' : 'encrypt';
  } else {
    level = s.smtp_use_tls ? 'may' : 'none';
  }
  return { ok: true, policy: { level, match: defaultMatch(ctx, level) } };
}

/** A policy that failed to parse: the session defers with "client TLS configuration problem". */
export const INVALID_POLICY: TlsPolicy = { level: 'none', match: [], invalid: true };

/** The attributes a policy may carry besides `match` (accepted, not all acted on). */
const KNOWN_ATTRIBUTES = new Set(['ciphers', 'protocols', 'exclude', 'servername', 'tafile', 'connection_reuse']);

/**
 * tls_policy_lookup_one(): parses a policy table value (`level [name=value ...]`)
 * with Postfix's warnings; `where` names the table and key in them.
 */
export function parsePolicyValue(ctx: SmtpContext, value: string, where: string): TlsPolicy {
  const tokens = splitQuoted(value, CHARS_COMMA_SP);
  const first = tokens.shift();
  if (first === undefined) {
    ctx.log.warn(`${where}: invalid empty policy`);
    return INVALID_POLICY;
  }
  const level = parseLevel(first);
  if (level === null) {
    ctx.log.warn(`${where}: invalid security level "${first}"`);
    return INVALID_POLICY;
  }
  if (level === 'none') {
    for (const tok of tokens) ctx.log.warn(`${where}: ignoring attribute "${tok}" with TLS disabled`);
    return { level, match: [] };
  }
  let match: string[] | null = null;
  for (const tok of tokens) {
    const eq = tok.indexOf('=');
    if (eq <= 0) {
      const why = eq === 0 ? 'missing attribute name' : "missing '=' after attribute name";
      ctx.log.warn(`${where}: malformed attribute/value pair "${tok}": ${why}`);
      return INVALID_POLICY;
    }
    const name = tok.slice(0, eq).trim();
    const val = tok.slice(eq + 1).trim();
    if (name.toLowerCase() === 'match') {
      if (val === '') {
        ctx.log.warn(`${where}: attribute "${name}" has empty value`);
        return INVALID_POLICY;
      }
      if (level !== 'fingerprint' && level !== 'verify' && level !== 'secure') {
        ctx.log.warn(`${where}: attribute "${name}" invalid at security level "${level}"`);
        return INVALID_POLICY;
      }
      match = [...(match ?? []), ...val.split(level === 'fingerprint' ? '|' : ':')];
    } else if (!KNOWN_ATTRIBUTES.has(name.toLowerCase())) {
      ctx.log.warn(`${where}: invalid attribute name: "${name}"`);
      return INVALID_POLICY;
    }
  }
  return { level, match: match ?? defaultMatch(ctx, level) };
}

/** The keys tried in smtp_tls_policy_maps: the nexthop as written, then, for a host name, `.parent` domains. */
export function policyKeys(dest: string): string[] {
  const keys = [dest];
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(dest)) return keys;
  for (let i = dest.indexOf('.', 1); i >= 0; i = dest.indexOf('.', i + 1)) keys.push(dest.slice(i));
  return keys;
}

/** smtp_tls_policy_cache_query(): the policy for one destination (`invalid` after a bad table entry). */
export async function tlsPolicyFor(ctx: SmtpContext, dest: string): Promise<TlsPolicy> {
  const maps = ctx.tlsPolicyMaps;
  if (maps !== null) {
    for (const key of policyKeys(dest)) {
      const where = `${maps.title}, next-hop destination "${key}"`;
      let value: string | null;
      try {
        value = await maps.find(key);
      } catch (err) {
        if (!(err instanceof DictLookupError)) throw err;
        ctx.log.warn(`${where}: policy table lookup error`);
        return INVALID_POLICY;
      }
      if (value !== null) return { ...parsePolicyValue(ctx, value, where), fromTable: true };
    }
  }
  const global = defaultTlsLevel(ctx);
  if (!global.ok) {
    ctx.log.warn(global.error);
    return INVALID_POLICY;
  }
  return global.policy;
}
