/**
 * The `data:` section of a scenario: tables, their columns and how each is
 * made, and how per-tenant rows spread over tenants. Parsed strictly: every
 * mistake is reported with its file, line and field (docs/generate.md has the
 * full reference).
 *
 * ```yaml
 * data:
 *   now: 2025-06-01T00:00:00Z         # the dataset's "now" (fixed: output is reproducible)
 *   tenant_table: tenants
 *   main_table: orders                # whose per-tenant counts the manifest lists
 *   ages: { growth: 8%, churn: 2%, horizon: 60mo, size_correlation: 0.6 }
 *   tables:
 *     tenants:
 *       rows: 2000
 *       columns:
 *         id: { id: sequential }
 *         name: { faker: company.name }
 *         created_at: { timestamp: { at: signup } }
 *     orders:
 *       rows: 184000
 *       per_tenant: { zipf: 0.8, min: 1 }
 *       columns:
 *         id: { id: sequential }
 *         tenant_id: { ref: tenants }
 *         status: { choice: { pending: 0.03, paid: 0.9, refunded: 0.07 } }
 *         total: { number: lognormal, median: 40, sigma: 1, decimals: 2 }
 *   indexes: ["orders(tenant_id)", "orders(created_at)"]
 * ```
 */
import type { Checker, DocPath } from '../core/yaml-doc.js';
import { formatPath } from '../core/yaml-doc.js';
import { didYouMean, meantText } from '../core/did-you-mean.js';
import { FAKER_LOCALES, FAKER_METHODS } from './faker-methods.js';

/** Where a value was written, for errors raised after parsing (e.g. a faker call failing). */
export interface SpecSource {
  file: string;
  line: number | null;
  field: string;
}

/** Milliseconds in an average Gregorian month (365.2425 / 12 days). */
export const MONTH_MS = 2_629_746_000;

/** A point in time relative to something the row knows. */
export type TimeBase =
  | { kind: 'now' }
  | { kind: 'signup' }
  | { kind: 'absolute'; ms: number }
  /** Another timestamp column of the same row. */
  | { kind: 'column'; column: string }
  /** A timestamp column of the row a `ref` column of this row points to. */
  | { kind: 'parent'; refColumn: string; column: string };

export interface TimeExpr {
  base: TimeBase;
  /** Added to the base, in ms (negative for `- 30d`). */
  offsetMs: number;
  /** The text as written, for messages. */
  text: string;
}

export type NumberDist =
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'lognormal'; mu: number; sigma: number };

/** How one column's values are made. */
export type ColumnKind =
  | { kind: 'id'; mode: 'sequential'; start: number }
  | { kind: 'id'; mode: 'uuid' }
  /** The id of a row of `table`: the row's own tenant, a row of the same tenant, or any row. */
  | { kind: 'ref'; table: string }
  | { kind: 'faker'; method: string; args: unknown[]; pool: number; unique: boolean }
  | { kind: 'choice'; values: string[]; weights: number[] }
  | {
      kind: 'number';
      distribution: NumberDist;
      decimals: number;
      /** Clamps (after drawing), or null. */
      min: number | null;
      max: number | null;
    }
  | {
      kind: 'timestamp';
      /** `at:` a point (from/to ignored) or a draw between `from` and `to`. */
      at: TimeExpr | null;
      from: TimeExpr;
      to: TimeExpr;
      /** Growth of activity per month (0 = uniform over [from, to]); recent rows are denser when > 0. */
      growthPerMonth: number;
      /** `ascending`: row order is time order (within a tenant); `random`: independent draws. */
      order: 'ascending' | 'random';
    }
  | { kind: 'constant'; value: string | number | boolean | null };

export type ColumnSpec = ColumnKind & {
  name: string;
  /** SQL type given by the scenario, or null to infer one. */
  type: string | null;
  /** Fraction of NULL values in [0, 1). */
  nulls: number;
  source: SpecSource;
};

export interface PerTenantSpec {
  /** Zipf exponent s of the spread over tenants (0 = even). */
  zipf: number;
  /** Rows every tenant gets at least. */
  min: number;
}

export interface TableSpec {
  name: string;
  /** Rows at `--scale 1`. */
  rows: number;
  /** Whether `--scale` multiplies `rows` (default true). */
  scale: boolean;
  /** Spread over tenants, or null for the tenant table and tables not owned by tenants. */
  perTenant: PerTenantSpec | null;
  /**
   * A timestamp column whose order the rows (and sequential ids) follow across
   * tenants, as production inserts them; null: tenant by tenant (each tenant's
   * rows are an id range). Per-tenant tables only.
   */
  sortBy: string | null;
  columns: ColumnSpec[];
  source: SpecSource;
}

/** Tenant signups: growth g and churn c per month over a horizon (docs/algorithms.md §2). */
export interface AgeModel {
  growthPerMonth: number;
  churnPerMonth: number;
  horizonMonths: number;
  /** ρ of the normal-scores rank correlation between age and size (older → bigger when > 0). */
  sizeCorrelation: number;
}

export interface IndexSpec {
  name: string;
  table: string;
  /** Column names with an optional ` DESC`/` ASC`, as SQL. */
  columns: string[];
  unique: boolean;
  /** The text as written. */
  text: string;
}

export interface DataSpec {
  /** The dataset's "now", epoch ms. */
  nowMs: number;
  /** Faker locale (`en` by default). */
  locale: string;
  tenantTable: string | null;
  /** Per-tenant table whose counts the manifest's `tenants[].rows` gives, or null. */
  mainTable: string | null;
  ages: AgeModel;
  tables: TableSpec[];
  indexes: IndexSpec[];
  /** Add FOREIGN KEY constraints for `ref` columns after loading. */
  foreignKeys: boolean;
  /** The `data:` section as written (plain values), for the scenario hash. */
  raw: unknown;
  file: string;
}

/** Default "now" when the scenario does not set one (fixed so output never depends on the clock). */
export const DEFAULT_NOW = '2025-01-01T00:00:00Z';
export const DEFAULT_AGES: AgeModel = { growthPerMonth: 0.08, churnPerMonth: 0.02, horizonMonths: 60, sizeCorrelation: 0.6 };
/** Default size of a faker value pool (values drawn per row from it). */
export const DEFAULT_POOL = 10_000;

const NAME = /^[a-z_][a-z0-9_]*$/;
const NAME_TEXT = 'a lower-case SQL name (letters, digits, _)';
const KINDS = ['id', 'ref', 'faker', 'choice', 'number', 'timestamp', 'constant'] as const;
const COMMON = ['type', 'nulls'];
const KIND_OPTIONS: Record<(typeof KINDS)[number], string[]> = {
  id: ['start'],
  ref: [],
  faker: ['args', 'pool', 'unique'],
  choice: [],
  number: ['min', 'max', 'mean', 'sd', 'median', 'mu', 'sigma', 'decimals'],
  timestamp: [],
  constant: [],
};
const DIST_KEYS: Record<NumberDist['dist'], { required: string[][]; optional: string[] }> = {
  uniform: { required: [['min'], ['max']], optional: ['decimals'] },
  normal: { required: [['mean'], ['sd']], optional: ['min', 'max', 'decimals'] },
  lognormal: { required: [['median', 'mu'], ['sigma']], optional: ['min', 'max', 'decimals'] },
};

/** `8%` or 0.08 → 0.08; undefined (after a problem) when neither. */
const fraction = (c: Checker, path: DocPath, v: unknown, opts: { max?: number; maxExclusive?: boolean } = {}): number | undefined => {
  let n: number | undefined;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*%\s*$/.test(v)) n = Number(v.trim().replace('%', '').trim()) / 100;
  else if (typeof v === 'number' && Number.isFinite(v)) n = v;
  if (n === undefined) {
    c.problem(path, `expected a fraction such as 0.05 or 5%, got ${JSON.stringify(v)}`);
    return undefined;
  }
  const max = opts.max ?? Infinity;
  if (n < 0 || n > max || (opts.maxExclusive && n === max)) {
    c.problem(path, `expected a fraction from 0 to ${opts.maxExclusive ? 'below ' : ''}${max * 100}%, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return n;
};

const SPAN_UNITS_MS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, mo: MONTH_MS, y: 12 * MONTH_MS,
};

/** `30d`, `1y6mo`, `12h`, `90m` → ms; null when not a span. Months are average months. */
export const parseSpanMs = (text: string): number | null => {
  const t = text.trim();
  if (t === '' || !/^(\d+(\.\d+)?(ms|mo|s|m|h|d|w|y))+$/.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|mo|s|m|h|d|w|y)/g)) ms += Number(m[1]) * (SPAN_UNITS_MS[m[2] ?? ''] ?? NaN);
  return Number.isFinite(ms) ? ms : null;
};

/** A horizon in months: a number of months, or a span such as `60mo`, `5y`, `90d`. */
const months = (c: Checker, path: DocPath, v: unknown): number | undefined => {
  const m = typeof v === 'number' ? v : typeof v === 'string' ? (parseSpanMs(v) ?? NaN) / MONTH_MS : NaN;
  if (!Number.isFinite(m) || m <= 0) {
    c.problem(path, `expected a number of months or a span such as 60mo, 5y or 90d, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return m;
};

const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/** Epoch ms of an ISO 8601 date or time (UTC when no zone is given); null when not one. */
export const parseIsoMs = (v: unknown): number | null => {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : null;
  if (typeof v !== 'string' || !ISO_TIME.test(v.trim())) return null;
  let t = v.trim().replace(' ', 'T');
  if (!/(Z|[+-]\d{2}(:?\d{2})?)$/.test(t) || /^\d{4}-\d{2}-\d{2}$/.test(t)) t = /T/.test(t) ? `${t}Z` : `${t}T00:00:00Z`;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
};

/** `signup`, `now - 90d`, `created_at + 1h`, `customer_id.created_at`, `2024-01-01`. Structure only; names are checked later. */
const timeExpr = (c: Checker, path: DocPath, v: unknown): TimeExpr | undefined => {
  const text = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v.trim() : undefined;
  const bad = (): undefined => {
    c.problem(path, `expected a time: signup, now, an ISO date, a column (created_at, customer_id.created_at), optionally "+ 30d" or "- 1h", got ${JSON.stringify(v)}`);
    return undefined;
  };
  if (text === undefined || text === '') return bad();
  const m = /^(\S+)(?:\s+([+-])\s+(\S+))?$/.exec(text);
  if (!m) return bad();
  let offsetMs = 0;
  if (m[3] !== undefined) {
    const span = parseSpanMs(m[3]);
    if (span === null) {
      c.problem(path, `expected a span such as 30d, 12h, 6mo or 1y after "${m[2]}", got ${JSON.stringify(m[3])}`);
      return undefined;
    }
    offsetMs = m[2] === '-' ? -span : span;
  }
  const baseText = m[1] ?? '';
  let base: TimeBase;
  const abs = parseIsoMs(baseText);
  if (baseText === 'now') base = { kind: 'now' };
  else if (baseText === 'signup') base = { kind: 'signup' };
  else if (abs !== null) base = { kind: 'absolute', ms: abs };
  else if (/^[a-z_][a-z0-9_]*$/.test(baseText)) base = { kind: 'column', column: baseText };
  else if (/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(baseText)) {
    const [refColumn = '', column = ''] = baseText.split('.');
    base = { kind: 'parent', refColumn, column };
  } else return bad();
  return { base, offsetMs, text };
};

const sourceOf = (c: Checker, path: DocPath): SpecSource => ({ file: c.doc.file, line: c.doc.lineOf(path), field: formatPath(path) });

const parseFakerMethod = (c: Checker, path: DocPath, v: unknown): string | undefined => {
  const s = c.string(path, v, { nonEmpty: true });
  if (s === undefined) return undefined;
  const [mod = '', method, ...rest] = s.split('.');
  const modules = Object.keys(FAKER_METHODS);
  const methods = FAKER_METHODS[mod];
  if (methods === undefined) {
    const near = didYouMean(mod, modules);
    c.problem(path, `unknown faker module "${mod}"${meantText(near)}; expected module.method such as person.fullName, internet.email, company.name`);
    return undefined;
  }
  if (method === undefined || rest.length > 0 || !methods.includes(method)) {
    const all = Object.entries(FAKER_METHODS).flatMap(([m, fs]) => fs.map((f) => `${m}.${f}`));
    const near = method === undefined ? null : (didYouMean(method, methods) ?? didYouMean(s, all));
    const nearText = meantText(near === null ? null : near.includes('.') ? near : `${mod}.${near}`);
    c.problem(path, `unknown faker method "${s}"${nearText}; ${mod} has: ${methods.join(', ')}`);
    return undefined;
  }
  return s;
};

const parseChoice = (c: Checker, path: DocPath, v: unknown): { values: string[]; weights: number[] } | undefined => {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      c.problem(path, 'expected at least one value');
      return undefined;
    }
    const values = v.map((x, i) => c.string([...path, i], x));
    if (values.some((x) => x === undefined)) return undefined;
    return { values: values as string[], weights: values.map(() => 1) };
  }
  const m = c.map(path, v);
  if (!m) return undefined;
  const values: string[] = [];
  const weights: number[] = [];
  for (const [k, w] of Object.entries(m)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
      c.problem([...path, k], `expected a weight >= 0 (a share such as 0.03), got ${JSON.stringify(w)}`);
      continue;
    }
    values.push(k);
    weights.push(w);
  }
  if (Object.keys(m).length === 0) {
    c.problem(path, 'expected at least one value with its weight, such as { pending: 0.03, paid: 0.97 }');
    return undefined;
  }
  if (values.length === Object.keys(m).length && weights.every((w) => w === 0)) {
    c.problem(path, 'weights are all 0: at least one must be > 0');
    return undefined;
  }
  return values.length === Object.keys(m).length ? { values, weights } : undefined;
};

const parseNumber = (c: Checker, path: DocPath, o: Record<string, unknown>): ColumnKind | undefined => {
  const dist = c.oneOf([...path, 'number'], o.number, ['uniform', 'normal', 'lognormal'] as const);
  if (dist === undefined) return undefined;
  const keys = DIST_KEYS[dist];
  const allowed = new Set([...keys.required.flat(), ...keys.optional, 'number', ...COMMON]);
  for (const k of Object.keys(o)) if (!allowed.has(k)) c.problem([...path, k], `not an option of a ${dist} number; expected: ${[...allowed].filter((x) => x !== 'number').join(', ')}`);
  for (const alternatives of keys.required) {
    const given = alternatives.filter((k) => o[k] !== undefined);
    if (given.length === 0) c.problem(path, `a ${dist} number needs \`${alternatives.join('` or `')}\``);
    if (given.length > 1) c.problem([...path, given[1] ?? ''], `give either \`${alternatives.join('` or `')}\`, not both`);
  }
  const num = (k: string, opts: { min?: number; exclusiveMin?: boolean } = {}): number | undefined =>
    o[k] === undefined ? undefined : c.number([...path, k], o[k], opts);
  const decimals = o.decimals === undefined ? 0 : c.number([...path, 'decimals'], o.decimals, { min: 0, max: 9, integer: true });
  const min = num('min');
  const max = num('max');
  let distribution: NumberDist | undefined;
  if (dist === 'uniform') {
    if (min !== undefined && max !== undefined) {
      if (max < min) c.problem([...path, 'max'], `expected max >= min (${min}), got ${max}`);
      else distribution = { dist, min, max };
    }
  } else if (dist === 'normal') {
    const mean = num('mean');
    const sd = num('sd', { min: 0 });
    if (mean !== undefined && sd !== undefined) distribution = { dist, mean, sd };
  } else {
    const median = num('median', { min: 0, exclusiveMin: true });
    const mu = median !== undefined ? Math.log(median) : num('mu');
    const sigma = num('sigma', { min: 0 });
    if (mu !== undefined && sigma !== undefined) distribution = { dist, mu, sigma };
  }
  if (dist !== 'uniform' && min !== undefined && max !== undefined && max < min) c.problem([...path, 'max'], `expected max >= min (${min}), got ${max}`);
  if (distribution === undefined || decimals === undefined) return undefined;
  return { kind: 'number', distribution, decimals, min: dist === 'uniform' ? null : (min ?? null), max: dist === 'uniform' ? null : (max ?? null) };
};

/** True when a time base gives the same value for every row of a tenant (or of a table without tenants). */
const rowIndependent = (b: TimeBase, perTenantTable: boolean): boolean =>
  b.kind === 'now' || b.kind === 'absolute' || (b.kind === 'signup' && perTenantTable);

const parseTimestamp = (c: Checker, path: DocPath, v: unknown, tenantScoped: boolean): ColumnKind | undefined => {
  const o = c.object(path, v, { optional: ['at', 'from', 'to', 'growth', 'order'] });
  if (!o) return undefined;
  const fallback: TimeExpr = { base: { kind: 'signup' }, offsetMs: 0, text: 'signup' };
  if (o.at !== undefined) {
    for (const k of ['from', 'to', 'growth', 'order']) if (o[k] !== undefined) c.problem([...path, k], '`at` gives one point in time: it goes without `from`, `to`, `growth` and `order`');
    const at = timeExpr(c, [...path, 'at'], o.at);
    return at === undefined ? undefined : { kind: 'timestamp', at, from: at, to: at, growthPerMonth: 0, order: 'random' };
  }
  const from = o.from === undefined ? fallback : timeExpr(c, [...path, 'from'], o.from);
  const to = o.to === undefined ? { base: { kind: 'now' as const }, offsetMs: 0, text: 'now' } : timeExpr(c, [...path, 'to'], o.to);
  const growthPerMonth = o.growth === undefined ? 0 : fraction(c, [...path, 'growth'], o.growth, { max: 10 });
  const order = o.order === undefined ? undefined : c.oneOf([...path, 'order'], o.order, ['ascending', 'random'] as const);
  if (from === undefined || to === undefined || growthPerMonth === undefined || (o.order !== undefined && order === undefined)) return undefined;
  // Ascending (row order = time order) by default when the bounds are the same for every row of a tenant.
  const independent = rowIndependent(from.base, tenantScoped) && rowIndependent(to.base, tenantScoped);
  if (order === 'ascending' && !independent) {
    c.problem([...path, 'order'], '`ascending` needs bounds that are the same for every row of a tenant (signup, now or a date); use `order: random`');
    return undefined;
  }
  return { kind: 'timestamp', at: null, from, to, growthPerMonth, order: order ?? (independent ? 'ascending' : 'random') };
};

const parseColumn = (c: Checker, path: DocPath, name: string, v: unknown, tenantScoped: boolean): ColumnSpec | undefined => {
  if (!NAME.test(name)) c.problem(path, `expected ${NAME_TEXT} as column name`);
  const o = c.map(path, v);
  if (!o) return undefined;
  const kinds = KINDS.filter((k) => o[k] !== undefined);
  if (kinds.length !== 1) {
    if (kinds.length === 0) {
      const unknown = Object.keys(o).find((k) => !COMMON.includes(k));
      const near = unknown === undefined ? null : didYouMean(unknown, KINDS);
      c.problem(path, `expected one kind of column${meantText(near)}: ${KINDS.join(', ')}`);
    } else c.problem(path, `a column has one kind; got ${kinds.join(' and ')}`);
    return undefined;
  }
  const kindName = kinds[0] as (typeof KINDS)[number];
  if (kindName !== 'number') {
    const allowed = [kindName, ...KIND_OPTIONS[kindName], ...COMMON];
    for (const k of Object.keys(o)) {
      if (allowed.includes(k)) continue;
      const near = didYouMean(k, allowed);
      c.problem([...path, k], `unknown key${meantText(near)}; a ${kindName} column takes: ${allowed.join(', ')}`);
    }
  }
  const type = o.type === undefined ? null : c.string([...path, 'type'], o.type, { nonEmpty: true, pattern: /^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$/, patternText: 'an SQL type such as text, bigint, numeric(12,2), timestamptz' });
  const nulls = o.nulls === undefined ? 0 : fraction(c, [...path, 'nulls'], o.nulls, { max: 1, maxExclusive: true });
  const p = [...path, kindName];
  let kind: ColumnKind | undefined;
  switch (kindName) {
    case 'id': {
      const mode = c.oneOf(p, o.id, ['sequential', 'uuid'] as const);
      if (mode === 'uuid' && o.start !== undefined) c.problem([...path, 'start'], '`start` only goes with sequential ids');
      const start = o.start === undefined ? 1 : c.number([...path, 'start'], o.start, { min: 0, integer: true });
      if (nulls !== 0) c.problem([...path, 'nulls'], 'an id column cannot hold NULLs');
      if (mode !== undefined && start !== undefined) kind = mode === 'uuid' ? { kind: 'id', mode } : { kind: 'id', mode, start };
      break;
    }
    case 'ref': {
      const table = c.string(p, o.ref, { nonEmpty: true, pattern: NAME, patternText: 'the name of a table of this data section' });
      if (table !== undefined) kind = { kind: 'ref', table };
      break;
    }
    case 'faker': {
      const method = parseFakerMethod(c, p, o.faker);
      const args = o.args === undefined ? [] : Array.isArray(o.args) ? (o.args as unknown[]) : [o.args];
      const pool = o.pool === undefined ? DEFAULT_POOL : c.number([...path, 'pool'], o.pool, { min: 1, max: 10_000_000, integer: true });
      const unique = o.unique === undefined ? false : c.boolean([...path, 'unique'], o.unique);
      if (method !== undefined && pool !== undefined && unique !== undefined) kind = { kind: 'faker', method, args, pool, unique };
      break;
    }
    case 'choice': {
      const ch = parseChoice(c, p, o.choice);
      if (ch) kind = { kind: 'choice', ...ch };
      break;
    }
    case 'number':
      kind = parseNumber(c, path, o);
      break;
    case 'timestamp':
      kind = parseTimestamp(c, p, o.timestamp, tenantScoped);
      break;
    case 'constant': {
      const val = o.constant instanceof Date ? o.constant.toISOString() : o.constant;
      if (val !== null && !['string', 'number', 'boolean'].includes(typeof val)) c.problem(p, `expected a text, number, true/false or null, got ${Array.isArray(val) ? 'a list' : 'a mapping'}`);
      else kind = { kind: 'constant', value: val as string | number | boolean | null };
      break;
    }
  }
  if (kind === undefined || type === undefined || nulls === undefined) return undefined;
  return { ...kind, name, type, nulls, source: sourceOf(c, path) };
};

const parseTable = (c: Checker, path: DocPath, name: string, v: unknown): TableSpec | undefined => {
  if (!NAME.test(name)) c.problem(path, `expected ${NAME_TEXT} as table name`);
  const o = c.object(path, v, { required: ['rows', 'columns'], optional: ['per_tenant', 'scale', 'sort_by'] });
  if (!o) return undefined;
  const rows = o.rows === undefined ? undefined : c.number([...path, 'rows'], o.rows, { min: 1, max: 4_000_000_000, integer: true });
  const scale = o.scale === undefined ? true : c.boolean([...path, 'scale'], o.scale);
  let perTenant: PerTenantSpec | null = null;
  if (o.per_tenant !== undefined) {
    const pt = c.object([...path, 'per_tenant'], o.per_tenant, { optional: ['zipf', 'min'] });
    const zipf = pt?.zipf === undefined ? 1 : c.number([...path, 'per_tenant', 'zipf'], pt.zipf, { min: 0, max: 5 });
    const min = pt?.min === undefined ? 0 : c.number([...path, 'per_tenant', 'min'], pt.min, { min: 0, integer: true });
    if (pt && zipf !== undefined && min !== undefined) perTenant = { zipf, min };
  }
  const colsRaw = c.map([...path, 'columns'], o.columns);
  const columns: ColumnSpec[] = [];
  if (colsRaw && Object.keys(colsRaw).length === 0) c.problem([...path, 'columns'], 'expected at least one column');
  for (const [cn, cv] of Object.entries(colsRaw ?? {})) {
    const col = parseColumn(c, [...path, 'columns', cn], cn, cv, perTenant !== null);
    if (col) columns.push(col);
  }
  const ids = columns.filter((col) => col.kind === 'id');
  if (ids.length > 1) c.problem([...path, 'columns', ids[1]?.name ?? ''], `a table has at most one id column (${ids[0]?.name ?? ''} is one)`);
  let sortBy: string | null = null;
  if (o.sort_by !== undefined) {
    const s = c.string([...path, 'sort_by'], o.sort_by, { nonEmpty: true });
    const col = columns.find((x) => x.name === s);
    if (s !== undefined && o.per_tenant === undefined) c.problem([...path, 'sort_by'], 'only tables with per_tenant have a layout to choose (the others are in row order already)');
    else if (s !== undefined && col === undefined) {
      const near = didYouMean(s, columns.map((x) => x.name));
      c.problem([...path, 'sort_by'], `${name} has no column "${s}"${meantText(near)}`);
    } else if (col !== undefined && (col.kind !== 'timestamp' || col.at !== null || col.order !== 'ascending')) {
      c.problem([...path, 'sort_by'], `"${s ?? ''}" must be a timestamp column with ascending order (from/to bounds that are the same for a whole tenant, such as signup and now)`);
    } else if (s !== undefined) sortBy = s;
  }
  if (rows === undefined || scale === undefined) return undefined;
  return { name, rows, scale, perTenant, sortBy, columns, source: sourceOf(c, path) };
};

const parseIndex = (c: Checker, path: DocPath, v: unknown, tables: Map<string, TableSpec>): IndexSpec | undefined => {
  const s = c.string(path, v, { nonEmpty: true });
  if (s === undefined) return undefined;
  const m = /^\s*(unique\s+)?([a-z_][a-z0-9_]*)\s*\(([^)]*)\)\s*$/i.exec(s);
  if (!m) {
    c.problem(path, `expected an index such as "orders(tenant_id, created_at DESC)" or "unique accounts(email)", got ${JSON.stringify(s)}`);
    return undefined;
  }
  const tableName = m[2] ?? '';
  const table = tables.get(tableName);
  if (table === undefined) {
    const near = didYouMean(tableName, [...tables.keys()]);
    c.problem(path, `unknown table "${tableName}"${meantText(near)}`);
    return undefined;
  }
  const columns: string[] = [];
  for (const part of (m[3] ?? '').split(',')) {
    const cm = /^\s*([a-z_][a-z0-9_]*)(\s+(asc|desc))?\s*$/i.exec(part);
    const colName = cm?.[1] ?? '';
    if (!cm || !table.columns.some((col) => col.name === colName)) {
      const near = didYouMean(colName || part.trim(), table.columns.map((col) => col.name));
      c.problem(path, `${tableName} has no column "${part.trim()}"${meantText(near)}`);
      return undefined;
    }
    columns.push(cm[3] === undefined ? colName : `${colName} ${cm[3].toUpperCase()}`);
  }
  const unique = m[1] !== undefined;
  const name = `${tableName}_${columns.map((x) => x.replace(' ', '_').toLowerCase()).join('_')}_${unique ? 'key' : 'idx'}`;
  return { name, table: tableName, columns, unique, text: s };
};

/** Second pass: names across tables (refs, tenant tables, time bases), dependency cycles. */
const checkReferences = (c: Checker, data: Omit<DataSpec, 'raw' | 'file'>, path: DocPath): void => {
  const byName = new Map(data.tables.map((t) => [t.name, t]));
  const tableNames = [...byName.keys()];
  const colPath = (t: TableSpec, col: ColumnSpec, ...rest: string[]): DocPath => [...path, 'tables', t.name, 'columns', col.name, ...rest];
  const tenant = data.tenantTable === null ? undefined : byName.get(data.tenantTable);
  if (tenant && !tenant.columns.some((col) => col.kind === 'id')) c.problem([...path, 'tables', tenant.name, 'columns'], 'the tenant table needs an id column ({ id: sequential } or { id: uuid })');
  if (tenant?.perTenant) c.problem([...path, 'tables', tenant.name, 'per_tenant'], 'the tenant table itself cannot be spread over tenants');
  for (const t of data.tables) {
    if (t.perTenant && data.tenantTable === null) c.problem([...path, 'tables', t.name, 'per_tenant'], 'per_tenant needs `data.tenant_table` (the table of tenants)');
    if (t.perTenant && tenant && t.perTenant.min * tenant.rows > t.rows) {
      c.problem([...path, 'tables', t.name, 'per_tenant', 'min'], `${t.perTenant.min} rows for each of ${tenant.rows} tenants is more than the table's ${t.rows} rows`);
    }
    const cols = new Map(t.columns.map((col) => [col.name, col]));
    const tenantScoped = t.perTenant !== null;
    for (const col of t.columns) {
      if (col.kind === 'ref') {
        const target = byName.get(col.table);
        if (target === undefined) {
          const near = didYouMean(col.table, tableNames);
          c.problem(colPath(t, col, 'ref'), `unknown table "${col.table}"${meantText(near)}; tables: ${tableNames.join(', ')}`);
        } else if (!target.columns.some((x) => x.kind === 'id')) {
          c.problem(colPath(t, col, 'ref'), `table "${col.table}" has no id column to refer to`);
        } else if (target.sortBy !== null && target.columns.some((x) => x.kind === 'id' && x.mode === 'sequential')) {
          c.problem(colPath(t, col, 'ref'), `"${col.table}" is sorted by ${target.sortBy}, so its sequential ids follow time across tenants and a row cannot be looked up by them; give ${col.table} { id: uuid }, or drop its sort_by`);
        }
      }
      if (col.kind !== 'timestamp') continue;
      const exprs = col.at !== null ? [['at', col.at] as const] : ([['from', col.from], ['to', col.to]] as const);
      for (const [key, e] of exprs) {
        const p = colPath(t, col, 'timestamp', key);
        const b = e.base;
        if (b.kind === 'signup' && !tenantScoped && t.name !== data.tenantTable) {
          c.problem(p, `"signup" is the tenant's signup time: only tables with per_tenant and the tenant table have one${key === 'from' && e.text === 'signup' ? ' (give `from:` explicitly, e.g. "now - 1y")' : ''}`);
        } else if (b.kind === 'column') {
          const other = cols.get(b.column);
          if (other === undefined || other.kind !== 'timestamp') c.problem(p, `${t.name} has no timestamp column "${b.column}"${other === undefined ? '' : ` ("${b.column}" is a ${other.kind} column)`}`);
          else if (b.column === col.name) c.problem(p, 'a timestamp cannot be relative to itself');
        } else if (b.kind === 'parent') {
          const ref = cols.get(b.refColumn);
          const target = ref?.kind === 'ref' ? byName.get(ref.table) : undefined;
          const other = target?.columns.find((x) => x.name === b.column);
          if (ref?.kind !== 'ref') c.problem(p, `"${b.refColumn}" is not a ref column of ${t.name}`);
          else if (target !== undefined && (other === undefined || other.kind !== 'timestamp')) c.problem(p, `${target.name} has no timestamp column "${b.column}"`);
        }
      }
    }
  }
  // Cycles among timestamp bases (a → b → a never ends).
  const state = new Map<string, 'visiting' | 'done'>();
  const deps = (t: TableSpec, col: ColumnSpec): [TableSpec, ColumnSpec][] => {
    if (col.kind !== 'timestamp') return [];
    const out: [TableSpec, ColumnSpec][] = [];
    for (const e of col.at !== null ? [col.at] : [col.from, col.to]) {
      if (e.base.kind === 'column') {
        const d = t.columns.find((x) => x.name === (e.base as { column: string }).column);
        if (d) out.push([t, d]);
      } else if (e.base.kind === 'parent') {
        const { refColumn, column } = e.base;
        const ref = t.columns.find((x) => x.name === refColumn);
        const target = ref?.kind === 'ref' ? byName.get(ref.table) : undefined;
        const d = target?.columns.find((x) => x.name === column);
        if (target && d) out.push([target, d]);
      }
    }
    return out;
  };
  const visit = (t: TableSpec, col: ColumnSpec, trail: string[]): void => {
    const key = `${t.name}.${col.name}`;
    if (state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      c.problem(colPath(t, col, 'timestamp'), `timestamps depend on each other in a circle: ${[...trail.slice(trail.indexOf(key)), key].join(' → ')}`);
      return;
    }
    state.set(key, 'visiting');
    for (const [dt, dc] of deps(t, col)) visit(dt, dc, [...trail, key]);
    state.set(key, 'done');
  };
  for (const t of data.tables) for (const col of t.columns) visit(t, col, []);
};

/** Parses and validates a scenario's `data:` section; problems go to the checker. */
export const parseDataSpec = (c: Checker, path: DocPath, raw: unknown): DataSpec | undefined => {
  const o = c.object(path, raw, {
    required: ['tables'],
    optional: ['now', 'locale', 'tenant_table', 'main_table', 'ages', 'indexes', 'foreign_keys'],
  });
  if (!o) return undefined;
  const nowRaw = o.now ?? DEFAULT_NOW;
  const nowMs = parseIsoMs(nowRaw);
  if (nowMs === null) c.problem([...path, 'now'], `expected an ISO 8601 time such as 2025-06-01T00:00:00Z, got ${JSON.stringify(nowRaw)}`);
  const locale = o.locale === undefined ? 'en' : c.string([...path, 'locale'], o.locale, { nonEmpty: true });
  if (locale !== undefined && !FAKER_LOCALES.includes(locale)) {
    const near = didYouMean(locale, FAKER_LOCALES);
    c.problem([...path, 'locale'], `unknown faker locale "${locale}"${meantText(near)}`);
  }
  const tablesRaw = c.map([...path, 'tables'], o.tables);
  const tables: TableSpec[] = [];
  if (tablesRaw && Object.keys(tablesRaw).length === 0) c.problem([...path, 'tables'], 'expected at least one table');
  for (const [name, v] of Object.entries(tablesRaw ?? {})) {
    const t = parseTable(c, [...path, 'tables', name], name, v);
    if (t) tables.push(t);
  }
  const byName = new Map(tables.map((t) => [t.name, t]));
  const tableRef = (key: string): string | null | undefined => {
    if (o[key] === undefined) return null;
    const s = c.string([...path, key], o[key], { nonEmpty: true });
    if (s === undefined) return undefined;
    if (tablesRaw && !(s in tablesRaw)) {
      const near = didYouMean(s, Object.keys(tablesRaw));
      c.problem([...path, key], `unknown table "${s}"${meantText(near)}`);
      return undefined;
    }
    return s;
  };
  const tenantTable = tableRef('tenant_table');
  let mainTable = tableRef('main_table');
  if (mainTable !== undefined && mainTable !== null && byName.get(mainTable)?.perTenant === null) {
    c.problem([...path, 'main_table'], `"${mainTable}" is not spread over tenants: give it \`per_tenant\``);
  }
  if (mainTable === null) mainTable = tables.find((t) => t.perTenant !== null)?.name ?? null;
  let ages = DEFAULT_AGES;
  if (o.ages !== undefined) {
    const a = c.object([...path, 'ages'], o.ages, { optional: ['growth', 'churn', 'horizon', 'size_correlation'] });
    if (a) {
      if (tenantTable === null) c.problem([...path, 'ages'], 'ages are tenant signups: set `data.tenant_table` too');
      const growth = a.growth === undefined ? DEFAULT_AGES.growthPerMonth : fraction(c, [...path, 'ages', 'growth'], a.growth, { max: 10 });
      const churn = a.churn === undefined ? DEFAULT_AGES.churnPerMonth : fraction(c, [...path, 'ages', 'churn'], a.churn, { max: 1, maxExclusive: true });
      const horizon = a.horizon === undefined ? DEFAULT_AGES.horizonMonths : months(c, [...path, 'ages', 'horizon'], a.horizon);
      const rho = a.size_correlation === undefined ? DEFAULT_AGES.sizeCorrelation : c.number([...path, 'ages', 'size_correlation'], a.size_correlation, { min: -1, max: 1 });
      if (growth !== undefined && churn !== undefined && horizon !== undefined && rho !== undefined) {
        ages = { growthPerMonth: growth, churnPerMonth: churn, horizonMonths: horizon, sizeCorrelation: rho };
      }
    }
  }
  const indexes: IndexSpec[] = [];
  if (o.indexes !== undefined) {
    (c.list([...path, 'indexes'], o.indexes) ?? []).forEach((v, i) => {
      const ix = parseIndex(c, [...path, 'indexes', i], v, byName);
      if (ix === undefined) return;
      if (indexes.some((x) => x.name === ix.name)) c.problem([...path, 'indexes', i], `index ${ix.text} is declared twice`);
      else indexes.push(ix);
    });
  }
  const foreignKeys = o.foreign_keys === undefined ? false : c.boolean([...path, 'foreign_keys'], o.foreign_keys);
  if (nowMs === null || locale === undefined || tenantTable === undefined || mainTable === undefined || foreignKeys === undefined) return undefined;
  const spec = { nowMs, locale, tenantTable, mainTable, ages, tables, indexes, foreignKeys };
  checkReferences(c, spec, path);
  return { ...spec, raw, file: c.doc.file };
};
