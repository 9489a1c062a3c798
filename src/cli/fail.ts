import { AtrousError } from '../index.js';

/**
 * How the CLI reports a user's mistake: the library's code and message, plus at most one line of
 * advice that only the CLI can give (which synthetic shapes it built, which command shows why).
 */

const hints = new WeakMap<AtrousError, string>();

/** Attaches advice to an error on its way out, leaving the library's code and message untouched. */
export function withHint(err: unknown, hint: string): unknown {
  if (err instanceof AtrousError) hints.set(err, hint);
  return err;
}

/** `error [kernel_too_large]: conv2d: ...`, then the advice, indented. */
export function formatError(err: AtrousError): string {
  const hint = hints.get(err);
  return `error [${err.code}]: ${err.message}${hint === undefined ? '' : `\n  ${hint}`}\n`;
}
