import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAdhoc, formatTv } from '../../src/global/log_adhoc.ts';

test('format_tv rounds to two significant digits with at most two decimals, as Postfix logs delays', () => {
  const cases: [number, number, string][] = [
    [0, 40_000, '0.04'],
    [0, 0, '0'],
    [1, 500_000, '1.5'],
    [10, 20_000, '10'],
    [82, 300_000, '82'],
    [0, 5_000, '0.01'],
    [0, 4_999, '0'],
    [0, 995_000, '1'],
    [9, 960_000, '10'],
    [0, 123_456, '0.12'],
  ];
  for (const [sec, usec, expected] of cases) assert.equal(formatTv(sec, usec), expected, `${sec}s ${usec}µs`);
});

test('log_adhoc writes the status line of the real Postfix sample byte for byte', () => {
  // postfix/local[12579]: 976CC16003C: to=<carol@example.test>, orig_to=<carol>, relay=local, delay=0.02, delays=0.02/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)
  const line = formatAdhoc({
    queueId: '976CC16003C',
    recipient: 'carol@example.test',
    original: 'carol',
    relay: 'local',
    delays: [20_000, 0, 0, 0],
    dsn: '2.0.0',
    status: 'sent',
    text: 'delivered to mailbox',
  });
  assert.equal(
    line,
    '976CC16003C: to=<carol@example.test>, orig_to=<carol>, relay=local, delay=0.02, delays=0.02/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)',
  );
  const same = formatAdhoc({
    queueId: 'C9742160004',
    recipient: 'user@sink.test',
    original: 'USER@sink.test',
    relay: '127.0.0.1[127.0.0.1]:32525',
    connUse: 2,
    delays: [0, 20_000, 0, 30_000],
    dsn: '2.0.0',
    status: 'sent',
    text: '250 2.0.0 Ok',
  });
  assert.equal(
    same,
    'C9742160004: to=<user@sink.test>, relay=127.0.0.1[127.0.0.1]:32525, conn_use=2, delay=0.05, delays=0/0.02/0/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
  );
});
