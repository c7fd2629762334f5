/**
 * What the CLI prints: errors (message, hint, code) and whether colours are on.
 * Every line goes through `redact`, so no secret reaches a terminal or a log.
 */
import { ProdshapeError, EXIT, type ExitCode } from '../core/errors.js';
import { redact } from '../core/secrets.js';

/**
 * The one colour rule of every command and stream: `--no-color` turns them
 * off; so does `NO_COLOR` set to anything but ''; `FORCE_COLOR` turns them on
 * (even when not a TTY) unless it is `0` or `false` (then off); otherwise on
 * a TTY whose TERM is not `dumb`. Pure.
 */
export const colorWanted = (o: { flag?: boolean | undefined; env: NodeJS.ProcessEnv; isTTY: boolean }): boolean => {
  if (o.flag === false) return false;
  if (o.env.NO_COLOR !== undefined && o.env.NO_COLOR !== '') return false;
  const force = o.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return o.isTTY && o.env.TERM !== 'dumb';
};

/** `--color` / `--no-color` as parsed (undefined: not given); set once by the CLI before a command runs. */
let colorFlag: boolean | undefined;
export const setColorFlag = (flag: boolean | undefined): void => {
  colorFlag = flag;
};

/** True when colours may be used on this stream (`colorWanted` with this process's flag and environment). */
export const useColor = (stream: NodeJS.WriteStream = process.stdout): boolean =>
  colorWanted({ flag: colorFlag, env: process.env, isTTY: Boolean(stream.isTTY) });

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
