/**
 * local_reasons: every status text the local delivery agent gives, with its
 * enhanced status code, worded exactly as Postfix's local(8) words it.
 *
 * See: postfix/src/local/*.c
 */

export interface LocalReason {
  readonly dsn: string;
  readonly text: string;
}

const r = (dsn: string, text: string): LocalReason => ({ dsn, text });

export const LOCAL_REASON = {
  mailbox: () => r('2.0.0', 'delivered to mailbox'),
  maildir: () => r('2.0.0', 'delivered to maildir'),
  file: (path: string) => r('2.0.0', `delivered to file: ${path}`),
  command: (cmd: string) => r('2.0.0', `delivered to command: ${cmd}`),
  forwarded: (id: string) => r('2.0.0', `forwarded as ${id}`),
  discarded: () => r('2.0.0', 'discarded'),
  /** sendmail -bv texts. */
  verifyMailbox: () => r('2.0.0', 'delivers to mailbox'),
  verifyMaildir: () => r('2.0.0', 'delivers to maildir'),
  verifyFile: (path: string) => r('2.0.0', `delivers to file: ${path}`),
  verifyCommand: (cmd: string) => r('2.0.0', `delivers to command: ${cmd}`),
  verifyForward: (addr: string) => r('2.0.0', `forwards to ${addr}`),
  unknownUser: (user: string) => r('5.1.1', `unknown user: "${user}"`),
  loop: (addr: string) => r('5.4.6', `mail forwarding loop for ${addr}`),
  nesting: () => r('5.4.6', 'recipient nesting limit exceeded'),
  aliasLoop: (name: string) => r('5.4.6', `alias database loop for ${name}`),
  aliasUnavailable: () => r('4.3.0', 'alias database unavailable'),
  tableFailure: () => r('4.3.0', 'table lookup failure'),
  userLookup: () => r('4.0.0', 'user lookup error'),
  nullUser: (addr: string) => r('5.1.3', `null username in "${addr}"`),
  homeAccess: (home: string, err: string) => r('4.3.0', `cannot access home directory ${home}: ${err}`),
  fileRestricted: () => r('5.7.1', 'mail to file is restricted'),
  commandRestricted: () => r('5.7.1', 'mail to command is restricted'),
  fileExecutable: () => r('5.7.1', 'file is executable'),
  /** :include: problems: the detail goes to a warning, the reason is generic. */
  includeConfig: () => r('5.3.5', 'mail system configuration error'),
  includeOwner: () => r('4.3.5', 'mail system configuration error'),
  includeNesting: () => r('5.4.6', ':include: nesting limit exceeded'),
  unableToForward: () => r('4.3.0', 'unable to forward message'),
  configError: () => r('4.3.0', 'mail system configuration error'),
  mailboxPrefix: (path: string, user: string) => `cannot update mailbox ${path} for user ${user}. `,
  maildirPrefix: 'maildir delivery failed: ',
  filePrefix: (path: string) => `cannot append message to file ${path}: `,
  transportUnavailable: (transport: string) => r('4.3.0', `mail transport unavailable: ${transport}`),
} as const;
