/**
 * config_error: the one error type for a configuration that cannot be used.
 * Its message is Postfix's fatal text without the `fatal: ` prefix, e.g.
 * `/etc/postfix/main.cf, line 3: bad numerical configuration: x = y`; the
 * command or daemon that catches it prints `program: fatal: ` before it and
 * exits non-zero.
 */

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
