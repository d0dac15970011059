/**
 * valid_hostname: the syntax checks the resolver applies to the domain of a
 * recipient: a host name (letters, digits, `-`, `_`, 63-byte labels, 255
 * bytes, not all-numeric), an IPv4 or IPv6 address, an RFC 5321 address
 * literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`), and a UTF-8 domain name
 * that converts to ASCII. Each check can report why it failed (gripe), with
 * Postfix's words.
 *
 * Security: checks untrusted text before anything else parses it as an address
 * Standards: RFC 1035 section 2.3.1, RFC 5321 section 4.1.3
 * See: postfix/src/util/valid_hostname.c, valid_utf8_hostname.c,
 *   postfix/src/global/valid_mailhost_addr.c
 */
import { domainToASCII } from 'node:url';

/** Receives the reason a check failed (DO_GRIPE); absent for DONT_GRIPE. */
export type Gripe = ((text: string) => void) | undefined;

const VALID_LABEL_LEN = 63;
const VALID_HOSTNAME_LEN = 255;
const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';
const isAlnum = (ch: string): boolean => isDigit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
const code = (ch: string): number => ch.charCodeAt(0);

/** valid_hostname(): an ASCII host name as RFC 1035 (plus `_`), not all-numeric. */
export function validHostname(name: string, gripe?: Gripe): boolean {
  const myname = 'valid_hostname';
  if (name === '') {
    gripe?.(`${myname}: empty hostname`);
    return false;
  }
  let labelLength = 0;
  let nonNumeric = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (isAlnum(ch) || ch === '_') {
      if (++labelLength > VALID_LABEL_LEN) {
        gripe?.(`${myname}: hostname label too long: ${name.slice(0, 100)}`);
        return false;
      }
      if (!isDigit(ch)) nonNumeric = true;
    } else if (ch === '.') {
      if (labelLength === 0 || i + 1 === name.length) {
        gripe?.(`${myname}: misplaced delimiter: ${name.slice(0, 100)}`);
        return false;
      }
      labelLength = 0;
    } else if (ch === '-') {
      nonNumeric = true;
      labelLength++;
      if (labelLength === 1 || i + 1 === name.length || name[i + 1] === '.') {
        gripe?.(`${myname}: misplaced hyphen: ${name.slice(0, 100)}`);
        return false;
      }
    } else {
      gripe?.(`${myname}: invalid character ${code(ch)}(decimal): ${name.slice(0, 100)}`);
      return false;
    }
  }
  if (!nonNumeric) {
    gripe?.(`${myname}: numeric hostname: ${name.slice(0, 100)}`);
    return false;
  }
  if (name.length > VALID_HOSTNAME_LEN) {
    gripe?.(`${myname}: bad length ${name.length} for ${name.slice(0, 100)}...`);
    return false;
  }
  return true;
}

/** valid_ipv4_hostaddr(): a dotted quad, each octet at most 255, not 0.x.y.z except 0.0.0.0. */
export function validIpv4Hostaddr(addr: string, gripe?: Gripe): boolean {
  const myname = 'valid_ipv4_hostaddr';
  let inByte = false;
  let byteCount = 0;
  let byteVal = 0;
  for (let i = 0; i < addr.length; i++) {
    const ch = addr[i]!;
    if (isDigit(ch)) {
      if (!inByte) {
        inByte = true;
        byteVal = 0;
        byteCount++;
      }
      byteVal = byteVal * 10 + (code(ch) - 48);
      if (byteVal > 255) {
        gripe?.(`${myname}: invalid octet value: ${addr.slice(0, 100)}`);
        return false;
      }
    } else if (ch === '.') {
      if (!inByte || i + 1 === addr.length) {
        gripe?.(`${myname}: misplaced dot: ${addr.slice(0, 100)}`);
        return false;
      }
      if (byteCount === 1 && byteVal === 0 && /[^0.]/.test(addr)) {
        gripe?.(`${myname}: bad initial octet value: ${addr.slice(0, 100)}`);
        return false;
      }
      inByte = false;
    } else {
      gripe?.(`${myname}: invalid character ${code(ch)}(decimal): ${addr.slice(0, 100)}`);
      return false;
    }
  }
  if (byteCount !== 4) {
    gripe?.(`${myname}: invalid octet count: ${addr.slice(0, 100)}`);
    return false;
  }
  return true;
}

/** valid_ipv6_hostaddr(): eight hex fields, one `::` at most, optionally ending in an IPv4 address. */
export function validIpv6Hostaddr(addr: string, gripe?: Gripe): boolean {
  const myname = 'valid_ipv6_hostaddr';
  const shown = addr.slice(0, 100);
  let nullField = 0;
  let field = 0;
  let len = 0;
  let i = 0;
  for (;;) {
    const ch = addr[i];
    if (ch === undefined) {
      if (field < 2) {
        gripe?.(`${myname}: too few \`:' in IPv6 address: ${shown}`);
        return false;
      }
      if (len === 0 && nullField !== field - 1) {
        gripe?.(`${myname}: bad null last field in IPv6 address: ${shown}`);
        return false;
      }
      return true;
    }
    if (ch === '.') {
      if (field < 2 || field > 6) {
        gripe?.(`${myname}: malformed IPv4-in-IPv6 address: ${shown}`);
        return false;
      }
      return validIpv4Hostaddr(addr.slice(i - len), gripe);
    }
    if (ch === ':') {
      const after = addr[i + 1];
      if (field === 0 && len === 0 && after !== undefined && isAlnum(after)) {
        gripe?.(`${myname}: bad null first field in IPv6 address: ${shown}`);
        return false;
      }
      if (++field > 7) {
        gripe?.(`${myname}: too many \`:' in IPv6 address: ${shown}`);
        return false;
      }
      i++;
      len = 0;
      if (addr[i] === ':') {
        if (nullField > 0) {
          gripe?.(`${myname}: too many \`::' in IPv6 address: ${shown}`);
          return false;
        }
        nullField = field;
      }
      continue;
    }
    len = /^[0-9a-fA-F]*/.exec(addr.slice(i))![0].length;
    if (len > 4) {
      gripe?.(`${myname}: malformed IPv6 address: ${shown}`);
      return false;
    }
    if (len <= 0) {
      gripe?.(`${myname}: invalid character ${code(ch)}(decimal) in IPv6 address: ${shown}`);
      return false;
    }
    i += len;
  }
}

/** valid_hostaddr(): an IPv6 address when it has a colon, else an IPv4 one. */
export function validHostaddr(addr: string, gripe?: Gripe): boolean {
  if (addr === '') {
    gripe?.('valid_hostaddr: empty address');
    return false;
  }
  return addr.includes(':') ? validIpv6Hostaddr(addr, gripe) : validIpv4Hostaddr(addr, gripe);
}

/**
 * valid_mailhost_addr(): the address inside an RFC 5321 literal, `IPv6:` (any
 * case) marking an IPv6 one. Returns the bare address, or null.
 */
export function validMailhostAddr(addr: string, gripe?: Gripe): string | null {
  const v6 = addr.slice(0, 5).toLowerCase() === 'ipv6:';
  const bare = v6 ? addr.slice(5) : addr;
  return (v6 ? validIpv6Hostaddr(bare, gripe) : validIpv4Hostaddr(bare, gripe)) ? bare : null;
}

/** MAI_HOSTADDR_STRSIZE: the longest text an address literal may hold (INET6_ADDRSTRLEN). */
const HOSTADDR_STRSIZE = 46;

/** valid_mailhost_literal(): `[address]` with nothing after the `]`. */
export function validMailhostLiteral(addr: string, gripe?: Gripe): boolean {
  const myname = 'valid_mailhost_literal';
  const shown = addr.slice(0, 100);
  if (addr[0] !== '[') {
    gripe?.(`${myname}: '[' expected at start: ${shown}`);
    return false;
  }
  const last = addr.indexOf(']');
  if (last < 0) {
    gripe?.(`${myname}: ']' expected at end: ${shown}`);
    return false;
  }
  if (last + 1 !== addr.length) {
    gripe?.(`${myname}: unexpected text after ']': ${shown}`);
    return false;
  }
  if (last - 1 >= HOSTADDR_STRSIZE) {
    gripe?.(`${myname}: too much text: ${shown}`);
    return false;
  }
  return validMailhostAddr(addr.slice(1, last), gripe) !== null;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * valid_utf8_hostname(): with smtputf8_enable, a non-ASCII domain is valid
 * when it converts to an ASCII (A-label) name that valid_hostname() accepts.
 */
export function validUtf8Hostname(smtputf8_enable: boolean, name: string, gripe?: Gripe): boolean {
  if (name === '') {
    gripe?.('valid_utf8_hostname: empty domain name');
    return false;
  }
  if (smtputf8_enable && !ASCII.test(name)) {
    const ascii = domainToASCII(name);
    if (ascii === '' || !validHostname(ascii)) {
      gripe?.('valid_utf8_hostname: malformed UTF-8 domain name');
      return false;
    }
    return true;
  }
  return validHostname(name, gripe);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** valid_utf8_stringz(): text that has a UTF-8 form (no unpaired surrogate). */
export function validUtf8String(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
