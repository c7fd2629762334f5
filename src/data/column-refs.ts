/**
 * What a column's cells compute from other rows: the id of any row of a
 * table, the row a reference points to, and the time of a timestamp column
 * (which may follow a sibling column or a parent row's time). Each is built
 * once per column and memoised in the `DatasetContext` of one compile.
 */
import { MONTH_MS, type ColumnSpec, type DataSpec, type TimeExpr } from '../scenario/data-spec.js';
import { cellHash, cellKey, nextHash, unit, type CellKey } from './random.js';
import { formatUuid } from './format.js';
import { tenantOfRow, type DataPlan, type TablePlan } from './plan.js';
import { putInt2, putInt4, putInt8, putUuid, type BinOut, type BinType } from './pgbinary.js';
import type { IndexFn, RowCursor, TimeFn } from './cell-types.js';

/** How the id of row `k` of a table is written. */
export interface IdCodec {
  text: (k: number) => string;
  json: (k: number) => string;
  /** Binary field of the id of row k, for a column of SQL type `type`; null when not encodable. */
  bin: (type: BinType | null) => ((k: number, o: BinOut) => void) | null;
  sqlType: string;
  start: number | null;
}

/** A reference's row index function, and whether the referenced row is in the referring row's tenant. */
export interface RefIndex {
  fn: IndexFn;
  sameTenant: boolean;
}

/** One compile of a plan: its inputs and the memos shared by every column. */
export interface DatasetContext {
  plan: DataPlan;
  spec: DataSpec;
  seed: DataPlan['seed'];
  tenantTable: string | null;
  /** Each tenant's signup time, epoch ms (empty without tenants). */
  signupMs: Float64Array;
  idCodecs: Map<string, IdCodec | null>;
  /** Keyed `table.column`. */
  refIndexes: Map<string, RefIndex>;
  /** Keyed `table.column`. */
  timeFns: Map<string, TimeFn>;
}

export const datasetContext = (plan: DataPlan): DatasetContext => ({
  plan,
  spec: plan.spec,
  seed: plan.seed,
  tenantTable: plan.spec.tenantTable,
  signupMs: plan.tenants?.signupMs ?? new Float64Array(0),
  idCodecs: new Map(),
  refIndexes: new Map(),
  timeFns: new Map(),
});

export const tablePlan = (ctx: DatasetContext, name: string): TablePlan => {
  const p = ctx.plan.byName.get(name);
  if (p === undefined) throw new Error(`internal: no table ${name}`);
  return p;
};

const columnSpec = (ctx: DatasetContext, table: string, name: string): ColumnSpec => {
  const c = tablePlan(ctx, table).spec.columns.find((x) => x.name === name);
  if (c === undefined) throw new Error(`internal: no column ${table}.${name}`);
  return c;
};

/** Whether the table's rows belong to tenants (it has per-tenant rows, or it is the tenant table). */
export const hasTenant = (ctx: DatasetContext, p: TablePlan): boolean => p.first !== null || p.spec.name === ctx.tenantTable;

/** Binary writer of an integer for an integer column type, or null. */
export const intWriter = (type: BinType | null): ((v: number, o: BinOut) => void) | null =>
  type === 'int8' ? (v, o) => putInt8(o, v) : type === 'int4' ? (v, o) => putInt4(o, v) : type === 'int2' ? (v, o) => putInt2(o, v) : null;

/** The hash key and 32-bit threshold of a column's NULL draw, or null when it has no NULLs. */
export const nullKey = (ctx: DatasetContext, table: string, col: ColumnSpec): { key: CellKey; threshold: number } | null =>
  col.nulls > 0 ? { key: cellKey(ctx.seed, table, col.name, 'null'), threshold: col.nulls * 4294967296 } : null;

/** Sets `c` to row `k` of `p` (whose tenant is `t` when known, else looked up). */
const moveCursor = (p: TablePlan, tenantTable: string | null, k: number, t: number, c: RowCursor): void => {
  c.i = k;
  c.p = k;
  if (p.first !== null && p.counts !== null) {
    const tt = t >= 0 ? t : tenantOfRow(p.first, k);
    c.t = tt;
    c.j = k - (p.first[tt] ?? 0);
    c.n = p.counts[tt] ?? 0;
  } else {
    c.t = p.spec.name === tenantTable ? k : -1;
    c.j = k;
    c.n = p.rows;
  }
};

const sequentialCodec = (start: number, sqlType: string): IdCodec => ({
  // `k` is the row's position (`p`): equal to its index except in tables with sort_by, which nothing refers to.
  text: (k) => String(start + k), json: (k) => String(start + k), sqlType, start,
  bin: (type) => {
    const w = intWriter(type);
    return w === null ? null : (k, o) => w(start + k, o);
  },
});

const uuidCodec = (key: CellKey, sqlType: string): IdCodec => {
  const text = (k: number): string => {
    const a = cellHash(key, k);
    const b = nextHash(a);
    const c = nextHash(b);
    return formatUuid(a, b, c, nextHash(c));
  };
  const bin = (k: number, o: BinOut): void => {
    const a = cellHash(key, k);
    const b = nextHash(a);
    const c = nextHash(b);
    putUuid(o, a, b, c, nextHash(c));
  };
  return { text, json: (k) => `"${text(k)}"`, sqlType, start: null, bin: (type) => (type === 'uuid' ? bin : null) };
};

/** The id codec of `table`, or null when it has no id column. */
export const idCodec = (ctx: DatasetContext, table: string): IdCodec | null => {
  if (ctx.idCodecs.has(table)) return ctx.idCodecs.get(table) ?? null;
  const col = tablePlan(ctx, table).spec.columns.find((c) => c.kind === 'id');
  let codec: IdCodec | null = null;
  if (col?.kind === 'id' && col.mode === 'sequential') codec = sequentialCodec(col.start, col.type ?? 'bigint');
  else if (col?.kind === 'id') codec = uuidCodec(cellKey(ctx.seed, table, col.name, 'uuid'), col.type ?? 'uuid');
  ctx.idCodecs.set(table, codec);
  return codec;
};

/** Row index of the referenced row (in the target table) before NULLs, and whether it is in the same tenant. */
const refTarget = (ctx: DatasetContext, table: string, col: ColumnSpec & { kind: 'ref' }): RefIndex => {
  const source = tablePlan(ctx, table);
  const target = tablePlan(ctx, col.table);
  const key = cellKey(ctx.seed, table, col.name);
  if (col.table === ctx.tenantTable && source.first !== null) return { fn: (r) => r.t, sameTenant: true };
  if (target.first !== null && target.counts !== null && hasTenant(ctx, source) && table !== col.table) {
    const { first, counts } = target;
    return {
      fn: (r) => {
        const n = counts[r.t] ?? 0;
        return n === 0 ? -1 : (first[r.t] ?? 0) + Math.floor(unit(cellHash(key, r.i)) * n);
      },
      sameTenant: true,
    };
  }
  if (target.first !== null && target.counts !== null && table === col.table) {
    // A row of the same table and tenant (e.g. a parent order).
    const { first } = target;
    return { fn: (r) => (first[r.t] ?? 0) + Math.floor(unit(cellHash(key, r.i)) * r.n), sameTenant: true };
  }
  const rows = target.rows;
  return { fn: (r) => Math.floor(unit(cellHash(key, r.i)) * rows), sameTenant: false };
};

/** Row index of the referenced row (in the target table), or -1 for NULL. */
export const refIndex = (ctx: DatasetContext, table: string, col: ColumnSpec & { kind: 'ref' }): RefIndex => {
  const memo = ctx.refIndexes.get(`${table}.${col.name}`);
  if (memo) return memo;
  const { fn: inner, sameTenant } = refTarget(ctx, table, col);
  const nul = nullKey(ctx, table, col);
  const fn: IndexFn = nul ? (r) => (cellHash(nul.key, r.i) < nul.threshold ? -1 : inner(r)) : inner;
  const out = { fn, sameTenant };
  ctx.refIndexes.set(`${table}.${col.name}`, out);
  return out;
};

/** The time of a `parent.column` base: the referenced row's time in that column. */
const parentTime = (ctx: DatasetContext, table: string, refColumn: string, column: string, off: number): TimeFn => {
  const { spec, signupMs, tenantTable } = ctx;
  const ref = columnSpec(ctx, table, refColumn);
  if (ref.kind !== 'ref') throw new Error(`internal: ${table}.${refColumn} is not a ref`);
  const { fn: idx, sameTenant } = refIndex(ctx, table, ref);
  const target = tablePlan(ctx, ref.table);
  const timeInParent = timeOf(ctx, ref.table, column);
  const scratch: RowCursor = { i: 0, p: 0, t: -1, j: 0, n: 0 };
  // A NULL parent (a tenant without rows there) falls back to the tenant's signup, or now.
  const fallback: TimeFn = hasTenant(ctx, tablePlan(ctx, table)) ? (r) => signupMs[r.t] ?? spec.nowMs : () => spec.nowMs;
  return (r) => {
    const k = idx(r);
    if (k < 0) return fallback(r) + off;
    moveCursor(target, tenantTable, k, sameTenant ? r.t : -1, scratch);
    return timeInParent(scratch) + off;
  };
};

/** A time expression of a column of `table` as a function of the row. */
const timeExpr = (ctx: DatasetContext, table: string, e: TimeExpr): TimeFn => {
  const off = e.offsetMs;
  const b = e.base;
  switch (b.kind) {
    case 'now': {
      const v = ctx.spec.nowMs + off;
      return () => v;
    }
    case 'absolute': {
      const v = b.ms + off;
      return () => v;
    }
    case 'signup': {
      const { signupMs, spec } = ctx;
      return (r) => (signupMs[r.t] ?? spec.nowMs) + off;
    }
    case 'column': {
      const sibling = timeOf(ctx, table, b.column);
      return (r) => sibling(r) + off;
    }
    case 'parent':
      return parentTime(ctx, table, b.refColumn, b.column, off);
  }
};

/** A row's time in timestamp column `table.name` (whole seconds, epoch ms). */
export const timeOf = (ctx: DatasetContext, table: string, name: string): TimeFn => {
  const memo = ctx.timeFns.get(`${table}.${name}`);
  if (memo) return memo;
  const col = columnSpec(ctx, table, name);
  if (col.kind !== 'timestamp') throw new Error(`internal: ${table}.${name} is not a timestamp`);
  let fn: TimeFn;
  if (col.at !== null) {
    const at = timeExpr(ctx, table, col.at);
    fn = (r) => Math.floor(at(r) / 1000) * 1000;
  } else {
    const from = timeExpr(ctx, table, col.from);
    const to = timeExpr(ctx, table, col.to);
    const key = cellKey(ctx.seed, table, name);
    const k = Math.log1p(col.growthPerMonth) / MONTH_MS;
    const ascending = col.order === 'ascending';
    fn = (r) => {
      const a = from(r);
      const span = to(r) - a;
      if (!(span > 0)) return Math.floor(a / 1000) * 1000;
      const h = unit(cellHash(key, r.i));
      const u = ascending ? (r.j + h) / r.n : h;
      // Activity growing at rate k: density ∝ e^{k·t} on [0, span], inverted.
      const kl = k * span;
      const dt = kl < 1e-9 ? u * span : Math.log1p(u * Math.expm1(kl)) / k;
      return Math.floor((a + dt) / 1000) * 1000;
    };
  }
  ctx.timeFns.set(`${table}.${name}`, fn);
  return fn;
};
