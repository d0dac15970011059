/**
 * log_errors: what log.fatal() and log.panic() throw after logging. The
 * caller decides whether to exit (a daemon exits with status 1, as
 * msg_fatal() does; a test asserts on the error).
 *
 * See: postfix/src/util/msg.c (msg_fatal, msg_panic)
 */

/** The environment or configuration is wrong: logged as `fatal: text`. */
export class FatalError extends Error {
  /** The text as logged, without the `fatal: ` prefix. */
  readonly text: string;
  constructor(text: string, options?: ErrorOptions) {
    super(text, options);
    this.name = 'FatalError';
    this.text = text;
  }
}

/** A broken invariant, a bug: logged as `panic: text`. */
export class PanicError extends Error {
  /** The text as logged, without the `panic: ` prefix. */
  readonly text: string;
  constructor(text: string, options?: ErrorOptions) {
    super(text, options);
    this.name = 'PanicError';
    this.text = text;
  }
}
