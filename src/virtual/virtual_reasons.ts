/**
 * virtual_reasons: every status text the virtual delivery agent gives,
 * with its enhanced status code, worded as Postfix's virtual(8) words it,
 * plus the text of affix's per-mailbox quota.
 *
 * See: postfix/src/virtual/*.c
 */

export interface VirtualReason {
  readonly dsn: string;
  readonly text: string;
}

const r = (dsn: string, text: string): VirtualReason => ({ dsn, text });

export const VIRTUAL_REASON = {
  mailbox: () => r('2.0.0', 'delivered to mailbox'),
  maildir: () => r('2.0.0', 'delivered to maildir'),
  verifyMailbox: () => r('2.0.0', 'delivers to mailbox'),
  verifyMaildir: () => r('2.0.0', 'delivers to maildir'),
  unknownUser: (address: string) => r('5.1.1', `unknown user: "${address}"`),
  loop: (address: string) => r('5.4.6', `mail forwarding loop for ${address}`),
  configError: () => r('4.3.5', 'mail system configuration error'),
  mailboxPrefix: (path: string) => `delivery failed to mailbox ${path}: `,
  maildirPrefix: 'maildir delivery failed: ',
  /** affix's quota: the message would take the mailbox past virtual_mailbox_quota_maps. */
  overQuota: (path: string, quota: number, used: number, size: number) =>
    r(
      '5.2.2',
      `delivery failed to mailbox ${path}: mailbox is full (quota ${quota} bytes, ${used} bytes used, message ${size} bytes)`,
    ),
} as const;
