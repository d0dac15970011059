/**
 * The 8BITMIME downgrade: to a server without 8BITMIME the client sends no
 * SIZE and no BODY, and converts parts that declare 8bit to
 * quoted-printable (multipart and message containers relabelled 7bit),
 * leaving every other byte alone — so a message with nothing declared
 * 8bit, DKIM-signed or not, goes out unchanged. Checked on exact outputs,
 * over random content (fast-check), through the agent against a scripted
 * peer without 8BITMIME, against Postfix 3.7 relaying the same messages to
 * the same kind of peer, and for the nesting limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MIME_NESTING_LIMIT, mimeDowngrade } from '../../src/smtp/smtp_mime_downgrade.ts';
import { postfixSkipReason, startPostfix, submit } from '../peers/postfix_instance.ts';
import { startScriptServer } from '../peers/smtp_script_server.ts';
import { makeRequest, normalise, startAgent, statusLines } from './smtp_fixtures.ts';

const NO_8BITMIME = ['PIPELINING', 'SIZE 10240000', 'ENHANCEDSTATUSCODES', 'DSN'];

async function downgrade(text: string | Buffer): Promise<Buffer> {
  const input = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const out: Buffer[] = [];
  // Cut the input in three, so lines and headers cross chunk boundaries.
  const cuts = [0, Math.floor(input.length / 3), Math.floor((2 * input.length) / 3), input.length];
  const chunks = cuts.slice(1).map((end, i) => input.subarray(cuts[i]!, end));
  for await (const c of mimeDowngrade(
    (async function* () {
      yield* chunks;
    })(),
  ))
    out.push(c);
  return Buffer.concat(out);
}

/** Decodes quoted-printable lines (soft breaks joined), for the round-trip property. */
function qpDecode(text: string): Buffer {
  const bytes: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    let l = line;
    const soft = l.endsWith('=');
    if (soft) l = l.slice(0, -1);
    for (let j = 0; j < l.length; j++) {
      if (l[j] === '=') {
        bytes.push(Number.parseInt(l.slice(j + 1, j + 3), 16));
        j += 2;
      } else bytes.push(l.charCodeAt(j));
    }
    if (!soft && i < lines.length - 1) bytes.push(0x0a);
  });
  return Buffer.from(bytes);
}

const MULTIPART = [
  'From: sender@example.org',
  'To: rcpt@remote.test',
  'Subject: parts',
  'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=from:to:subject;',
  '\tbh=abc; b=def',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  'Content-Transfer-Encoding: 8bit',
  '',
  'preamble with 8-bit ö stays',
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Grüße = 100% ',
  `${'x'.repeat(100)}ö`,
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=C3=BC=C3=9Fe stays',
  '--XX',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAw==',
  '--XX',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment',
  'Content-Transfer-Encoding: 8bit',
  '',
  'Subject: inner',
  'Content-Type: text/plain',
  'Content-Transfer-Encoding: 8bit',
  '',
  'innen ä',
  '--XX--',
  'epilogue ö stays',
  '',
].join('\n');

test('a part declared 8bit becomes quoted-printable with its label moved to the end of its headers; others stay', async () => {
  const out = (await downgrade(MULTIPART)).toString('utf8');
  assert.equal(
    out,
    [
      'From: sender@example.org',
      'To: rcpt@remote.test',
      'Subject: parts',
      'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=from:to:subject;',
      '\tbh=abc; b=def',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="XX"',
      'Content-Transfer-Encoding: 7bit',
      '',
      'preamble with 8-bit ö stays',
      '--XX',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=C3=BC=C3=9Fe =3D 100%=20',
      `${'x'.repeat(73)}=`,
      `${'x'.repeat(27)}=C3=B6`,
      '--XX',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=C3=BC=C3=9Fe stays',
      '--XX',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAw==',
      '--XX',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: 7bit',
      '',
      'Subject: inner',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'innen =C3=A4',
      '--XX--',
      'epilogue ö stays',
      '',
    ].join('\n'),
  );
});

test('a message with nothing declared 8bit goes out byte for byte (8-bit data included, DKIM intact)', async () => {
  const plain = 'DKIM-Signature: v=1; b=x\nSubject: Grüße\n\nÄpfel und Birnen\n';
  assert.deepEqual(await downgrade(plain), Buffer.from(plain));
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 60 }),
          fc.constantFrom('', 'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '--b', '\t folded'),
        ),
        { maxLength: 20 },
      ),
      async (lines) => {
        const text = `Content-Type: multipart/mixed; boundary=b\n\n${lines.join('\n')}\n`;
        fc.pre(!/content-transfer-encoding\s*:\s*(8bit|binary)/i.test(text));
        assert.deepEqual(await downgrade(text), Buffer.from(text));
      },
    ),
    { numRuns: 300 },
  );
});

test('over random structures with 8bit parts: one conversion leaves nothing to convert (or the message untouched)', async () => {
  const line = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '',
      '--b',
      '--b--',
      '--c',
      'Content-Type: multipart/alternative; boundary=c',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment',
      'Content-Transfer-Encoding: 8bit',
      'Content-Transfer-Encoding: base64',
      '\t folded',
    ),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (lines) => {
      const input = Buffer.from(`Content-Type: multipart/mixed; boundary=b\n\n${lines.join('\n')}\n`, 'latin1');
      const out = await downgrade(input);
      // A part still labelled 8bit would be converted by a second pass.
      assert.deepEqual(await downgrade(out), out, 'converting twice changes nothing more');
    }),
    { numRuns: 500 },
  );
});

test('a converted body is 7-bit, has lines of at most 76 bytes, and decodes to the original', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 8 }), async (raw) => {
      const lines = raw.map((l) => Buffer.from(l.filter((b) => b !== 0x0a && b !== 0x0d)));
      const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      const head = 'Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n';
      const out = await downgrade(Buffer.concat([Buffer.from(head), body]));
      const converted = out.subarray(out.indexOf('\n\n') + 2).toString('latin1');
      assert.ok(/^[\x00-\x7f]*$/.test(converted), '7-bit');
      for (const line of converted.split('\n')) assert.ok(line.length <= 76, line);
      assert.deepEqual(qpDecode(converted), body);
    }),
    { numRuns: 300 },
  );
});

test('the client sends no SIZE and no BODY to a server without 8BITMIME, and converts the content', async (t) => {
  const mx = await startScriptServer(t, { ehlo: NO_8BITMIME });
  const { agent } = await startAgent(t);
  const out = await agent.deliver(
    makeRequest({
      nexthop: `[127.0.0.1]:${mx.port}`,
      recipients: ['x@remote.test'],
      content: MULTIPART,
      envelope: { body8bit: true },
    }),
  );
  assert.equal(out.statuses[0]!.status, 'sent');
  assert.equal(mx.transcripts[0]![1], 'MAIL FROM:<sender@example.org>');
  const expected = (await downgrade(MULTIPART)).toString('latin1').replace(/\n/g, '\r\n');
  assert.equal(mx.messages[0]!.content, expected);
  assert.ok(/^[\x00-\x7f]*$/.test(mx.messages[0]!.content.replace(/(preamble|epilogue)[^\r]*/g, '')));
});

test('with disable_mime_output_conversion = yes the 8-bit content goes out as it is', async (t) => {
  const mx = await startScriptServer(t, { ehlo: NO_8BITMIME });
  const { agent } = await startAgent(t, { disable_mime_output_conversion: 'yes' });
  await agent.deliver(
    makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'], content: MULTIPART }),
  );
  assert.match(mx.transcripts[0]![1]!, /^MAIL FROM:<sender@example\.org> SIZE=\d+$/);
  assert.equal(mx.messages[0]!.raw.toString('utf8'), MULTIPART.replace(/\n/g, '\r\n'));
});

test('MIME nesting deeper than mime_nesting_limit bounces with 5.6.0, as Postfix does', async (t) => {
  const depth = MIME_NESTING_LIMIT + 2;
  let text = 'Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\nx\n';
  for (let i = depth; i > 0; i--) {
    text = `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n${text}--b${i}--\n`;
  }
  const mx = await startScriptServer(t, { ehlo: NO_8BITMIME });
  const { agent, sink } = await startAgent(t);
  await agent.deliver(makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['x@remote.test'], content: text }));
  assert.deepEqual(statusLines(sink).map(normalise), [
    'A1B2C3D4E5: to=<x@remote.test>, relay=127.0.0.1[127.0.0.1]:PORT, delay=D, delays=D/D/D/D, dsn=5.6.0, status=bounced (MIME nesting exceeds safety limit)',
  ]);
  assert.equal(mx.messages.length, 0, 'no final dot: nothing was delivered');
});

const LIVE_MESSAGES: readonly string[] = [
  MULTIPART,
  'From: sender@example.org\nTo: rcpt@remote.test\nSubject: plain\nMessage-Id: <p@example.org>\nDate: Sun, 29 Nov 2026 09:05:51 +0000\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nkäse = 1\t\n' +
    `${'long '.repeat(30)}ünd\n\n.leading dot\n`,
  'From: sender@example.org\nTo: rcpt@remote.test\nSubject: undeclared\nMessage-Id: <u@example.org>\nDate: Sun, 29 Nov 2026 09:05:51 +0000\n\n8-bit ö without a declaration\n',
];

test('Postfix 3.7 relaying the same messages to a server without 8BITMIME sends the same bytes', async (t) => {
  const skip = postfixSkipReason();
  if (skip !== undefined) return t.skip(skip);
  const mx = await startScriptServer(t, { ehlo: NO_8BITMIME });
  const pf = await startPostfix(t, { main: { relayhost: `[127.0.0.1]:${mx.port}`, mydestination: '' } });
  const { agent } = await startAgent(t);
  for (const [i, content] of LIVE_MESSAGES.entries()) {
    const text = content.includes('Message-Id:')
      ? content
      : content.replace(
          'Subject: parts\n',
          `Subject: parts\nMessage-Id: <m${i}@example.org>\nDate: Sun, 29 Nov 2026 09:05:51 +0000\n`,
        );
    // submit() writes Latin-1: hand it the UTF-8 bytes one per character.
    const bytes = Buffer.from(text, 'utf8').toString('latin1');
    assert.match(await submit(pf.port, 'sender@example.org', ['rcpt@remote.test'], bytes), /^250 /);
    for (let n = 0; n < 200 && mx.messages.length < 2 * i + 1; n++) await new Promise((r) => setTimeout(r, 50));
    const fromPostfix = mx.messages[2 * i]!.content.replace(/^Received: [^\r]*\r\n(\t[^\r]*\r\n)*/, '');
    await agent.deliver(
      makeRequest({ nexthop: `[127.0.0.1]:${mx.port}`, recipients: ['rcpt@remote.test'], content: text }),
    );
    assert.equal(mx.messages[2 * i + 1]!.content, fromPostfix, `message ${i}`);
  }
});
