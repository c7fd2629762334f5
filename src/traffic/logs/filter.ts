/**
 * Which logged requests to keep, and how to rewrite their paths:
 *   - methods: only the safe ones (GET, HEAD, OPTIONS) unless writes are
 *     allowed: replaying a log must not change staging by surprise;
 *   - path patterns: globs (`/api/*` one segment, `/api/**` any depth) or
 *     regular expressions written `/…/` or starting with `^`; `exclude` wins;
 *   - statuses: `200`, `2xx`, `200-299`, `!404`-style lists;
 *   - maps: `from=to` rewrites, a prefix (`/v1=/api/v1`) or a regex
 *     (`^/old/(\d+)=/new/$1`), applied in order, each at most once.
 */
import { inputError } from '../../core/errors.js';
import { HTTP_METHODS } from '../../scenario/scenario.js';
import type { LogRecord } from './types.js';

/** Methods that do not change the target (RFC 9110 "safe"). PUT and DELETE are idempotent but are writes. */
export const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

/** A path rewrite. */
export interface PathMap { from: string; to: string; apply: (path: string) => string | null }

/** What to keep and how to rewrite it. */
export interface LogFilterOptions {
  /** Methods to keep (upper case). Default: SAFE_METHODS, or every method with `allowWrites`. */
  methods?: readonly string[];
  /** Keep POST, PUT, PATCH, DELETE… (default false). */
  allowWrites?: boolean;
  /** Path patterns to keep (any match); default all. Matched against the path without query, after maps. */
  paths?: readonly string[];
  /** Path patterns to drop. */
  excludePaths?: readonly string[];
  /** Status selectors: `200`, `2xx`, `200-299`; prefixed with `!` to drop. Default all. */
  statuses?: readonly string[];
  /** `from=to` rewrites. */
  maps?: readonly string[];
}

/** Why records were dropped, counted. */
export type FilterCounts = Record<'method' | 'writes' | 'path' | 'status' | 'unsupported method', number>;

const escapeRe = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a path pattern: `/re/`, `^re`, or a glob with `*` (within a segment) and `**` (any depth). */
export const compilePathPattern = (pattern: string, flag = '--path'): RegExp => {
  try {
    if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/') && !pattern.includes('*')) return new RegExp(pattern.slice(1, -1));
    if (pattern.startsWith('^')) return new RegExp(pattern);
  } catch (e) {
    throw inputError(flag, `invalid regular expression ${JSON.stringify(pattern)} (${(e as Error).message})`);
  }
  const re = pattern
    .split('**')
    .map((part) => part.split('*').map(escapeRe).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${re}$`);
};

/** Compiles a status list: `200`, `2xx`, `200-299`, `!404`. */
export const compileStatusFilter = (selectors: readonly string[], flag = '--status'): ((status: number | null) => boolean) => {
  const include: ((s: number) => boolean)[] = [];
  const exclude: ((s: number) => boolean)[] = [];
  for (const raw of selectors.flatMap((s) => s.split(','))) {
    const sel = raw.trim();
    if (sel === '') continue;
    const neg = sel.startsWith('!');
    const body = neg ? sel.slice(1) : sel;
    let test: ((s: number) => boolean) | null = null;
    let m: RegExpExecArray | null;
    if ((m = /^([1-5])xx$/i.exec(body))) {
      const c = Number(m[1]);
      test = (s) => Math.floor(s / 100) === c;
    } else if ((m = /^(\d{3})-(\d{3})$/.exec(body))) {
      const [lo, hi] = [Number(m[1]), Number(m[2])];
      test = (s) => s >= lo && s <= hi;
    } else if (/^\d{3}$/.test(body)) {
      const v = Number(body);
      test = (s) => s === v;
    }
    if (test === null) throw inputError(flag, `expected a status like 200, 2xx, 200-299 or !404, got ${JSON.stringify(sel)}`);
    (neg ? exclude : include).push(test);
  }
  return (status) => {
    if (status === null) return include.length === 0;
    if (exclude.some((t) => t(status))) return false;
    return include.length === 0 || include.some((t) => t(status));
  };
};

/** Compiles a `from=to` path rewrite (prefix, or regex when `from` starts with `^`). */
export const compileMap = (spec: string, flag = '--map'): PathMap => {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw inputError(flag, `expected from=to (e.g. /v1=/api/v1 or '^/u/(\\d+)=/users/$1'), got ${JSON.stringify(spec)}`);
  const from = spec.slice(0, eq);
  const to = spec.slice(eq + 1);
  if (from.startsWith('^')) {
    let re: RegExp;
    try {
      re = new RegExp(from);
    } catch (e) {
      throw inputError(flag, `invalid regular expression ${JSON.stringify(from)} (${(e as Error).message})`);
    }
    return { from, to, apply: (p) => (re.test(p) ? p.replace(re, to) : null) };
  }
  return { from, to, apply: (p) => (p.startsWith(from) ? to + p.slice(from.length) : null) };
};

/** A compiled filter: `keep` rewrites the record's target in place and says whether to keep it. */
export interface LogFilter {
  counts: FilterCounts;
  keep(r: LogRecord): boolean;
}

/** Compiles the options; invalid patterns are InputErrors naming the flag. */
export const createLogFilter = (opts: LogFilterOptions = {}): LogFilter => {
  const methods = opts.methods !== undefined && opts.methods.length > 0
    ? new Set(opts.methods.map((m) => m.toUpperCase()))
    : null;
  const safe = new Set<string>(SAFE_METHODS);
  const known = new Set<string>(HTTP_METHODS);
  const writes = opts.allowWrites ?? false;
  if (methods !== null && !writes) {
    const unsafe = [...methods].filter((m) => !safe.has(m));
    if (unsafe.length > 0) throw inputError('--method', `${unsafe.join(', ')} would change the target; add --allow-writes to replay writes`);
  }
  const include = (opts.paths ?? []).map((p) => compilePathPattern(p, '--path'));
  const exclude = (opts.excludePaths ?? []).map((p) => compilePathPattern(p, '--exclude-path'));
  const status = compileStatusFilter(opts.statuses ?? []);
  const maps = (opts.maps ?? []).map((m) => compileMap(m));
  const counts: FilterCounts = { method: 0, writes: 0, path: 0, status: 0, 'unsupported method': 0 };
  return {
    counts,
    keep(r) {
      if (!known.has(r.method)) {
        counts['unsupported method']++;
        return false;
      }
      if (methods !== null ? !methods.has(r.method) : !writes && !safe.has(r.method)) {
        counts[methods === null ? 'writes' : 'method']++;
        return false;
      }
      if (!status(r.status)) {
        counts.status++;
        return false;
      }
      if (maps.length > 0) {
        let t = r.target;
        for (const m of maps) t = m.apply(t) ?? t;
        r.target = t;
      }
      if (include.length > 0 || exclude.length > 0) {
        const q = r.target.indexOf('?');
        const path = q < 0 ? r.target : r.target.slice(0, q);
        if ((include.length > 0 && !include.some((re) => re.test(path))) || exclude.some((re) => re.test(path))) {
          counts.path++;
          return false;
        }
      }
      return true;
    },
  };
};
