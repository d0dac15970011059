/**
 * bench/dkim/sign: DKIM messages per second on one core — signed by affix
 * (src/auth/auth_dkim_sign.ts, RSA-2048 and Ed25519, relaxed/relaxed, From
 * oversigned), signed by mailauth's dkimSign for comparison, and verified
 * by mailauth's dkimVerify (as smtpd's inbound checks do) with the key
 * record from memory, so no DNS time is counted. A 2 KB and a 32 KB
 * message; each figure is the median of 3 runs of about a second.
 *
 *   node --import tsx bench/dkim/sign.ts
 */
import { dkimVerify } from 'mailauth';
import { dkimRecordText, generateDkimKey } from '../../src/auth/auth_dkim_key.ts';
import { dkimSignature } from '../../src/auth/auth_dkim_sign.ts';
import { mailauthDkimSign } from '../../src/auth/auth_mailauth_sign.ts';

const SETUP = { runs: 3, seconds: 1, sizes: [2048, 32768] } as const;
const HEADERS = ['From', 'Reply-To', 'Subject', 'Date', 'To', 'Cc', 'Message-ID', 'MIME-Version', 'Content-Type'];

function message(size: number): Buffer {
  const head = [
    'From: Alice Example <alice@example.org>',
    'To: Bob <bob@example.net>',
    'Subject: benchmark message',
    'Date: Sun, 29 Nov 2026 10:00:00 +0000',
    'Message-ID: <bench@example.org>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    '',
  ].join('\n');
  const line = 'The quick brown fox jumps over the lazy dog, again and again.  \n';
  return Buffer.from(head + line.repeat(Math.ceil((size - head.length) / line.length)));
}

async function rate(fn: () => unknown): Promise<number> {
  const results: number[] = [];
  for (let run = 0; run < SETUP.runs; run++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(SETUP.seconds * 1e9);
    let now = start;
    while (now < end) {
      await fn();
      n++;
      now = process.hrtime.bigint();
    }
    results.push(n / (Number(now - start) / 1e9));
  }
  return results.sort((a, b) => a - b)[Math.floor(results.length / 2)]!;
}

const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');

console.log('bench: dkim/sign (one core, messages/s, median of 3)');
for (const type of ['rsa', 'ed25519'] as const) {
  const { privatePem, key } = generateDkimKey(type, 2048);
  const record = dkimRecordText(key);
  const resolver = async (name: string) => {
    if (name === 'bench._domainkey.example.org') return [[record]];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  for (const size of SETUP.sizes) {
    const msg = message(size);
    const req = {
      domain: 'example.org',
      selector: 'bench',
      key,
      canonicalization: 'relaxed/relaxed' as const,
      headers: HEADERS,
      oversign: ['From'],
      time: 1795942800,
    };
    const affix = await rate(() => dkimSignature(msg, req));
    const wire = crlf(msg);
    const ma = await rate(() =>
      mailauthDkimSign(wire, [
        {
          signingDomain: 'example.org',
          selector: 'bench',
          privateKey: privatePem,
          algorithm: key.algorithm,
          canonicalization: 'relaxed/relaxed',
          headerList: HEADERS,
        },
      ]),
    );
    const signed = crlf(Buffer.concat([Buffer.from(`${dkimSignature(msg, req)}\n`), msg]));
    const check = await dkimVerify(signed, { resolver } as never);
    if (check.results[0]?.status.result !== 'pass')
      throw new Error(`bench message does not verify: ${check.results[0]?.status.result}`);
    const verify = await rate(() => dkimVerify(signed, { resolver } as never));
    const name = type === 'rsa' ? 'RSA-2048' : 'Ed25519 ';
    console.log(
      `${name} ${String(size).padStart(5)} B: sign affix ${affix.toFixed(0)}/s, sign mailauth ${ma.toFixed(0)}/s, verify mailauth ${verify.toFixed(0)}/s`,
    );
  }
}
