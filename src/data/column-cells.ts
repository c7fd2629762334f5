/**
 * One column's cells: for each column kind, its CSV, JSON and binary COPY
 * encoders, then the NULL draw wrapped round them (`compileColumn`).
 */
import type { ColumnSpec } from '../scenario/data-spec.js';
import { cellHash, cellKey, unit, type CellKey } from './random.js';
import { csvField, csvValue, formatFixed, formatTimestamp, jsonValue } from './format.js';
import { normalQuantile } from './stats.js';
import type { TablePlan } from './plan.js';
import type { Pools } from './pools.js';
import { binTypeOf, encodeField, putBytes, putDate, putFloat4, putFloat8, putNull, putNumeric, putTimestamp, NUMERIC_MAX_BYTES, type BinType } from './pgbinary.js';
import type { Bin, Cell, CompiledColumn, RowCursor } from './cell-types.js';
import { hasTenant, idCodec, intWriter, nullKey, refIndex, tablePlan, timeOf, type DatasetContext } from './column-refs.js';

/** A column's cells before NULLs: text forms, its inferred SQL type and its binary cell once the type is known. */
interface KindCells {
  sqlType: string;
  csv: Cell;
  json: Cell;
  bin: (type: BinType | null) => Bin;
}

/** What every kind's compiler is given. */
interface ColumnInput {
  ctx: DatasetContext;
  p: TablePlan;
  table: string;
  /** The hash key of the column's draws. */
  key: CellKey;
}

/** Binary cells picking one of `values` (pre-encoded per value) with `pick`; null if a value does not convert. */
const pooledBin = (values: (string | number | boolean | null)[], type: BinType | null, pick: (r: RowCursor) => number): Bin => {
  if (type === null) return null;
  const fields = values.map((v) => encodeField(v, type));
  if (fields.some((f) => f === null)) return null;
  const encoded = fields as Uint8Array[];
  return { cell: (r, o) => putBytes(o, encoded[pick(r)] ?? (encoded[0] as Uint8Array)), maxBytes: Math.max(...encoded.map((f) => f.length)) };
};

const constantSqlType = (v: string | number | boolean | null): string =>
  typeof v === 'number' ? (Number.isInteger(v) ? 'bigint' : 'double precision') : typeof v === 'boolean' ? 'boolean' : 'text';

const idCells = ({ ctx, table }: ColumnInput): KindCells => {
  const codec = idCodec(ctx, table);
  if (codec === null) throw new Error(`internal: ${table} id`);
  // Sequential ids number rows in output order; UUIDs hash the row's index (so refs can compute them).
  const sequential = codec.start !== null;
  let csv: Cell;
  let json: Cell;
  if (codec.start !== null) {
    const start = codec.start;
    csv = (r) => String(start + r.p);
    json = csv;
  } else {
    csv = (r) => codec.text(r.i);
    json = (r) => codec.json(r.i);
  }
  const bin = (type: BinType | null): Bin => {
    const w = codec.bin(type);
    return w === null ? null : { cell: sequential ? (r, o) => w(r.p, o) : (r, o) => w(r.i, o), maxBytes: 20 };
  };
  return { sqlType: codec.sqlType, csv, json, bin };
};

/** A reference column, complete: its NULLs are inside the row index (a NULL parent is index -1). */
const refColumn = ({ ctx, p, table }: ColumnInput, col: ColumnSpec & { kind: 'ref' }): CompiledColumn => {
  const codec = idCodec(ctx, col.table);
  if (codec === null) throw new Error(`internal: ${col.table} has no id`);
  const { fn } = refIndex(ctx, table, col);
  const target = tablePlan(ctx, col.table);
  // NULL when the tenant may have no rows in the target (min 0) or `nulls` is set.
  const notNull = col.nulls === 0 && !(target.first !== null && target.spec.perTenant?.min === 0 && hasTenant(ctx, p) && col.table !== table);
  const sqlType = col.type ?? codec.sqlType;
  const csv: Cell = (r) => {
    const k = fn(r);
    return k < 0 ? '' : codec.text(k);
  };
  const json: Cell = (r) => {
    const k = fn(r);
    return k < 0 ? 'null' : codec.json(k);
  };
  const w = codec.bin(binTypeOf(sqlType));
  const bin: Bin = w === null ? null : {
    cell: (r, o) => {
      const k = fn(r);
      if (k < 0) putNull(o);
      else w(k, o);
    },
    maxBytes: 20,
  };
  return { name: col.name, sqlType, notNull, csv, json, bin, references: col.table };
};

const fakerCells = ({ table, key }: ColumnInput, col: ColumnSpec & { kind: 'faker' }, pools: Pools): KindCells => {
  const pool = pools[`${table}.${col.name}`];
  if (pool === undefined) throw new Error(`internal: no pool for ${table}.${col.name}`);
  const size = pool.csv.length;
  const pick = (r: RowCursor): number => Math.floor(unit(cellHash(key, r.i)) * size);
  if (!col.unique) {
    const c = pool.csv;
    const jv = pool.json;
    return { sqlType: pool.sqlType, csv: (r) => c[pick(r)] ?? '', json: (r) => jv[pick(r)] ?? 'null', bin: (type) => pooledBin(pool.text, type, pick) };
  }
  const withSuffix = (v: string, i: number): string => (/^[^@\s]+@[^@\s]+$/.test(v) ? v.replace('@', `+${i + 1}@`) : `${v} ${i + 1}`);
  const value = (r: RowCursor): string => withSuffix(pool.text[pick(r)] ?? '', r.i);
  const maxBytes = 4 + 16 + Math.max(...pool.text.map((t) => Buffer.byteLength(t)));
  return {
    sqlType: 'text',
    csv: (r) => csvField(value(r)),
    json: (r) => JSON.stringify(value(r)),
    bin: (type) => (type !== 'text' ? null : {
      cell: (r, o) => {
        const n = o.u8.write(value(r), o.pos + 4);
        o.dv.setInt32(o.pos, n);
        o.pos += 4 + n;
      },
      maxBytes,
    }),
  };
};

const choiceCells = ({ key }: ColumnInput, col: ColumnSpec & { kind: 'choice' }): KindCells => {
  const total = col.weights.reduce((a, b) => a + b, 0);
  const thresholds: number[] = [];
  let cum = 0;
  for (const w of col.weights) {
    cum += w;
    thresholds.push((cum / total) * 4294967296);
  }
  const last = col.values.length - 1;
  const pick = (r: RowCursor): number => {
    const h = cellHash(key, r.i);
    let k = 0;
    while (k < last && h >= (thresholds[k] ?? 0)) k++;
    return k;
  };
  const c = col.values.map(csvValue);
  const jv = col.values.map(jsonValue);
  return { sqlType: 'text', csv: (r) => c[pick(r)] ?? '', json: (r) => jv[pick(r)] ?? 'null', bin: (type) => pooledBin(col.values, type, pick) };
};

const numberCells = ({ key }: ColumnInput, col: ColumnSpec & { kind: 'number' }): KindCells => {
  const d = col.distribution;
  const lo = col.min ?? -Infinity;
  const hi = col.max ?? Infinity;
  const decimals = col.decimals;
  const draw: (u: number) => number =
    d.dist === 'uniform'
      ? (u) => d.min + u * (d.max - d.min)
      : d.dist === 'normal'
        ? (u) => d.mean + d.sd * normalQuantile(u)
        : (u) => Math.exp(d.mu + d.sigma * normalQuantile(u));
  const value = (r: RowCursor): number => {
    const x = draw(unit(cellHash(key, r.i)));
    return x < lo ? lo : x > hi ? hi : x;
  };
  const csv: Cell = (r) => formatFixed(value(r), decimals);
  const bin = (type: BinType | null): Bin => {
    const w = intWriter(type);
    // Rounded as in the text forms (half away from zero), so every sink stores the same value.
    const rounded = (r: RowCursor): number => Number(formatFixed(value(r), decimals));
    if (w !== null) return { cell: (r, o) => w(Math.round(rounded(r)), o), maxBytes: 12 };
    if (type === 'numeric') return { cell: (r, o) => putNumeric(o, value(r), decimals), maxBytes: NUMERIC_MAX_BYTES };
    if (type === 'float8') return { cell: (r, o) => putFloat8(o, rounded(r)), maxBytes: 12 };
    if (type === 'float4') return { cell: (r, o) => putFloat4(o, rounded(r)), maxBytes: 8 };
    return null;
  };
  return { sqlType: decimals === 0 ? 'bigint' : 'numeric', csv, json: csv, bin };
};

const timestampCells = ({ ctx, table }: ColumnInput, col: ColumnSpec & { kind: 'timestamp' }): KindCells => {
  const fn = timeOf(ctx, table, col.name);
  return {
    sqlType: 'timestamptz',
    csv: (r) => formatTimestamp(fn(r)),
    json: (r) => `"${formatTimestamp(fn(r))}"`,
    bin: (type) =>
      type === 'timestamptz' || type === 'timestamp'
        ? { cell: (r, o) => putTimestamp(o, fn(r)), maxBytes: 12 }
        : type === 'date'
          ? { cell: (r, o) => putDate(o, fn(r)), maxBytes: 8 }
          : null,
  };
};

const constantCells = (col: ColumnSpec & { kind: 'constant' }): KindCells => {
  const c = csvValue(col.value);
  const jv = jsonValue(col.value);
  return { sqlType: constantSqlType(col.value), csv: () => c, json: () => jv, bin: (type) => pooledBin([col.value], type, () => 0) };
};

const kindCells = (input: ColumnInput, col: Exclude<ColumnSpec, { kind: 'ref' }>, pools: Pools): KindCells => {
  switch (col.kind) {
    case 'id':
      return idCells(input);
    case 'faker':
      return fakerCells(input, col, pools);
    case 'choice':
      return choiceCells(input, col);
    case 'number':
      return numberCells(input, col);
    case 'timestamp':
      return timestampCells(input, col);
    case 'constant':
      return constantCells(col);
  }
};

/** Compiles one column of table `p`. Pools must hold the column's values when it is a faker column. */
export const compileColumn = (ctx: DatasetContext, pools: Pools, p: TablePlan, col: ColumnSpec): CompiledColumn => {
  const table = p.spec.name;
  const input: ColumnInput = { ctx, p, table, key: cellKey(ctx.seed, table, col.name) };
  if (col.kind === 'ref') return refColumn(input, col);
  const cells = kindCells(input, col, pools);
  const notNull = col.nulls === 0 && !(col.kind === 'constant' && col.value === null);
  const sqlType = col.type ?? cells.sqlType;
  let { csv, json } = cells;
  let b = cells.bin(binTypeOf(sqlType));
  const nul = nullKey(ctx, table, col);
  if (nul) {
    const [c0, j0] = [csv, json];
    csv = (r) => (cellHash(nul.key, r.i) < nul.threshold ? '' : c0(r));
    json = (r) => (cellHash(nul.key, r.i) < nul.threshold ? 'null' : j0(r));
    if (b !== null) {
      const inner = b.cell;
      b = { cell: (r, o) => (cellHash(nul.key, r.i) < nul.threshold ? putNull(o) : inner(r, o)), maxBytes: Math.max(4, b.maxBytes) };
    }
  }
  return { name: col.name, sqlType, notNull, csv, json, bin: b, references: null };
};
