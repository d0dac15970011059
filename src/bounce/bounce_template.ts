/**
 * bounce_template: one notification template — its class (failure, delay,
 * success, verify), MIME charset, From: and Subject: texts, the subject of
 * the postmaster copy, and the message text — as Postfix keeps it: a
 * template from bounce_template_file is parsed when first used, and a bad
 * one is replaced by the built-in template with a warning. Expansion
 * replaces `$name` with main.cf values (made printable), and
 * `$delay_warning_time_<unit>` / `$maximal_queue_lifetime_<unit>` with the
 * time in seconds, minutes, hours, days or weeks (integer division).
 *
 * Parameters: delay_warning_time, maximal_queue_lifetime, header_from_format,
 *   and any main.cf parameter a template names
 * Diagnostics: warnings for unusable templates (the built-in one is used)
 *   and for zero or excessive time conversions; an undefined `$name` or bad
 *   `$` syntax is fatal, as in Postfix
 * See: postfix/src/bounce/bounce_template.c
 */
import { macExpand } from '../config/mac_expand.ts';
import { BOUNCE_LOG } from './bounce_log.ts';

export const TEMPLATE_CLASSES = ['failure', 'delay', 'success', 'verify'] as const;
export type TemplateClass = (typeof TEMPLATE_CLASSES)[number];

/** A template's parsed form (BOUNCE_TEMPLATE without the buffer). */
export interface TemplateFields {
  readonly cls: TemplateClass;
  /** Where it came from: a file name, or `[built-in]`. */
  readonly origin: string;
  readonly charset: string;
  /** `7bit`, or `8bit` when the text is not ASCII. */
  readonly encoding: '7bit' | '8bit';
  /** From: with header_from_format = standard, and obsolete. */
  readonly stdFrom: string;
  readonly obsFrom: string;
  readonly subject: string;
  /** null for success and verify, which have no postmaster copy. */
  readonly postmasterSubject: string | null;
  readonly text: readonly string[];
}

/** What expansion needs from the configuration, and where its warnings go. */
export interface TemplateEnv {
  /** The expanded value of a main.cf parameter, undefined when no such parameter exists. */
  readonly lookup: (name: string) => string | undefined;
  /** delay_warning_time and maximal_queue_lifetime, in seconds. */
  readonly delay_warning_time: number;
  readonly maximal_queue_lifetime: number;
  readonly warn: (text: string) => void;
  /** A fatal template error: logs and throws. */
  readonly fatal: (text: string) => never;
}

const TIME_DIVISORS: ReadonlyArray<readonly [string, number]> = [
  ['seconds', 1],
  ['minutes', 60],
  ['hours', 3600],
  ['days', 86400],
  ['weeks', 7 * 86400],
];
const TIME_PARAMS = ['delay_warning_time', 'maximal_queue_lifetime'] as const;

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** is_header(): the label's length when `line` starts like a header (`Name:` or `Name :`), else 0. */
export function isHeader(line: string): number {
  const m = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/.exec(line);
  return m === null ? 0 : m[1]!.length;
}

/** One template: built in, or text from bounce_template_file parsed on first use. */
export class BounceTemplate {
  readonly #builtin: TemplateFields;
  #fields: TemplateFields;
  #pending: { readonly origin: string; readonly buffer: string } | null = null;

  constructor(builtin: TemplateFields) {
    this.#builtin = builtin;
    this.#fields = builtin;
  }

  get cls(): TemplateClass {
    return this.#builtin.cls;
  }

  /** bounce_template_load(): keeps the text to parse it when first needed. */
  load(origin: string, buffer: string): void {
    this.#fields = this.#builtin;
    this.#pending = { origin, buffer };
  }

  /** The parsed template; warnings for an unusable one go to `warn`, and the built-in one is used. */
  fields(warn: (text: string) => void): TemplateFields {
    if (this.#pending !== null) {
      const { origin, buffer } = this.#pending;
      this.#pending = null;
      this.#fields = parseTemplate(this.#builtin, origin, buffer, warn) ?? this.#builtin;
    }
    return this.#fields;
  }

  /** bounce_template_expand(): the message text with `$name` expanded, one string per line. */
  expand(env: TemplateEnv): string[] {
    const t = this.fields(env.warn);
    const lookup = (key: string) => lookupTemplate(t, key, env);
    return t.text.map((line) => {
      const r = macExpand(line, lookup, { recurse: false });
      if (r.errors.length > 0) {
        r.errors.forEach(env.warn);
        env.fatal(BOUNCE_LOG.badSyntax(t.origin, t.cls, line));
      }
      if (r.undefinedNames.length > 0) env.fatal(BOUNCE_LOG.undefinedName(t.origin, t.cls, line));
      return r.value;
    });
  }

  /** bounce_template_dump(): the template in bounce_template_file syntax, without the `name = <<EOF` lines. */
  dump(headerFromFormat: 'standard' | 'obsolete', warn: (text: string) => void): string[] {
    const t = this.fields(warn);
    return [
      `Charset: ${t.charset}`,
      `From: ${headerFromFormat === 'standard' ? t.stdFrom : t.obsFrom}`,
      `Subject: ${t.subject}`,
      ...(t.postmasterSubject === null ? [] : [`Postmaster-Subject: ${t.postmasterSubject}`]),
      '',
      ...t.text,
    ];
  }
}

/** bounce_template_parse_buffer(): null (after a warning) when the template is unusable. */
function parseTemplate(
  builtin: TemplateFields,
  origin: string,
  buffer: string,
  warn: (text: string) => void,
): TemplateFields | null {
  const lines = buffer.split('\n');
  const cls = builtin.cls;
  let charset = builtin.charset;
  let stdFrom = builtin.stdFrom;
  let obsFrom = builtin.obsFrom;
  let subject = builtin.subject;
  let postmasterSubject = builtin.postmasterSubject;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    const hlen = isHeader(line);
    if (hlen === 0) break;
    const label = line.slice(0, hlen);
    const value = line.slice(hlen).replace(/^[:\s]+/, '');
    if (value === '') return bad(BOUNCE_LOG.emptyHeader(origin, label, cls));
    if (!isAscii(value)) return bad(BOUNCE_LOG.nonAsciiHeader(origin, label, cls));
    switch (label.toLowerCase()) {
      case 'charset':
        charset = value;
        break;
      case 'from':
        stdFrom = obsFrom = value;
        break;
      case 'subject':
        subject = value;
        break;
      case 'postmaster-subject':
        if (postmasterSubject === null) return bad(BOUNCE_LOG.inapplicableHeader(origin, label, cls));
        postmasterSubject = value;
        break;
      default:
        return bad(BOUNCE_LOG.unknownHeader(origin, label, cls));
    }
  }
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i >= lines.length) return bad(BOUNCE_LOG.missingText(origin, cls));
  const text = lines.slice(i);
  let encoding: '7bit' | '8bit' = '7bit';
  if (!text.every(isAscii)) {
    if (charset.toLowerCase() === 'us-ascii') {
      BOUNCE_LOG.eightBitText(origin, cls).forEach(warn);
      return null;
    }
    encoding = '8bit';
  }
  return { cls, origin, charset, encoding, stdFrom, obsFrom, subject, postmasterSubject, text };

  function bad(text: string): null {
    warn(text);
    return null;
  }
}

/** bounce_template_lookup(): a time parameter scaled to a unit, or a main.cf value. */
function lookupTemplate(t: TemplateFields, key: string, env: TemplateEnv): string | undefined {
  for (const param of TIME_PARAMS) {
    if (!key.startsWith(`${param}_`)) continue;
    const suffix = key.slice(param.length + 1);
    const divisor = TIME_DIVISORS.find(([name]) => name === suffix)?.[1];
    if (divisor === undefined) return env.fatal(BOUNCE_LOG.badSuffix(t.origin, suffix, key));
    const seconds = env[param];
    const result = Math.trunc(seconds / divisor);
    if (result > 999 && divisor < 86400) {
      BOUNCE_LOG.excessiveResult(t.origin, result, t.cls, key, suffix).forEach(env.warn);
    } else if (result === 0 && seconds !== 0 && divisor > 1) {
      BOUNCE_LOG.zeroResult(t.origin, t.cls, key, suffix).forEach(env.warn);
    }
    return String(result);
  }
  return env.lookup(key);
}
