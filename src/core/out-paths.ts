/**
 * Output paths (`--out`, `--log-requests`, `--junit`, …), checked before any
 * work starts and created with a bounded mkdir: a user's file or directory is
 * never overwritten without `--force`, and a path that cannot be made (a file
 * in the way, /proc, a read-only place) is an input error naming the flag,
 * never a crash or a hang.
 *
 * Two steps: `check*` only looks (call it first, with the other flag checks);
 * `prepare*` creates what is missing and proves it writable (call it after
 * the inputs are loaded, before any load is sent).
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputError } from './errors.js';

/** The file a previous prodshape run leaves in its run directory. */
const RUN_MARKER = 'run.json';
/** Deepest path walked up or created: far more than any real path, so a loop can never spin. */
const MAX_DEPTH = 256;

const FORCE_HINT = 'choose another path, or pass --force to write there anyway';

const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? 'error';

const statOrNull = (path: string, flag: string): Stats | null => {
  try {
    return statSync(path);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return null;
    // ENOTDIR: a file sits where a parent directory should be.
    if (codeOf(e) === 'ENOTDIR') throw inputError(flag, `cannot use ${path}: a part of it is a file, not a directory`);
    throw inputError(flag, `cannot use ${path} (${codeOf(e)})`);
  }
};

/** The nearest existing ancestor of `path` (itself included); it must be a directory for anything to be created below it. */
const existingAncestor = (path: string, flag: string): { dir: string; missing: string[] } => {
  const missing: string[] = [];
  let cur = resolve(path);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const st = statOrNull(cur, flag);
    if (st !== null) {
      if (!st.isDirectory()) throw inputError(flag, `cannot create ${path}: ${cur} is a file, not a directory`);
      return { dir: cur, missing: missing.reverse() };
    }
    missing.push(cur);
    const parent = dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  throw inputError(flag, `cannot create ${path}: no existing directory above it`);
};

/** Creates `dir` and its missing parents one level at a time (at most MAX_DEPTH), each failure an input error. */
const mkdirBounded = (dir: string, flag: string): void => {
  for (const d of existingAncestor(dir, flag).missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (codeOf(e) === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw inputError(flag, `cannot create ${d} (${codeOf(e)})`);
    }
  }
};

/**
 * Checks an output directory without touching anything: a missing one (below
 * a directory), an empty one, or with `force` one that holds files. Never a
 * file. A previous run's directory (run.json) holds files too.
 */
export const checkOutputDir = (dir: string, flag: string, force: boolean): void => {
  const st = statOrNull(dir, flag);
  if (st === null) {
    existingAncestor(dir, flag);
    return;
  }
  if (!st.isDirectory()) throw inputError(flag, `${dir} is a file, not a directory`, { hint: 'choose a directory path' });
  if (force) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw inputError(flag, `cannot read ${dir} (${codeOf(e)})`);
  }
  if (entries.length === 0) return;
  if (entries.includes(RUN_MARKER)) {
    throw inputError(flag, `${dir} already holds a run (run.json)`, { hint: 'choose another directory, or pass --force to replace that run\'s files', code: 'PS_OUT_EXISTS' });
  }
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  throw inputError(flag, `${dir} is not empty (${shown}); its files could be overwritten`, { hint: FORCE_HINT, code: 'PS_OUT_EXISTS' });
};

/** Creates the checked output directory (bounded mkdir) and proves it writable. */
export const prepareOutputDir = (dir: string, flag: string): void => {
  mkdirBounded(dir, flag);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw inputError(flag, `cannot write in ${dir} (${codeOf(e)})`);
  }
};

/**
 * Checks an output file without touching anything: missing (below a
 * directory, or a path whose missing parents can be made), or with `force` an
 * existing file. Never a directory.
 */
export const checkOutputFile = (file: string, flag: string, force: boolean): void => {
  const st = statOrNull(file, flag);
  if (st === null) {
    existingAncestor(dirname(resolve(file)), flag);
    return;
  }
  if (st.isDirectory()) throw inputError(flag, `${file} is a directory, not a file`, { hint: 'name a file' });
  if (!force) throw inputError(flag, `${file} already exists`, { hint: FORCE_HINT, code: 'PS_OUT_EXISTS' });
};

/**
 * Creates the checked output file's directory (bounded mkdir) and proves the
 * file can be written, without changing an existing one (a new one is
 * created and removed again).
 */
export const prepareOutputFile = (file: string, flag: string): void => {
  const path = resolve(file);
  mkdirBounded(dirname(path), flag);
  const exists = statOrNull(path, flag) !== null;
  try {
    closeSync(openSync(path, exists ? 'r+' : 'wx'));
    if (!exists) unlinkSync(path);
  } catch (e) {
    throw inputError(flag, `cannot write ${file} (${codeOf(e)})`);
  }
};

/** `checkOutputFile` then `prepareOutputFile`: for outputs written right away, with no load in between. */
export const ensureOutputFile = (file: string, flag: string, force: boolean): void => {
  checkOutputFile(file, flag, force);
  prepareOutputFile(file, flag);
};

/** `checkOutputDir` then `prepareOutputDir`. */
export const ensureOutputDir = (dir: string, flag: string, force: boolean): void => {
  checkOutputDir(dir, flag, force);
  prepareOutputDir(dir, flag);
};
