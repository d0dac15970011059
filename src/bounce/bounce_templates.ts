/**
 * bounce_templates: the four templates of a notification — failure
 * (non-delivery), delay (warning), success (NOTIFY=SUCCESS) and verify
 * (sendmail -bv/-v) — with Postfix's built-in texts, the reader of
 * bounce_template_file (`failure_template = <<EOF ... EOF`, blank and `#`
 * lines ignored), and what `postconf -b` (expanded texts) and `postconf -t`
 * (the templates in file syntax) print.
 *
 * Parameters: bounce_template_file (read by the caller), header_from_format,
 *   smtputf8_enable, and the parameters a template names
 * Diagnostics: warnings for unknown template names and a missing end
 *   marker; fatal for a line that is not `name = value`
 * See: postfix/src/bounce/bounce_templates.c, bounce(5)
 */
import { domainToUnicode } from 'node:url';
import type { Config } from '../config/config.ts';
import { neutralise } from './bounce_header.ts';
import { BOUNCE_LOG } from './bounce_log.ts';
import {
  BounceTemplate,
  TEMPLATE_CLASSES,
  type TemplateClass,
  type TemplateEnv,
  type TemplateFields,
} from './bounce_template.ts';

const MAILER_DAEMON = 'MAILER-DAEMON';
const POSTMASTER = 'postmaster';
const THE_MAIL_SYSTEM = '                   The mail system';
const HOST_LINE = 'This is the mail system at host $myhostname.';
const ASSISTANCE = [
  `For further assistance, please send mail to ${POSTMASTER}.`,
  '',
  'If you do so, please include this problem report. You can',
  'delete your own text from the attached returned message.',
];

function builtin(
  cls: TemplateClass,
  subject: string,
  postmasterSubject: string | null,
  text: readonly string[],
): TemplateFields {
  return {
    cls,
    origin: '[built-in]',
    charset: 'us-ascii',
    encoding: '7bit',
    stdFrom: `Mail Delivery System <${MAILER_DAEMON}>`,
    obsFrom: `${MAILER_DAEMON} (Mail Delivery System)`,
    subject,
    postmasterSubject,
    text,
  };
}

/** The built-in templates, word for word Postfix's. */
export const BUILTIN_TEMPLATES: Readonly<Record<TemplateClass, TemplateFields>> = {
  failure: builtin('failure', 'Undelivered Mail Returned to Sender', 'Postmaster Copy: Undelivered Mail', [
    HOST_LINE,
    '',
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients. It's attached below.",
    '',
    ...ASSISTANCE,
    '',
    THE_MAIL_SYSTEM,
  ]),
  delay: builtin('delay', 'Delayed Mail (still being retried)', 'Postmaster Warning: Delayed Mail', [
    HOST_LINE,
    '',
    '####################################################################',
    '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
    '####################################################################',
    '',
    'Your message could not be delivered for more than $delay_warning_time_hours hour(s).',
    'It will be retried until it is $maximal_queue_lifetime_days day(s) old.',
    '',
    ...ASSISTANCE,
    '',
    THE_MAIL_SYSTEM,
  ]),
  success: builtin('success', 'Successful Mail Delivery Report', null, [
    HOST_LINE,
    '',
    'Your message was successfully delivered to the destination(s)',
    'listed below. If the message was delivered to mailbox you will',
    'receive no further notifications. Otherwise you may still receive',
    'notifications of mail delivery errors from other systems.',
    '',
    THE_MAIL_SYSTEM,
  ]),
  verify: builtin('verify', 'Mail Delivery Status Report', null, [
    HOST_LINE,
    '',
    'Enclosed is the mail delivery report that you requested.',
    '',
    THE_MAIL_SYSTEM,
  ]),
};

/** Thrown for a template file that cannot be read at all (Postfix's bounce dies with the same text). */
export class TemplateFileError extends Error {}

/** One group of templates (BOUNCE_TEMPLATES). */
export class BounceTemplates {
  readonly failure = new BounceTemplate(BUILTIN_TEMPLATES.failure);
  readonly delay = new BounceTemplate(BUILTIN_TEMPLATES.delay);
  readonly success = new BounceTemplate(BUILTIN_TEMPLATES.success);
  readonly verify = new BounceTemplate(BUILTIN_TEMPLATES.verify);

  /**
   * bounce_templates_load(): the templates in `text` (the file `path`)
   * override the built-in ones. Line numbers in messages count as Postfix's
   * do (one more than the line's).
   */
  load(path: string, text: string, warn: (text: string) => void): void {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let lineno = 1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      lineno++;
      const trimmed = line.replace(/^\s+/, '');
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const m = /^\s*([^\s=]+)\s*=\s*(.*?)\s*$/s.exec(line);
      if (m === null) {
        const err = /^\s*=/.test(line) ? 'missing attribute name' : "missing '=' after attribute name";
        throw new TemplateFileError(BOUNCE_LOG.malformed(path, lineno, err, line));
      }
      const name = m[1]!;
      let value = m[2]!;
      if (value.startsWith('<<')) {
        const marker = value.slice(2).replace(/^\s+/, '');
        if (marker === '') throw new TemplateFileError(BOUNCE_LOG.missingMarker(path, lineno));
        if (!/^[A-Za-z0-9]/.test(marker)) throw new TemplateFileError(BOUNCE_LOG.malformedMarker(path, lineno));
        const body: string[] = [];
        let ended = false;
        while (++i < lines.length) {
          lineno++;
          if (lines[i] === marker) {
            ended = true;
            break;
          }
          body.push(lines[i]!);
        }
        if (!ended) warn(BOUNCE_LOG.missingEndMarker(path, lineno, marker));
        value = body.join('\n');
      }
      const template = this.byName(name);
      if (template === null) warn(BOUNCE_LOG.unknownTemplate(path, lineno, name));
      else template.load(path, value);
    }
  }

  /** The template `<class>_template` names, or null. */
  byName(name: string): BounceTemplate | null {
    const cls = TEMPLATE_CLASSES.find((c) => name === `${c}_template`);
    return cls === undefined ? null : this[cls];
  }

  /** bounce_templates_expand(): what `postconf -b` prints. */
  expandAll(env: TemplateEnv): string {
    return TEMPLATE_CLASSES.map(
      (cls) => `expanded_${cls}_text = <<EOF\n${this[cls].expand(env).join('\n')}\nEOF\n`,
    ).join('\n');
  }

  /** bounce_templates_dump(): what `postconf -t` prints. */
  dumpAll(headerFromFormat: 'standard' | 'obsolete', warn: (text: string) => void): string {
    return TEMPLATE_CLASSES.map(
      (cls) => `${cls}_template = <<EOF\n${this[cls].dump(headerFromFormat, warn).join('\n')}\nEOF\n`,
    ).join('\n');
  }
}

/**
 * The expansion environment under a configuration: `$name` is the
 * parameter's expanded value made printable ($myhostname and $mydomain in
 * their Unicode form when smtputf8_enable is set), undefined for a name
 * no parameter has.
 */
export function templateEnv(config: Config, warn: (text: string) => void, fatal: (text: string) => never): TemplateEnv {
  const p = config.params;
  return {
    lookup(name) {
      if (config.raw(name) === undefined) return undefined;
      const value = config.value(name);
      const shown =
        p.smtputf8_enable && (name === 'myhostname' || name === 'mydomain') ? domainToUnicode(value) || value : value;
      return neutralise(shown);
    },
    delay_warning_time: p.delay_warning_time,
    maximal_queue_lifetime: p.maximal_queue_lifetime,
    warn,
    fatal,
  };
}
