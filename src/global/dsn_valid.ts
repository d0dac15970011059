/**
 * dsn_valid: recognises an RFC 3463 enhanced status code (`4.2.0`,
 * `5.1.1`) at the start of a text, as Postfix's dsn_valid() does for
 * server replies and command output.
 *
 * Standards: RFC 3463 section 2
 * See: postfix/src/global/dsn_util.c (dsn_valid)
 */

/** The length of a `D.DDD.DDD` code (class 2, 4 or 5) at the start of `text`, followed by space or end; else 0. */
export function dsnValid(text: string): number {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})(?=$|[ \t])/.exec(text);
  return m === null ? 0 : m[0].length;
}
