/**
 * The transcript test: the same dialog scripts against affix smtpd and a
 * private Postfix 3.7.11 with the same main.cf, on loopback, and the reply
 * lines compared (queue IDs and the product name in the greeting
 * normalised). Deliberate differences are listed with their reason, as
 * style.md section 14 asks; each script also asserts its own expectations
 * on affix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAffixSmtpd } from '../peers/affix_smtpd.ts';
import { runDialog } from '../peers/dialog_runner.ts';
import { startDovecot } from '../peers/dovecot.ts';
import { postfixSkipReason, startPostfix } from '../peers/postfix_instance.ts';
import { makeTestCerts } from '../peers/tls_certs.ts';

interface Dialog {
  readonly name: string;
  readonly script: string;
  readonly localAddress?: string;
}

/** What both servers get on top of their base settings. */
const SETTINGS: Readonly<Record<string, string>> = {
  mynetworks: '127.0.0.1/32',
  relay_domains: '',
  smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
  smtpd_recipient_restrictions: 'check_recipient_access inline:{{reject@mx.example.test=REJECT not you}}',
  smtpd_helo_restrictions: 'check_helo_access inline:{{bad.helo.test=REJECT bad helo}}',
  message_size_limit: '10240000',
  smtpd_recipient_limit: '3',
  smtpd_error_sleep_time: '0',
  smtpd_soft_error_limit: '100',
  smtpd_forbid_bare_newline: 'normalize',
};

const EHLO = `-> EHLO client.example.org
<- 250-mx.example.test
<- 250-PIPELINING
<- 250-SIZE 10240000
<- 250-VRFY
<- 250-ETRN
<- 250-ENHANCEDSTATUSCODES
<- 250-8BITMIME
<- 250-DSN
<- 250-SMTPUTF8
<- 250 CHUNKING`;

const DIALOGS: readonly Dialog[] = [
  {
    name: 'greeting_ehlo_helo',
    script: `<~ ^220 mx\\.example\\.test ESMTP \n${EHLO}\n-> HELO client.example.org\n<- 250 mx.example.test\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'relay_tricks',
    localAddress: '127.0.0.5',
    script: `<~ ^220 \n${EHLO}\n-> MAIL FROM:<sender@example.org>\n<- 250 2.1.0 Ok
-> RCPT TO:<victim@example.net>\n<~ Relay access denied
-> RCPT TO:<victim%example.net@mx.example.test>\n<~ Relay access denied
-> RCPT TO:<example.net!victim@mx.example.test>\n<~ Relay access denied
-> RCPT TO:<@mx.example.test:victim@example.net>\n<~ Relay access denied
-> RCPT TO:<"victim@example.net"@mx.example.test>\n<~ Relay access denied
-> RCPT TO:<victim@example.net@mx.example.test>\n<~ Relay access denied
-> RCPT TO:<victim@[192.0.2.1]>\n<~ Relay access denied
-> RCPT TO:<victim@example.net.>\n<~ Relay access denied
-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'restriction_rejects',
    localAddress: '127.0.0.5',
    script: `<~ ^220 \n-> EHLO bad.helo.test\n<... ^250 CHUNKING
-> MAIL FROM:<a@example.org>\n<- 250 2.1.0 Ok\n-> RCPT TO:<x@mx.example.test>\n<~ ^554
-> RSET\n<- 250 2.0.0 Ok\n${EHLO}\n-> MAIL FROM:<a@example.org>\n<- 250 2.1.0 Ok
-> RCPT TO:<reject@mx.example.test>\n<~ ^554\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'size_and_recipient_limits',
    script: `<~ ^220 \n${EHLO}\n-> MAIL FROM:<a@example.org> SIZE=999999999999\n<~ ^552
-> MAIL FROM:<a@example.org> SIZE=x\n<~ ^501\n-> MAIL FROM:<a@example.org> SIZE=100\n<- 250 2.1.0 Ok
-> RCPT TO:<a@mx.example.test>\n<- 250 2.1.5 Ok\n-> RCPT TO:<b@mx.example.test>\n<- 250 2.1.5 Ok
-> RCPT TO:<c@mx.example.test>\n<- 250 2.1.5 Ok\n-> RCPT TO:<d@mx.example.test>\n<~ ^452\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'bad_syntax_and_sequence',
    script: `<~ ^220 \n-> RCPT TO:<a@mx.example.test>\n<~ ^503\n-> DATA\n<~ ^503\n-> MAIL FROM a@example.org\n<~ ^501
-> MAIL FROM:<a@example.org> BODY=8BITMIME\n<- 250 2.1.0 Ok\n-> MAIL FROM:<a@example.org>\n<~ ^503\n-> RCPT TO:<>\n<~ ^501
-> RCPT TO:<a@mx.example.test> NOTIFY=NEVER,DELAY\n<~ ^501\n-> RSET\n<- 250 2.0.0 Ok\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'unknown_commands_and_error_limit',
    script: `<~ ^220 \n-> EXPN staff\n<~ ^500\n${'-> BOGUS\n<~ ^500\n'.repeat(19)}-> BOGUS\n<~ ^421`,
  },
  { name: 'forbidden_command', script: `<~ ^220 \n-> GET / HTTP/1.0\n<~ ^221` },
  {
    name: 'small_commands',
    script: `<~ ^220 \n-> NOOP\n<- 250 2.0.0 Ok\n-> VRFY u@mx.example.test\n<~ ^252\n-> VRFY\n<~ ^501\n-> ETRN\n<~ ^500\n-> ETRN example.org\n<~ ^459
-> AUTH PLAIN\n<~ ^503\n-> STARTTLS\n<~ ^502\n-> RSET x\n<~ ^501\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'pipelining',
    script: `<~ ^220 \n~> "EHLO c.example\\r\\nMAIL FROM:<a@example.org>\\r\\nRCPT TO:<b@mx.example.test>\\r\\nDATA\\r\\n"
<... ^250 CHUNKING\n<- 250 2.1.0 Ok\n<- 250 2.1.5 Ok\n<~ ^354\n~> "Subject: p\\r\\n\\r\\nbody\\r\\n.\\r\\nQUIT\\r\\n"\n<~ ^250 2\\.0\\.0 Ok: queued as\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'bdat',
    script: `<~ ^220 \n${EHLO}\n-> MAIL FROM:<a@example.org>\n<- 250 2.1.0 Ok\n-> RCPT TO:<b@mx.example.test>\n<- 250 2.1.5 Ok
~> "BDAT 5\\r\\nHelloBDAT 2 LAST\\r\\n\\r\\n"\n<- 250 2.0.0 Ok: 5 bytes\n<~ ^250 2\\.0\\.0 Ok: \\d+ bytes queued as\n~> "BDAT 1\\r\\nx"\n<~ ^503\n-> QUIT\n<- 221 2.0.0 Bye`,
  },
  {
    name: 'smuggling_lf_dot_lf',
    localAddress: '127.0.0.5',
    script: `<~ ^220 \n${EHLO}\n-> MAIL FROM:<a@example.org>\n<- 250 2.1.0 Ok\n-> RCPT TO:<b@mx.example.test>\n<- 250 2.1.5 Ok\n-> DATA\n<~ ^354
~> "Subject: s\\r\\n\\r\\nbody\\n.\\nMAIL FROM:<evil@example.org>\\r\\nRCPT TO:<v@mx.example.test>\\r\\nDATA\\r\\nx\\r\\n.\\r\\nQUIT\\r\\n"
<~ ^250 2\\.0\\.0 Ok: queued as\n<~ ^221`,
  },
];

/** Differences affix has on purpose, with the reason (style.md section 14). */
export const DELIBERATE: readonly { readonly dialog: string; readonly reason: string }[] = [];

function normalise(lines: readonly string[]): string[] {
  return lines.map((l) =>
    l
      .replace(/queued as [0-9A-Za-z]+$/, 'queued as ID')
      .replace(/^220 mx\.example\.test ESMTP .*$/, '220 mx.example.test ESMTP NAME'),
  );
}

test('affix smtpd answers every dialog exactly as Postfix 3.7.11 does', {
  skip: postfixSkipReason(),
  timeout: 240_000,
}, async (t) => {
  const postfix = await startPostfix(t, { main: SETTINGS });
  const affix = await startAffixSmtpd(t, SETTINGS);
  const differences: string[] = [];
  for (const d of DIALOGS) {
    const o = d.localAddress ? { localAddress: d.localAddress } : {};
    const ours = await runDialog(affix.port, d.script, o);
    const theirs = await runDialog(postfix.port, d.script, o);
    assert.equal(ours.failure, null, `${d.name} (affix): ${ours.failure}\n${ours.lines.join('\n')}`);
    const a = normalise(ours.lines);
    const b = normalise(theirs.lines);
    const same = JSON.stringify(a) === JSON.stringify(b) && theirs.failure === null;
    const deliberate = DELIBERATE.find((x) => x.dialog === d.name);
    if (!same && deliberate === undefined) {
      differences.push(
        `${d.name}:\n  affix:   ${a.join(' | ')}\n  postfix: ${b.join(' | ')}${theirs.failure ? ` (${theirs.failure})` : ''}`,
      );
    }
    if (same && deliberate !== undefined) differences.push(`${d.name}: listed as deliberate but equal`);
  }
  assert.deepEqual(differences, []);
});

test('smuggling: with Postfix 3.7 default settings the bare-LF dot is accepted; affix never accepts it', {
  skip: postfixSkipReason(),
  timeout: 120_000,
}, async (t) => {
  // The one deliberate difference of defaults: affix takes Postfix 3.9's smtpd_forbid_bare_newline = normalize.
  const settings = { ...SETTINGS };
  delete (settings as Record<string, string>)['smtpd_forbid_bare_newline'];
  const postfix = await startPostfix(t, { main: settings });
  const affix = await startAffixSmtpd(t, settings);
  const script = DIALOGS.find((d) => d.name === 'smuggling_lf_dot_lf')!.script.replace(/<~ \^221$/, '<... ^221');
  const theirs = await runDialog(postfix.port, script, { localAddress: '127.0.0.5' });
  const ours = await runDialog(affix.port, script, { localAddress: '127.0.0.5' });
  assert.equal(theirs.lines.filter((l) => l.includes('queued as')).length, 2, 'Postfix 3.7 default: two messages');
  assert.equal(ours.lines.filter((l) => l.includes('queued as')).length, 1, 'affix default: one message');
});

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('STARTTLS and AUTH (both servers on the same Dovecot): the same replies as Postfix 3.7.11', {
  skip: postfixSkipReason(),
  timeout: 240_000,
}, async (t) => {
  const certs = makeTestCerts(t);
  if (typeof certs === 'string') return t.skip(certs);
  const dovecot = await startDovecot(t, { alice: 's3cret' });
  if (typeof dovecot === 'string') return t.skip(dovecot);
  const settings = {
    ...SETTINGS,
    smtpd_tls_security_level: 'may',
    smtpd_tls_cert_file: certs.cert,
    smtpd_tls_key_file: certs.key,
    smtpd_tls_auth_only: 'yes',
    smtpd_sasl_auth_enable: 'yes',
    smtpd_sasl_type: 'dovecot',
    smtpd_sasl_path: dovecot.socket,
    smtpd_relay_restrictions: 'permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
    smtpd_reject_footer: 'Ask $client_address',
  };
  const postfix = await startPostfix(t, { main: settings });
  const affix = await startAffixSmtpd(t, settings);
  const script = `<~ ^220 \n-> EHLO client.example.org\n<... ^250 CHUNKING
-> AUTH PLAIN ${b64('\0alice\0s3cret')}\n<~ ^503\n<~ ^503
-> STARTTLS\n<- 220 2.0.0 Ready to start TLS\nstarttls
-> EHLO client.example.org\n<... ^250 CHUNKING
-> AUTH PLAIN ${b64('\0alice\0wrong')}\n<~ ^535\n<~ ^535
-> AUTH LOGIN\n<- 334 VXNlcm5hbWU6\n-> *\n<~ ^501\n<~ ^501
-> AUTH LOGIN\n<- 334 VXNlcm5hbWU6\n-> %%%\n<~ ^5\n<~ ^5
-> AUTH FOO\n<~ ^535\n<~ ^535
-> MAIL FROM:<alice@example.org>\n<- 250 2.1.0 Ok\n-> RCPT TO:<x@far.example.net>\n<~ ^554\n<~ ^554\n-> RSET\n<- 250 2.0.0 Ok
-> AUTH LOGIN\n<- 334 VXNlcm5hbWU6\n-> ${b64('alice')}\n<- 334 UGFzc3dvcmQ6\n-> ${b64('s3cret')}\n<~ ^235
-> AUTH PLAIN ${b64('\0alice\0s3cret')}\n<~ ^503\n<~ ^503
-> MAIL FROM:<alice@example.org> AUTH=<>\n<- 250 2.1.0 Ok\n-> RCPT TO:<x@far.example.net>\n<- 250 2.1.5 Ok
-> QUIT\n<- 221 2.0.0 Bye`;
  const o = { localAddress: '127.0.0.5' };
  const theirs = await runDialog(postfix.port, script, o);
  const ours = await runDialog(affix.port, script, o);
  assert.equal(theirs.failure, null, `Postfix: ${theirs.failure}\n${theirs.lines.join('\n')}`);
  assert.equal(ours.failure, null, `affix: ${ours.failure}\n${ours.lines.join('\n')}`);
  assert.deepEqual(normalise(ours.lines), normalise(theirs.lines));
});
