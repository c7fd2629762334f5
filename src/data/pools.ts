/**
 * Faker value pools. Faker is slow per call (tens of µs for company.name), so
 * each faker column gets a pool of values made once, by a faker instance
 * seeded from (seed, table, column); rows then pick from the pool with their
 * counter-based draw. Pools hold the values already encoded for CSV and JSON.
 */
import { InputError, errorMessage } from '../core/errors.js';
import { hashString } from './random.js';
import { csvValue, formatTimestamp, jsonValue } from './format.js';
import type { DataPlan } from './plan.js';
import type { ColumnSpec } from '../scenario/data-spec.js';

/** The pooled values of one column, encoded, and the SQL type they imply. */
export interface Pool {
  /** The values as text (dates as timestamps), for columns that add a suffix per row. */
  text: string[];
  csv: string[];
  json: string[];
  sqlType: string;
}

/** Pools keyed `table.column`: plain data, so they can be sent to worker threads. */
export type Pools = Record<string, Pool>;

type FakerLike = { seed(n: number): unknown } & Record<string, unknown>;

const loadFaker = async (locale: string): Promise<FakerLike> => {
  const mod = (await import(`@faker-js/faker/locale/${locale}`)) as { faker: FakerLike };
  return mod.faker;
};

const fail = (col: ColumnSpec, message: string): InputError =>
  new InputError([{ file: col.source.file, line: col.source.line, field: `${col.source.field}.faker`, message }]);

/** SQL type of a set of values (all integers → bigint, and so on; mixed → text). */
const typeOf = (values: unknown[]): string => {
  const kinds = new Set(values.map((v) => (v instanceof Date ? 'date' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : typeof v)));
  if (kinds.size === 1 && kinds.has('string')) return 'text';
  if (kinds.size === 1 && kinds.has('boolean')) return 'boolean';
  if (kinds.size === 1 && kinds.has('date')) return 'timestamptz';
  if ([...kinds].every((k) => k === 'int')) return 'bigint';
  if ([...kinds].every((k) => k === 'int' || k === 'float')) return 'double precision';
  return 'text';
};

/** Builds the pool of one faker column: `size` values from a faker seeded for it. */
export const buildPool = (faker: FakerLike, seed: number | string, table: string, col: ColumnSpec & { kind: 'faker' }, size: number): Pool => {
  const [mod = '', method = ''] = col.method.split('.');
  const fn = (faker[mod] as Record<string, unknown> | undefined)?.[method];
  if (typeof fn !== 'function') throw fail(col, `faker has no method "${col.method}" in this version`);
  faker.seed(hashString(`${String(seed)}\u0000${table}\u0000${col.name}`, 7) >>> 1);
  const raw: unknown[] = [];
  for (let k = 0; k < size; k++) {
    let v: unknown;
    try {
      v = (fn as (...a: unknown[]) => unknown).apply(faker[mod], col.args);
    } catch (e) {
      throw fail(col, `faker ${col.method}(${col.args.map((a) => JSON.stringify(a)).join(', ')}) failed: ${errorMessage(e)}`);
    }
    if (typeof v === 'bigint') v = Number(v);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      throw fail(col, `faker ${col.method} returns ${Array.isArray(v) ? 'a list' : 'an object'}, not a value: pick a method that returns text, a number, a date or true/false`);
    }
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) throw fail(col, `faker ${col.method} returned ${String(v)}`);
    raw.push(v);
  }
  const text = raw.map((v) => (v instanceof Date ? formatTimestamp(v.getTime()) : (v as string | number | boolean)));
  const sqlType = typeOf(raw);
  return {
    text: text.map(String),
    csv: text.map(csvValue),
    json: text.map((v) => jsonValue(sqlType === 'timestamptz' ? String(v) : v)),
    sqlType,
  };
};

/**
 * Builds every faker column's pool (imports faker only when a column needs
 * it), biggest table first; `onTable` gets each table's pools as they are done.
 */
export const buildPools = async (plan: DataPlan, onTable?: (table: string, pools: Pools) => void): Promise<Pools> => {
  const pools: Pools = {};
  let faker: FakerLike | undefined;
  for (const t of [...plan.tables].sort((a, b) => b.rows - a.rows)) {
    const mine: Pools = {};
    for (const col of t.spec.columns) {
      if (col.kind !== 'faker') continue;
      faker ??= await loadFaker(plan.spec.locale);
      mine[`${t.spec.name}.${col.name}`] = buildPool(faker, plan.seed, t.spec.name, col, Math.max(1, Math.min(col.pool, t.rows)));
    }
    if (Object.keys(mine).length === 0) continue;
    Object.assign(pools, mine);
    onTable?.(t.spec.name, mine);
  }
  return pools;
};
