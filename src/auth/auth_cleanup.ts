/**
 * auth_cleanup: what cleanup does for authentication, once, after all
 * header rewriting, just before the queue file is written: drops
 * Authentication-Results: fields forged with our authserv-id, puts the
 * fields smtpd's checks produced on top (Authentication-Results:,
 * Received-SPF:), and signs mail from trusted sources — local submission,
 * SASL-authenticated clients, affix_dkim_internal_hosts — with the keys
 * the From domain selects. A signing failure never breaks the message: it
 * is passed unsigned with a warning, or deferred (451 4.7.5), as
 * affix_dkim_sign_failure_action says.
 *
 * Parameters: affix_dkim_sign_failure_action (and those of auth_dkim_signer)
 * Diagnostics: AUTH_LOG.signed / signFailed / forgedResults
 * Security: content is untrusted; only whole header fields are dropped or
 *   added; the fields added come from smtpd or are made here
 * See: opendkim(8) (signing mode), RFC 8601 section 5
 */
import type { Refusal } from '../global/reply.ts';
import type { Log } from '../log/log.ts';
import { dkimSignature } from './auth_dkim_sign.ts';
import type { DkimSigner } from './auth_dkim_signer.ts';
import { authorOf, dropForgedResults, prependFields } from './auth_header.ts';
import { AUTH_LOG } from './auth_log.ts';

/** The client of a submission as cleanup knows it. */
export interface AuthClient {
  readonly address: string;
  readonly name: string;
  readonly saslUsername: string;
}

/** Fields smtpd's checks made, and the authserv-id they claim. */
export interface AuthHeaders {
  readonly authservId: string;
  /** Complete fields (LF continuation lines), top first. */
  readonly fields: readonly string[];
}

export interface AuthFinishInput {
  readonly queueId: string;
  readonly origin: 'smtpd' | 'pickup' | 'bounce';
  readonly client: AuthClient | null;
  readonly signer: DkimSigner | null;
  readonly headers: AuthHeaders | null;
  /** The content as it will be queued (LF line ends). */
  readonly content: Buffer;
  readonly log: Log;
  /** Seconds since the epoch (t=). */
  readonly now: number;
}

export type AuthFinish =
  | { readonly ok: true; readonly content: Buffer }
  | { readonly ok: false; readonly reply: Refusal };

/** The reply of affix_dkim_sign_failure_action = defer. */
export const DKIM_SIGN_DEFER: Refusal = { code: 451, dsn: '4.7.5', text: 'Error: DKIM signing failed' };

/** True for mail the configuration trusts: local submission, SASL login, an internal host. */
export function trustedSource(input: Pick<AuthFinishInput, 'origin' | 'client'>, signer: DkimSigner): boolean {
  if (input.origin !== 'smtpd') return true;
  const c = input.client;
  if (c === null) return true;
  if (c.saslUsername !== '') return true;
  return signer.internal.match(c.address, c.name);
}

/** Applies the authentication steps to a message about to be queued. */
export function finishAuthentication(input: AuthFinishInput): AuthFinish {
  let content = input.content;
  if (input.headers !== null) {
    const forged = dropForgedResults(content, input.headers.authservId);
    if (forged.dropped > 0)
      input.log.info(AUTH_LOG.forgedResults(input.queueId, forged.dropped, input.headers.authservId));
    content = prependFields(forged.message, input.headers.fields);
  }
  const signer = input.signer;
  if (signer === null || !trustedSource(input, signer)) return { ok: true, content };
  const author = authorOf(content).address;
  if (author === null) return { ok: true, content };
  const fields: string[] = [];
  for (const plan of signer.plan(author)) {
    try {
      fields.push(dkimSignature(content, { ...plan, time: input.now }));
      input.log.info(AUTH_LOG.signed(input.queueId, plan.selector, plan.domain));
    } catch (err) {
      const action = signer.params.affix_dkim_sign_failure_action;
      input.log.warn(AUTH_LOG.signFailed(input.queueId, plan.selector, plan.domain, (err as Error).message, action));
      if (action === 'defer') return { ok: false, reply: DKIM_SIGN_DEFER };
    }
  }
  // Signatures go on top, in the order the signing table lists their keys.
  return { ok: true, content: prependFields(content, fields) };
}
