/**
 * Command lines for people to copy: every argument quoted for POSIX sh, and
 * URL passwords and registered secrets redacted. Pure except for the secret
 * registry it reads.
 */
import { redact, redactUrlPasswords } from './secrets.js';

/** Characters an argument may hold and still need no quotes in sh. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one argument for POSIX sh: as is when it holds only plain
 * characters, else in single quotes, each `'` written as `'\''`. The empty
 * string is `''`.
 */
export const shellQuote = (arg: string): string => (PLAIN.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** A command line to print: each argument redacted (`user:***@host`, `***` for secrets), then quoted. */
export const commandLine = (args: readonly string[]): string =>
  args.map((a) => shellQuote(redact(redactUrlPasswords(a)))).join(' ');
