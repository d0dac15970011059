/**
 * auth_mailauth_sign: a typed adapter over mailauth's dkimSign. Its
 * index.d.ts types the options with top-level signingDomain, selector and
 * privateKey, but at run time only `signatureData[]` makes signatures: the
 * typed form silently returns an empty `signatures` string (stack.md
 * section 3). This adapter takes only the form that works and turns
 * mailauth's `errors` into a thrown error. affix signs with its own
 * auth_dkim_sign (mailauth cannot oversign); this one is the independent
 * reference the tests and bench/dkim compare it with.
 *
 * See: node_modules/mailauth/lib/dkim/sign.js
 */
import { dkimSign } from 'mailauth';
import type { DkimAlgorithm } from './auth_dkim_key.ts';

export interface MailauthSignature {
  readonly signingDomain: string;
  readonly selector: string;
  /** PEM. */
  readonly privateKey: string;
  readonly algorithm: DkimAlgorithm;
  readonly canonicalization: string;
  /** Fields to sign, when present. */
  readonly headerList?: readonly string[];
}

/** The DKIM-Signature header fields (CRLF-terminated, as mailauth writes them) for `message`. */
export async function mailauthDkimSign(
  message: Buffer,
  signatures: readonly MailauthSignature[],
  signTime?: Date,
): Promise<string> {
  const options = {
    signatureData: signatures.map((s) => ({
      signingDomain: s.signingDomain,
      selector: s.selector,
      privateKey: s.privateKey,
      algorithm: s.algorithm,
      canonicalization: s.canonicalization,
      ...(s.headerList === undefined ? {} : { headerList: [...s.headerList] }),
    })),
    ...(signTime === undefined ? {} : { signTime }),
  };
  // The declared type wants top-level keys that do nothing; the runtime reads signatureData.
  const result = await dkimSign(message, options as unknown as Parameters<typeof dkimSign>[1]);
  if (result.errors.length > 0) {
    const e = result.errors[0]!;
    throw new Error(`mailauth dkimSign ${e.signingDomain ?? ''}/${e.selector ?? ''}: ${e.err.message}`);
  }
  return result.signatures;
}
