/**
 * dns_name: the syntax checks Postfix applies to names before it asks the DNS
 * and to names it finds in answers: letters, digits, `_` and inner `-`,
 * labels of 1..63, at most 255 in all, not all-numeric, not an IP address.
 *
 * Security: the gate for names that come from the network (HELO, MAIL FROM,
 *   PTR and MX answers); a name that fails never reaches a query or a log line
 *   unquoted
 * See: postfix/src/util/valid_hostname.c, postfix/src/dns/dns_lookup.c (valid_rr_name)
 */
import { isIP } from 'node:net';

const VALID_HOSTNAME_LEN = 255;
const VALID_LABEL_LEN = 63;

/** Why valid_hostname() refuses a name, in its words; null when the name is good. */
export function hostnameProblem(name: string, wildcard = false): string | null {
  if (name === '') return 'empty hostname';
  let labelLength = 0;
  let labelCount = 0;
  let nonNumeric = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const next = name[i + 1];
    if (/[A-Za-z0-9_]/.test(ch)) {
      if (labelLength === 0) labelCount++;
      labelLength++;
      if (labelLength > VALID_LABEL_LEN) return `hostname label too long: ${name.slice(0, 100)}`;
      if (!/[0-9]/.test(ch)) nonNumeric = true;
    } else if (wildcard && ch === '*') {
      if (labelLength > 0 || labelCount > 0 || next !== '.')
        return `'*' can be the first label only: ${name.slice(0, 100)}`;
      labelCount++;
      labelLength++;
      nonNumeric = true;
    } else if (ch === '.') {
      if (labelLength === 0 || next === undefined) return `misplaced delimiter: ${name.slice(0, 100)}`;
      labelLength = 0;
    } else if (ch === '-') {
      nonNumeric = true;
      labelLength++;
      if (labelLength === 1 || next === undefined || next === '.') return `misplaced hyphen: ${name.slice(0, 100)}`;
    } else {
      return `invalid character ${ch.charCodeAt(0)}(decimal): ${name.slice(0, 100)}`;
    }
  }
  if (!nonNumeric) return `numeric hostname: ${name.slice(0, 100)}`;
  if (Buffer.byteLength(name) > VALID_HOSTNAME_LEN) return `bad length ${name.length} for ${name.slice(0, 100)}...`;
  return null;
}

/** valid_hostname(): true for a syntactically valid host or domain name. */
export function validHostname(name: string, wildcard = false): boolean {
  return hostnameProblem(name, wildcard) === null;
}

/** valid_hostaddr(): true for an IPv4 or IPv6 address in text form. */
export function validHostaddr(text: string): boolean {
  return isIP(text) !== 0;
}

/** A name as the DNS module handles it: without the trailing dot of an absolute name. */
export function stripDot(name: string): string {
  return name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
}
