/**
 * Bounce templates and `affix postconf -b` / `-t`: the built-in texts
 * expand to what Postfix 3.7.11's `postconf -b` printed
 * (bounce-templates-postconf-b.txt); and for template files good and bad
 * (custom headers and charset, `$$`, an unknown template name, a bad
 * header label, 8-bit text under us-ascii, a missing end marker, an
 * undefined `$name`, bad `$` syntax, a missing file), affix prints the
 * same as the real postconf, on standard output and error, with the same
 * exit status.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BounceTemplates } from '../../src/bounce/bounce_templates.ts';
import { main as postconf } from '../../src/cli/postconf.ts';
import { runCli } from '../peers/cli_capture.ts';
import { runTool } from '../peers/postfix_tools.ts';
import { missingPrograms } from '../peers/programs.ts';
import { configDir } from '../peers/tmpdir.ts';
import { FIXTURES } from './bounce_fixtures.ts';

const TEMPLATE_FILES: Readonly<Record<string, string>> = {
  'custom.cf': [
    '# a comment',
    'failure_template = <<EOF',
    'Charset: utf-8',
    'From: Postmaster <MAILER-DAEMON>',
    'Subject: Ouch $$5 $myhostname',
    '',
    'Hello at $myhostname: käse',
    'more $$ money, $mydomain',
    'EOF',
    'bogus_template = x',
    'delay_template = <<EOF',
    'X-Bad: foo',
    '',
    'text',
    'EOF',
    '',
  ].join('\n'),
  'eightbit.cf': 'verify_template = <<EOF\nSubject: x\n\nkäse\nEOF\n',
  'inapplicable.cf':
    'success_template = <<EOF\nPostmaster-Subject: y\n\nt\nEOF\nsuccess_template = <<EOF\nSubject: twice\n\nsecond wins\nEOF\n',
  'unended.cf': 'failure_template = <<EOF\nSubject: x\n\nHello\n',
  'undefined.cf': 'failure_template = <<EOF\nSubject: x\n\nHello $nosuch_param_x\nEOF\n',
  'badsyntax.cf': 'failure_template = <<EOF\n\nHello ${myhostname\nEOF\n',
  'units.cf': 'delay_template = <<EOF\n\n$delay_warning_time_minutes min, $maximal_queue_lifetime_weeks wk\nEOF\n',
  'badsuffix.cf': 'delay_template = <<EOF\n\n$delay_warning_time_fortnights\nEOF\n',
  'noequals.cf': 'failure_template <<EOF\n',
};

const MAIN_CF = 'myhostname = mx.example.test\nmydomain = example.test\ndelay_warning_time = 1s\n';

test('postconf -b prints the built-in templates as Postfix 3.7.11 does', async (t) => {
  const dir = configDir(t, 'myhostname = mx.example.test\n');
  const r = await runCli(postconf, ['-c', dir, '-b']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, readFileSync(join(FIXTURES, 'bounce-templates-postconf-b.txt'), 'utf8'));
});

test('postconf -t prints the built-in templates in bounce_template_file syntax', async (t) => {
  const dir = configDir(t, 'myhostname = mx.example.test\nheader_from_format = obsolete\n');
  const r = await runCli(postconf, ['-c', dir, '-t']);
  assert.equal(r.status, 0);
  assert.match(
    r.stdout,
    /^failure_template = <<EOF\nCharset: us-ascii\nFrom: MAILER-DAEMON \(Mail Delivery System\)\n/,
  );
  assert.match(r.stdout, /\nverify_template = <<EOF\n[\s\S]*\n {19}The mail system\nEOF\n$/);
  assert.match(r.stdout, /Your message could not be delivered for more than \$delay_warning_time_hours hour\(s\)\./);
});

test('postconf -b and -t with template files: the same output, messages and status as Postfix', async (t) => {
  const missing = missingPrograms(['postconf']);
  if (missing !== undefined) return t.skip(missing);
  const dir = configDir(t, MAIN_CF);
  for (const [name, text] of Object.entries(TEMPLATE_FILES)) writeFileSync(join(dir, name), text);
  const files = [...Object.keys(TEMPLATE_FILES), 'nonexistent.cf'];
  for (const name of files) {
    for (const flag of ['-b', '-t']) {
      const file = join(dir, name);
      const ours = await runCli(postconf, ['-c', dir, flag, file]);
      const theirs = runTool('postconf', ['-c', dir, flag, file]);
      const what = `postconf ${flag} ${name}`;
      assert.equal(ours.status, theirs.status, what);
      assert.equal(ours.stdout, theirs.stdout, what);
      // Postfix repeats some warnings (its stderr is written more than once); compare each distinct line.
      const distinct = (s: string) => [...new Set(s.split('\n').filter((l) => l !== ''))];
      assert.deepEqual(distinct(ours.stderr), distinct(theirs.stderr), what);
    }
  }
});

test('a template file with an unknown header label leaves the built-in template in use, with a warning', () => {
  const templates = new BounceTemplates();
  const warnings: string[] = [];
  templates.load('/etc/postfix/bounce.cf', 'failure_template = <<EOF\nX-Bad: 1\n\ntext\nEOF\n', (w) =>
    warnings.push(w),
  );
  const fields = templates.failure.fields((w) => warnings.push(w));
  assert.equal(fields.origin, '[built-in]');
  assert.equal(fields.subject, 'Undelivered Mail Returned to Sender');
  assert.deepEqual(warnings, [
    '/etc/postfix/bounce.cf: unknown "X-Bad" header label in failure template -- ignoring this template',
  ]);
});
