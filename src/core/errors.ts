/**
 * Typed errors for every stage of the pipeline.
 *
 * Each error carries a stable `code` (for scripts and tests), a `hint` (what the
 * user can do about it) and the process `exitCode` the CLI maps it to:
 *   1 usage or input error, 2 run completed but a check (SLO, plan) failed,
 *   3 the run could not complete. Exit code 4 (`EXIT.interrupted`) is no error:
 *   a run (or the report of one) that stopped before its planned end.
 *   See docs/design.md "Exit codes".
 */

/**
 * Exit codes of the `prodshape` CLI (stable contract). `interrupted` (4): the run
 * stopped before its planned end (Ctrl-C, SIGTERM, or the target stopped
 * answering); the report holds everything sent. It wins over `checkFailed`.
 */
export const EXIT = { ok: 0, input: 1, checkFailed: 2, runFailed: 3, interrupted: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One problem found in an input file: where it is and what was expected. */
export interface Problem {
  /** Path of the file, as the user named it (or resolved), or null for CLI flags. */
  file: string | null;
  /** 1-based line in the file, when known. */
  line: number | null;
  /** Dotted path of the field inside the document, e.g. `endpoints[2].weight`. */
  field: string;
  /** What is wrong and what was expected, in one sentence. */
  message: string;
}

/** Formats a problem as `file:line: field: message`. */
export const formatProblem = (p: Problem): string => {
  const where = p.file === null ? '' : `${p.file}${p.line === null ? '' : `:${p.line}`}: `;
  return `${where}${p.field === '' ? '' : `${p.field}: `}${p.message}`;
};

/** Base error: every error prodshape raises on purpose is one of these. */
export class ProdshapeError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProdshapeError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.input;
  }
}

/** Bad input (file, flag, value): exit code 1. Carries every problem found, not just the first. */
export class InputError extends ProdshapeError {
  readonly problems: Problem[];
  constructor(problems: Problem[], opts: { hint?: string; code?: string } = {}) {
    const lines = problems.map(formatProblem);
    const message = lines.length === 1 ? (lines[0] ?? '') : `${lines.length} problems:\n  ${lines.join('\n  ')}`;
    super(opts.code ?? 'PS_INPUT', message, opts.hint === undefined ? {} : { hint: opts.hint });
    this.name = 'InputError';
    this.problems = problems;
  }
}

/** Shorthand for a single input problem. */
export const inputError = (
  field: string,
  message: string,
  where: { file?: string | null; line?: number | null; hint?: string; code?: string } = {},
): InputError =>
  new InputError([{ file: where.file ?? null, line: where.line ?? null, field, message }], {
    ...(where.hint === undefined ? {} : { hint: where.hint }),
    ...(where.code === undefined ? {} : { code: where.code }),
  });

/** The run could not complete (target unreachable at start, database refused, …): exit code 3. */
export class RunError extends ProdshapeError {
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.runFailed });
    this.name = 'RunError';
  }
}

/** A check failed after a completed run (SLO, plan check): exit code 2. */
export class CheckFailedError extends ProdshapeError {
  constructor(code: string, message: string, opts: { hint?: string } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.checkFailed });
    this.name = 'CheckFailedError';
  }
}

/** Message of any thrown value, for logs; never includes stack traces of non-errors. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
