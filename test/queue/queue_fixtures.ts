/** Queue test fixtures: an envelope as smtpd hands one to cleanup, for the file store's tests. */
import type { QueueEnvelope } from '../../src/queue/queue_envelope.ts';

export const ENVELOPE: QueueEnvelope = {
  sender: 'sender@example.org',
  arrival: 1_795_943_444_398_619,
  client: {
    name: 'localhost',
    address: '127.0.0.1',
    port: '40000',
    helo: 'client.example.org',
    protocol: 'ESMTP',
    saslMethod: '',
    saslUsername: '',
    saslSender: '',
  },
  envid: null,
  ret: null,
  warnAt: null,
  smtputf8: false,
  body8bit: false,
  rewriteContext: 'remote',
  fullName: '',
  attributes: {},
};
