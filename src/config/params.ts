/**
 * params: the registry of every parameter affix honours, one typed entry
 * each, spread together from the owners' files. A misspelt name does not
 * compile; `affix postconf -d` prints these defaults.
 *
 * Parameters affix does not (yet) honour are still known by name and
 * default (postfix_defaults.ts), so a stock main.cf reads without warnings
 * and `$name` references to them expand as in Postfix.
 */
import type { ParamSpec, ParamValue } from './param_types.ts';
import { PARAMS_AUTH } from './params_auth.ts';
import { PARAMS_BOUNCE } from './params_bounce.ts';
import { PARAMS_CLEANUP } from './params_cleanup.ts';
import { PARAMS_DNS } from './params_dns.ts';
import { PARAMS_GLOBAL } from './params_global.ts';
import { PARAMS_LOCAL } from './params_local.ts';
import { PARAMS_QMGR } from './params_qmgr.ts';
import { PARAMS_REWRITE } from './params_rewrite.ts';
import { PARAMS_SMTP } from './params_smtp.ts';
import { PARAMS_SMTP_TLS } from './params_smtp_tls.ts';
import { PARAMS_SMTPD } from './params_smtpd.ts';
import { PARAMS_VIRTUAL } from './params_virtual.ts';

export const PARAMS = {
  ...PARAMS_GLOBAL,
  ...PARAMS_DNS,
  ...PARAMS_CLEANUP,
  ...PARAMS_BOUNCE,
  ...PARAMS_QMGR,
  ...PARAMS_REWRITE,
  ...PARAMS_SMTP,
  ...PARAMS_SMTP_TLS,
  ...PARAMS_LOCAL,
  ...PARAMS_VIRTUAL,
  ...PARAMS_SMTPD,
  ...PARAMS_AUTH,
} as const satisfies Record<string, ParamSpec<unknown>>;

export type ParamName = keyof typeof PARAMS;

/** Typed values of all honoured parameters, after expansion and conversion. */
export type Params = { readonly [K in ParamName]: ParamValue<(typeof PARAMS)[K]> };

/** True when `name` is a parameter affix honours. */
export function isParamName(name: string): name is ParamName {
  return Object.hasOwn(PARAMS, name);
}
