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

/**
 * Every error code prodshape raises, with the exit code it ends the CLI with
 * and what it means (docs/design.md "Error codes" lists the same table;
 * test/core/error-codes.test.ts keeps the two equal). A new code goes here
 * first: the error classes accept only codes of their exit code.
 */
export const ERROR_CODES = {
  PS_INPUT: { exit: EXIT.input, meaning: 'a file, flag or value is wrong (the message names file, line and field)' },
  PS_USAGE: { exit: EXIT.input, meaning: 'the command line does not parse (unknown flag, missing argument)' },
  PS_SLO: { exit: EXIT.input, meaning: 'an SLO spec does not parse, or names an endpoint the run does not have' },
  PS_PREFLIGHT: { exit: EXIT.input, meaning: 'a replay\'s inputs were refused before anything was sent' },
  PS_OUT_EXISTS: { exit: EXIT.input, meaning: 'an output directory or file already exists (pass --force)' },
  PS_NOT_FOUND: { exit: EXIT.input, meaning: 'a scenario or profile name or path does not exist' },
  PS_NO_TARGET: { exit: EXIT.input, meaning: 'no --target and no demo service to run against' },
  PS_TARGET_REMOTE: { exit: EXIT.input, meaning: 'a target outside loopback and private networks, without --allow-remote' },
  PS_PG_NOT_EMPTY: { exit: EXIT.input, meaning: 'generate --to: the tables exist and hold rows (pass --replace)' },
  PS_LOG_MALFORMED: { exit: EXIT.input, meaning: 'an access-log line does not parse, with --strict' },
  PS_EXPLAIN_REFUSED: { exit: EXIT.input, meaning: 'a statement prodshape will not EXPLAIN (not a single read-only SELECT)' },
  PS_RUN_DAMAGED: { exit: EXIT.input, meaning: 'a run directory\'s file is damaged beyond what is tolerated' },
  PS_PLAN_CHANGED: { exit: EXIT.checkFailed, meaning: 'plans check: a critical query\'s plan changed' },
  PS_TARGET_UNREACHABLE: { exit: EXIT.runFailed, meaning: 'the target did not answer at the start' },
  PS_TARGET_UNRESOLVED: { exit: EXIT.runFailed, meaning: 'a host name of the run did not resolve' },
  PS_DB_UNREACHABLE: { exit: EXIT.runFailed, meaning: 'the database to EXPLAIN against did not answer' },
  PS_PG_CONNECT: { exit: EXIT.runFailed, meaning: 'generate --to: the database did not accept the connection' },
  PS_PG_LOAD: { exit: EXIT.runFailed, meaning: 'generate --to: the database refused a statement or COPY' },
  PS_PGLITE_LOAD: { exit: EXIT.runFailed, meaning: 'loading into PGlite failed' },
  PS_PG_USER: { exit: EXIT.runFailed, meaning: 'embedded PostgreSQL: no user it can run as' },
  PS_PG_INITDB: { exit: EXIT.runFailed, meaning: 'embedded PostgreSQL: initdb failed' },
  PS_PG_START: { exit: EXIT.runFailed, meaning: 'embedded PostgreSQL: the server did not start' },
  PS_PG_VERSION: { exit: EXIT.runFailed, meaning: 'embedded PostgreSQL: a data directory of another version' },
  PS_PG_BUSY: { exit: EXIT.runFailed, meaning: 'embedded PostgreSQL: the data directory is in use' },
  PS_WORKER: { exit: EXIT.runFailed, meaning: 'a worker thread failed' },
  PS_OUT_DIR: { exit: EXIT.runFailed, meaning: 'the output directory could not be written' },
  PS_INTERRUPTED: { exit: EXIT.runFailed, meaning: 'generation stopped before the dataset was complete (the command exits 4)' },
  PS_DEMO_DB: { exit: EXIT.runFailed, meaning: 'the demo service\'s database failed' },
  PS_DEMO_PGLITE: { exit: EXIT.runFailed, meaning: 'the demo service\'s PGlite failed to start' },
  PS_DEMO_FOREIGN_TABLES: { exit: EXIT.runFailed, meaning: 'the demo database holds tables the demo did not make' },
  PS_DEMO_START: { exit: EXIT.runFailed, meaning: 'the demo service did not start' },
  PS_K6_BUNDLE: { exit: EXIT.runFailed, meaning: 'the k6 script could not be turned into JavaScript (esbuild failed)' },
} as const satisfies Record<`PS_${string}`, { exit: ExitCode; meaning: string }>;

/** An error code of ERROR_CODES. */
export type ErrorCode = keyof typeof ERROR_CODES;
type CodeWithExit<E extends ExitCode> = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['exit'] extends E ? C : never }[ErrorCode];
/** Codes of input errors (exit 1), failed checks (exit 2), runs that could not complete (exit 3). */
export type InputCode = CodeWithExit<typeof EXIT.input>;
export type CheckCode = CodeWithExit<typeof EXIT.checkFailed>;
export type RunCode = CodeWithExit<typeof EXIT.runFailed>;

/** Whether `code` (e.g. read back from a worker's message) is one of ERROR_CODES. */
export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_CODES, code);
/** Whether `code` is an input error's code (exit 1). */
export const isInputCode = (code: string): code is InputCode => isErrorCode(code) && ERROR_CODES[code].exit === EXIT.input;

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
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  /** The exit code is the code's (ERROR_CODES). */
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProdshapeError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = ERROR_CODES[code].exit;
  }
}

/** Bad input (file, flag, value): exit code 1. Carries every problem found, not just the first. */
export class InputError extends ProdshapeError {
  readonly problems: Problem[];
  constructor(problems: Problem[], opts: { hint?: string; code?: InputCode } = {}) {
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
  where: { file?: string | null; line?: number | null; hint?: string; code?: InputCode } = {},
): InputError =>
  new InputError([{ file: where.file ?? null, line: where.line ?? null, field, message }], {
    ...(where.hint === undefined ? {} : { hint: where.hint }),
    ...(where.code === undefined ? {} : { code: where.code }),
  });

/** The run could not complete (target unreachable at start, database refused, …): exit code 3. */
export class RunError extends ProdshapeError {
  constructor(code: RunCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'RunError';
  }
}

/** A check failed after a completed run (SLO, plan check): exit code 2. */
export class CheckFailedError extends ProdshapeError {
  constructor(code: CheckCode, message: string, opts: { hint?: string } = {}) {
    super(code, message, opts);
    this.name = 'CheckFailedError';
  }
}

/** Message of any thrown value, for logs; never includes stack traces of non-errors. */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
