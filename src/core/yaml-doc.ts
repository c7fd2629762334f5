/**
 * YAML documents that remember where each value came from, and a checker that
 * validates them strictly, collecting *every* problem with its file, line and
 * field path before failing (k6's style: a list of problems, not the first).
 */
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError, type Problem } from './errors.js';
import { parseDurationMs } from './duration.js';

import { didYouMean, meantText } from './did-you-mean.js';


/** A path inside a document: keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** A parsed YAML document: its plain value and a way to find a value's line. */
export interface YamlDoc {
  file: string;
  text: string;
  value: unknown;
  /** 1-based line of the node at `path` (the key's line for maps), or the nearest ancestor's. */
  lineOf(path: DocPath): number | null;
}

/** Formats a path as `endpoints[2].weight`. */
export const formatPath = (path: DocPath): string =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');

/** Most times aliases (`*name`) may be expanded in one document: real files use a few; a "billion laughs" bomb, millions. */
const MAX_ALIAS_COUNT = 100;

/** Parses YAML text; syntax errors and alias bombs become an InputError naming the file (and line). */
export const parseYaml = (text: string, file: string): YamlDoc => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => ({
        file,
        line: lineCounter.linePos(e.pos[0]).line,
        field: '',
        message: `invalid YAML: ${e.message.split('\n')[0] ?? e.message}`,
      })),
    );
  }
  const lineOf = (path: DocPath): number | null => {
    for (let n = path.length; n >= 0; n--) {
      const sub = path.slice(0, n);
      const node = (sub.length === 0 ? doc.contents : doc.getIn(sub, true)) as Node | undefined;
      // For a map entry the key's line reads better than the value's (which may be on the next line).
      if (sub.length > 0) {
        const parent = (sub.length === 1 ? doc.contents : doc.getIn(sub.slice(0, -1), true)) as Node | undefined;
        if (isMap(parent)) {
          const key = sub[sub.length - 1];
          const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
          const range = (pair?.key as Node | null | undefined)?.range;
          if (range) return lineCounter.linePos(range[0]).line;
        }
        if (isSeq(parent)) {
          const item = parent.items[sub[sub.length - 1] as number] as Node | undefined;
          if (item?.range) return lineCounter.linePos(item.range[0]).line;
        }
      }
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (e) {
    // The yaml library refuses a document whose aliases expand too far (a "billion laughs" bomb) with a ReferenceError.
    if (!(e instanceof ReferenceError)) throw e;
    throw new InputError([{ file, line: null, field: '', message: `invalid YAML: ${e.message} (aliases such as *name expand to more than ${MAX_ALIAS_COUNT} copies)` }]);
  }
  return { file, text, value, lineOf };
};

/** Reads and parses a YAML file; a missing file is an InputError. */
export const readYamlFile = async (file: string): Promise<YamlDoc> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError([{ file, line: null, field: '', message: `cannot read file (${(e as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  return parseYaml(text, file);
};

/** A number as YAML writes it: `.nan`, `.inf` and `-.inf` for the values JSON cannot show. */
const yamlNumber = (v: number): string => (Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v));

const describe = (v: unknown): string =>
  v === null || v === undefined ? 'nothing' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping'
    : typeof v === 'number' ? `number ${yamlNumber(v)}` : `${typeof v} ${JSON.stringify(v)}`;

/**
 * A strict validator over one document. Each reader returns the value when it is
 * valid and `undefined` otherwise, after recording a problem; call `done()` at
 * the end to throw every problem at once.
 */
export interface Checker {
  readonly doc: YamlDoc;
  readonly problems: Problem[];
  problem(path: DocPath, message: string): void;
  /** A mapping whose keys are all in `required` or `optional`; unknown and missing keys are problems. */
  object(path: DocPath, v: unknown, keys: { required?: readonly string[]; optional?: readonly string[] }): Record<string, unknown> | undefined;
  /** A mapping with any keys (e.g. headers, weights); values are checked by the caller. */
  map(path: DocPath, v: unknown): Record<string, unknown> | undefined;
  list(path: DocPath, v: unknown, opts?: { min?: number }): unknown[] | undefined;
  string(path: DocPath, v: unknown, opts?: { nonEmpty?: boolean; pattern?: RegExp; patternText?: string }): string | undefined;
  number(path: DocPath, v: unknown, opts?: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean }): number | undefined;
  boolean(path: DocPath, v: unknown): boolean | undefined;
  oneOf<T extends string>(path: DocPath, v: unknown, options: readonly T[]): T | undefined;
  /** A duration (`500ms`, `30s`, `5m`, `1h`, or seconds as a number), returned in ms. */
  durationMs(path: DocPath, v: unknown, opts?: { min?: number }): number | undefined;
  /** Throws an InputError with every problem recorded, if any. */
  done(): void;
}

/** Records a problem at a path of the document. */
type Report = (path: DocPath, message: string) => void;
type CheckOpts<K extends keyof Checker> = Checker[K] extends (path: DocPath, v: unknown, opts?: infer O) => unknown ? O : never;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const checkObject = (problem: Report, path: DocPath, v: unknown, keys: { required?: readonly string[]; optional?: readonly string[] }): Record<string, unknown> | undefined => {
  if (!isPlainObject(v)) {
    problem(path, `expected a mapping, got ${describe(v)}`);
    return undefined;
  }
  const required = keys.required ?? [];
  const allowed = [...required, ...(keys.optional ?? [])];
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) {
      const near = didYouMean(k, allowed);
      problem([...path, k], `unknown key${meantText(near)}; expected one of: ${allowed.join(', ')}`);
    }
  }
  for (const k of required) if (v[k] === undefined || v[k] === null) problem([...path, k], 'is required');
  return v;
};

const checkList = (problem: Report, path: DocPath, v: unknown, opts: CheckOpts<'list'> = {}): unknown[] | undefined => {
  if (!Array.isArray(v)) {
    problem(path, `expected a list, got ${describe(v)}`);
    return undefined;
  }
  if (opts.min !== undefined && v.length < opts.min) {
    problem(path, `expected at least ${opts.min} item${opts.min === 1 ? '' : 's'}, got ${v.length}`);
    return undefined;
  }
  return v as unknown[];
};

const checkString = (problem: Report, path: DocPath, v: unknown, opts: CheckOpts<'string'> = {}): string | undefined => {
  if (typeof v !== 'string' && typeof v !== 'number') {
    problem(path, `expected a string, got ${describe(v)}`);
    return undefined;
  }
  const s = String(v);
  if (opts.nonEmpty && s.trim() === '') {
    problem(path, 'must not be empty');
    return undefined;
  }
  if (opts.pattern && !opts.pattern.test(s)) {
    problem(path, `expected ${opts.patternText ?? `text matching ${String(opts.pattern)}`}, got ${JSON.stringify(s)}`);
    return undefined;
  }
  return s;
};

const checkNumber = (problem: Report, path: DocPath, v: unknown, opts: CheckOpts<'number'> = {}): number | undefined => {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    problem(path, `expected a number, got ${describe(v)}`);
    return undefined;
  }
  if (opts.integer && !Number.isInteger(v)) {
    problem(path, `expected a whole number, got ${v}`);
    return undefined;
  }
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) {
    problem(path, `expected a number ${opts.exclusiveMin ? '>' : '>='} ${opts.min}, got ${v}`);
    return undefined;
  }
  if (opts.max !== undefined && v > opts.max) {
    problem(path, `expected a number <= ${opts.max}, got ${v}`);
    return undefined;
  }
  return v;
};

const checkOneOf = <T extends string>(problem: Report, path: DocPath, v: unknown, options: readonly T[]): T | undefined => {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    const near = typeof v === 'string' ? didYouMean(v, options) : null;
    problem(path, `expected one of ${options.join(', ')}, got ${describe(v)}${meantText(near)}`);
    return undefined;
  }
  return v as T;
};

const checkDurationMs = (problem: Report, path: DocPath, v: unknown, opts: CheckOpts<'durationMs'> = {}): number | undefined => {
  const ms = parseDurationMs(v);
  if (ms === null) {
    const negative = (typeof v === 'number' && v < 0) || (typeof v === 'string' && v.trim().startsWith('-'));
    problem(path, `expected a duration such as 500ms, 30s, 5m or 1h, got ${describe(v)}${negative ? ' (a duration cannot be negative)' : ''}`);
    return undefined;
  }
  if (opts.min !== undefined && ms < opts.min) {
    problem(path, `expected a duration of at least ${opts.min} ms, got ${String(v)}`);
    return undefined;
  }
  return ms;
};

/** Creates a checker over `doc`. */
export const createChecker = (doc: YamlDoc): Checker => {
  const problems: Problem[] = [];
  const problem: Report = (path, message) => {
    problems.push({ file: doc.file, line: doc.lineOf(path), field: formatPath(path), message });
  };
  return {
    doc,
    problems,
    problem,
    object: (path, v, keys) => checkObject(problem, path, v, keys),
    map(path, v) {
      if (!isPlainObject(v)) {
        problem(path, `expected a mapping, got ${describe(v)}`);
        return undefined;
      }
      return v;
    },
    list: (path, v, opts) => checkList(problem, path, v, opts),
    string: (path, v, opts) => checkString(problem, path, v, opts),
    number: (path, v, opts) => checkNumber(problem, path, v, opts),
    boolean(path, v) {
      if (typeof v !== 'boolean') {
        problem(path, `expected true or false, got ${describe(v)}`);
        return undefined;
      }
      return v;
    },
    oneOf: (path, v, options) => checkOneOf(problem, path, v, options),
    durationMs: (path, v, opts) => checkDurationMs(problem, path, v, opts),
    done() {
      if (problems.length > 0) throw new InputError([...problems]);
    },
  };
};
