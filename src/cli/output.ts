/**
 * What the CLI prints: errors (message, hint, code) and whether colours are on.
 * Every line goes through `redact`, so no secret reaches a terminal or a log.
 */
import { ProdshapeError, EXIT, type ExitCode } from '../core/errors.js';
import { redact } from '../core/secrets.js';

/** True when colours may be used on this stream (a TTY, and NO_COLOR unset). */
export const useColor = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  Boolean(stream.isTTY) && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';

/** Terminal width for renderings: the TTY's, between 60 and 120, else 80. */
export const terminalWidth = (): number => (process.stdout.isTTY ? Math.max(60, Math.min(120, process.stdout.columns || 80)) : 80);

/**
 * The real width of a TTY stream in columns (no clamping, unlike `terminalWidth`),
 * or null when the stream is not a TTY or does not know its width.
 */
export const streamColumns = (stream: NodeJS.WriteStream): number | null =>
  stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : null;

export const out = (text: string): void => {
  process.stdout.write(`${redact(text)}\n`);
};

export const err = (text: string): void => {
  process.stderr.write(`${redact(text)}\n`);
};

/** Prints an error for people and returns the exit code it maps to. */
export const reportError = (e: unknown): ExitCode => {
  if (e instanceof ProdshapeError) {
    err(`prodshape: ${e.message}`);
    if (e.hint !== undefined) err(`hint: ${e.hint}`);
    if (process.env.PRODSHAPE_DEBUG) err(`(${e.code})`);
    return e.exitCode;
  }
  err(`prodshape: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  err('This is a bug in prodshape; please report it with the command you ran.');
  return EXIT.runFailed;
};
