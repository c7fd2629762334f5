/**
 * Compiles a plan's column specs into cell functions: each reads the row
 * cursor (row index, tenant, index within the tenant) and returns the cell
 * already encoded as CSV or JSON text. Every draw comes from the
 * counter-based hash of (seed, table, column, row index), so a cell is a pure
 * function of its position: references can compute a parent row's values
 * (e.g. its created_at) without having made that row.
 */
import { MONTH_MS, type ColumnSpec, type TimeExpr } from '../scenario/data-spec.js';
import { cellHash, cellKey, nextHash, unit, type CellKey } from './random.js';
import { csvField, csvValue, formatFixed, formatTimestamp, formatUuid, jsonValue } from './format.js';
import { normalQuantile } from './stats.js';
import { tenantOfRow, type DataPlan, type TablePlan } from './plan.js';
import type { Pools } from './pools.js';
import {
  binTypeOf, encodeField, ensure, putDate, putFloat4, putFloat8, putInt2, putInt4, putInt8, putNull, putNumeric, putTimestamp, putUuid,
  putBytes, NUMERIC_MAX_BYTES, type BinOut, type BinType,
} from './pgbinary.js';

/**
 * The row being made. Tables without tenants have `t = -1` (the tenant table:
 * `t = i`), `j = i` and `n` = the table's rows.
 */
export interface RowCursor {
  /**
   * Row index in the table's tenant-by-tenant layout, from 0: every random
   * draw of the row hashes it, so a row's values never depend on the layout.
   */
  i: number;
  /** Position of the row in the output (= `i`, except in tables with sort_by): sequential ids. */
  p: number;
  /** Tenant index, or -1. */
  t: number;
  /** Index of the row within its tenant's rows. */
  j: number;
  /** Rows of this tenant. */
  n: number;
}

type Cell = (r: RowCursor) => string;
/** Writes one field in PostgreSQL's binary COPY format (room is ensured per row). */
type BinCell = (r: RowCursor, o: BinOut) => void;
/** A binary cell and the most bytes it writes; null when the column's type has no binary encoder. */
type Bin = { cell: BinCell; maxBytes: number } | null;
type TimeFn = (r: RowCursor) => number;
type IndexFn = (r: RowCursor) => number;

export interface CompiledColumn {
  name: string;
  sqlType: string;
  notNull: boolean;
  csv: Cell;
  json: Cell;
  /** Binary COPY encoder for `sqlType`, or null (then the table loads as CSV). */
  bin: Bin;
  /** For ref columns: the referenced table. */
  references: string | null;
}

export interface CompiledTable {
  name: string;
  plan: TablePlan;
  columns: CompiledColumn[];
  /** The id column's name, or null. */
  idColumn: string | null;
  /** Text of the id of row `i` (for manifests); null when the table has no id column. */
  idText: ((i: number) => string) | null;
  /** Whether ids are `start + row index` (so a tenant's rows are an id range). */
  idStart: number | null;
  csvHeader: string;
  csvRow: Cell;
  jsonRow: Cell;
  /** A tuple in PostgreSQL's binary COPY format, or null when a column type has no binary encoder. */
  binRow: ((r: RowCursor, o: BinOut) => void) | null;
  /** For tables with sort_by: the row's time in that column (epoch ms), which orders the output. */
  sortTime: TimeFn | null;
}

interface IdCodec {
  text: (k: number) => string;
  json: (k: number) => string;
  /** Binary field of the id of row k, for a column of SQL type `type`; null when not encodable. */
  bin: (type: BinType | null) => ((k: number, o: BinOut) => void) | null;
  sqlType: string;
  start: number | null;
}

/** Binary writer of an integer for an integer column type, or null. */
const intWriter = (type: BinType | null): ((v: number, o: BinOut) => void) | null =>
  type === 'int8' ? (v, o) => putInt8(o, v) : type === 'int4' ? (v, o) => putInt4(o, v) : type === 'int2' ? (v, o) => putInt2(o, v) : null;

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

const constantSqlType = (v: string | number | boolean | null): string =>
  typeof v === 'number' ? (Number.isInteger(v) ? 'bigint' : 'double precision') : typeof v === 'boolean' ? 'boolean' : 'text';

/** Compiles every table of the plan. Pools must hold every faker column (see pools.ts). */
export const compileDataset = (plan: DataPlan, pools: Pools): CompiledTable[] => {
  const { spec, seed } = plan;
  const tenantTable = spec.tenantTable;
  const signupMs = plan.tenants?.signupMs ?? new Float64Array(0);
  const tablePlan = (name: string): TablePlan => {
    const p = plan.byName.get(name);
    if (p === undefined) throw new Error(`internal: no table ${name}`);
    return p;
  };
  const column = (table: string, name: string): ColumnSpec => {
    const c = tablePlan(table).spec.columns.find((x) => x.name === name);
    if (c === undefined) throw new Error(`internal: no column ${table}.${name}`);
    return c;
  };
  const hasTenant = (p: TablePlan): boolean => p.first !== null || p.spec.name === tenantTable;

  const idCodecs = new Map<string, IdCodec | null>();
  const idCodec = (table: string): IdCodec | null => {
    if (idCodecs.has(table)) return idCodecs.get(table) ?? null;
    const col = tablePlan(table).spec.columns.find((c) => c.kind === 'id');
    let codec: IdCodec | null = null;
    if (col?.kind === 'id' && col.mode === 'sequential') {
      const start = col.start;
      // `k` is the row's position (`p`): equal to its index except in tables with sort_by, which nothing refers to.
      codec = {
        text: (k) => String(start + k), json: (k) => String(start + k), sqlType: col.type ?? 'bigint', start,
        bin: (type) => {
          const w = intWriter(type);
          return w === null ? null : (k, o) => w(start + k, o);
        },
      };
    } else if (col?.kind === 'id') {
      const key = cellKey(seed, table, col.name, 'uuid');
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
      codec = { text, json: (k) => `"${text(k)}"`, sqlType: col.type ?? 'uuid', start: null, bin: (type) => (type === 'uuid' ? bin : null) };
    }
    idCodecs.set(table, codec);
    return codec;
  };

  const nullKey = (table: string, col: ColumnSpec): { key: CellKey; threshold: number } | null =>
    col.nulls > 0 ? { key: cellKey(seed, table, col.name, 'null'), threshold: col.nulls * 4294967296 } : null;

  /** Row index of the referenced row (in the target table), or -1 for NULL. */
  const refIndexes = new Map<string, { fn: IndexFn; sameTenant: boolean }>();
  const refIndex = (table: string, col: ColumnSpec & { kind: 'ref' }): { fn: IndexFn; sameTenant: boolean } => {
    const memo = refIndexes.get(`${table}.${col.name}`);
    if (memo) return memo;
    const source = tablePlan(table);
    const target = tablePlan(col.table);
    const key = cellKey(seed, table, col.name);
    const nul = nullKey(table, col);
    let fn: IndexFn;
    let sameTenant = false;
    if (col.table === tenantTable && source.first !== null) {
      fn = (r) => r.t;
      sameTenant = true;
    } else if (target.first !== null && target.counts !== null && hasTenant(source) && table !== col.table) {
      const { first, counts } = target;
      sameTenant = true;
      fn = (r) => {
        const n = counts[r.t] ?? 0;
        return n === 0 ? -1 : (first[r.t] ?? 0) + Math.floor(unit(cellHash(key, r.i)) * n);
      };
    } else if (target.first !== null && target.counts !== null && table === col.table) {
      // A row of the same table and tenant (e.g. a parent order).
      const { first } = target;
      sameTenant = true;
      fn = (r) => (first[r.t] ?? 0) + Math.floor(unit(cellHash(key, r.i)) * r.n);
    } else {
      const rows = target.rows;
      fn = (r) => Math.floor(unit(cellHash(key, r.i)) * rows);
    }
    const inner = fn;
    if (nul) fn = (r) => (cellHash(nul.key, r.i) < nul.threshold ? -1 : inner(r));
    const out = { fn, sameTenant };
    refIndexes.set(`${table}.${col.name}`, out);
    return out;
  };

  const timeFns = new Map<string, TimeFn>();
  const timeExpr = (table: string, e: TimeExpr): TimeFn => {
    const off = e.offsetMs;
    const b = e.base;
    switch (b.kind) {
      case 'now': {
        const v = spec.nowMs + off;
        return () => v;
      }
      case 'absolute': {
        const v = b.ms + off;
        return () => v;
      }
      case 'signup':
        return (r) => (signupMs[r.t] ?? spec.nowMs) + off;
      case 'column': {
        const sibling = timeOf(table, b.column);
        return (r) => sibling(r) + off;
      }
      case 'parent': {
        const ref = column(table, b.refColumn);
        if (ref.kind !== 'ref') throw new Error(`internal: ${table}.${b.refColumn} is not a ref`);
        const { fn: idx, sameTenant } = refIndex(table, ref);
        const target = tablePlan(ref.table);
        const parentTime = timeOf(ref.table, b.column);
        const scratch: RowCursor = { i: 0, p: 0, t: -1, j: 0, n: 0 };
        const source = tablePlan(table);
        // A NULL parent (a tenant without rows there) falls back to the tenant's signup, or now.
        const fallback: TimeFn = hasTenant(source) ? (r) => signupMs[r.t] ?? spec.nowMs : () => spec.nowMs;
        return (r) => {
          const k = idx(r);
          if (k < 0) return fallback(r) + off;
          moveCursor(target, tenantTable, k, sameTenant ? r.t : -1, scratch);
          return parentTime(scratch) + off;
        };
      }
    }
  };
  const timeOf = (table: string, name: string): TimeFn => {
    const memo = timeFns.get(`${table}.${name}`);
    if (memo) return memo;
    const col = column(table, name);
    if (col.kind !== 'timestamp') throw new Error(`internal: ${table}.${name} is not a timestamp`);
    let fn: TimeFn;
    if (col.at !== null) {
      const at = timeExpr(table, col.at);
      fn = (r) => Math.floor(at(r) / 1000) * 1000;
    } else {
      const from = timeExpr(table, col.from);
      const to = timeExpr(table, col.to);
      const key = cellKey(seed, table, name);
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
    timeFns.set(`${table}.${name}`, fn);
    return fn;
  };

  /** Binary cells picking one of `values` (pre-encoded per value) with `pick`; null if a value does not convert. */
  const pooledBin = (values: (string | number | boolean | null)[], type: BinType | null, pick: (r: RowCursor) => number): Bin => {
    if (type === null) return null;
    const fields = values.map((v) => encodeField(v, type));
    if (fields.some((f) => f === null)) return null;
    const encoded = fields as Uint8Array[];
    return { cell: (r, o) => putBytes(o, encoded[pick(r)] ?? (encoded[0] as Uint8Array)), maxBytes: Math.max(...encoded.map((f) => f.length)) };
  };

  const compileColumn = (p: TablePlan, col: ColumnSpec): CompiledColumn => {
    const table = p.spec.name;
    const key = cellKey(seed, table, col.name);
    const nul = nullKey(table, col);
    let csv: Cell;
    let json: Cell;
    let sqlType: string;
    let notNull = col.nulls === 0;
    let references: string | null = null;
    /** Builds the binary cell once the SQL type is known. */
    let bin: (type: BinType | null) => Bin;
    switch (col.kind) {
      case 'id': {
        const codec = idCodec(table);
        if (codec === null) throw new Error(`internal: ${table} id`);
        sqlType = codec.sqlType;
        // Sequential ids number rows in output order; UUIDs hash the row's index (so refs can compute them).
        const sequential = codec.start !== null;
        if (codec.start !== null) {
          const start = codec.start;
          csv = (r) => String(start + r.p);
          json = csv;
        } else {
          csv = (r) => codec.text(r.i);
          json = (r) => codec.json(r.i);
        }
        bin = (type) => {
          const w = codec.bin(type);
          return w === null ? null : { cell: sequential ? (r, o) => w(r.p, o) : (r, o) => w(r.i, o), maxBytes: 20 };
        };
        break;
      }
      case 'ref': {
        const codec = idCodec(col.table);
        if (codec === null) throw new Error(`internal: ${col.table} has no id`);
        const { fn } = refIndex(table, col);
        const target = tablePlan(col.table);
        // NULL when the tenant may have no rows in the target (min 0) or `nulls` is set.
        notNull = notNull && !(target.first !== null && target.spec.perTenant?.min === 0 && hasTenant(p) && col.table !== table);
        references = col.table;
        sqlType = col.type ?? codec.sqlType;
        csv = (r) => {
          const k = fn(r);
          return k < 0 ? '' : codec.text(k);
        };
        json = (r) => {
          const k = fn(r);
          return k < 0 ? 'null' : codec.json(k);
        };
        // `nulls` is inside `fn` (a NULL parent is index -1): no wrapper below.
        const w = codec.bin(binTypeOf(sqlType));
        const refBin: Bin = w === null ? null : {
          cell: (r, o) => {
            const k = fn(r);
            if (k < 0) putNull(o);
            else w(k, o);
          },
          maxBytes: 20,
        };
        return { name: col.name, sqlType, notNull, csv, json, bin: refBin, references };
      }
      case 'faker': {
        const pool = pools[`${table}.${col.name}`];
        if (pool === undefined) throw new Error(`internal: no pool for ${table}.${col.name}`);
        const size = pool.csv.length;
        const pick = (r: RowCursor): number => Math.floor(unit(cellHash(key, r.i)) * size);
        sqlType = pool.sqlType;
        if (col.unique) {
          sqlType = 'text';
          const withSuffix = (v: string, i: number): string => (/^[^@\s]+@[^@\s]+$/.test(v) ? v.replace('@', `+${i + 1}@`) : `${v} ${i + 1}`);
          const value = (r: RowCursor): string => withSuffix(pool.text[pick(r)] ?? '', r.i);
          csv = (r) => csvField(value(r));
          json = (r) => JSON.stringify(value(r));
          const maxBytes = 4 + 16 + Math.max(...pool.text.map((t) => Buffer.byteLength(t)));
          bin = (type) => (type !== 'text' ? null : {
            cell: (r, o) => {
              const n = o.u8.write(value(r), o.pos + 4);
              o.dv.setInt32(o.pos, n);
              o.pos += 4 + n;
            },
            maxBytes,
          });
        } else {
          const c = pool.csv;
          const jv = pool.json;
          csv = (r) => c[pick(r)] ?? '';
          json = (r) => jv[pick(r)] ?? 'null';
          bin = (type) => pooledBin(pool.text, type, pick);
        }
        break;
      }
      case 'choice': {
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
        sqlType = 'text';
        csv = (r) => c[pick(r)] ?? '';
        json = (r) => jv[pick(r)] ?? 'null';
        bin = (type) => pooledBin(col.values, type, pick);
        break;
      }
      case 'number': {
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
        sqlType = decimals === 0 ? 'bigint' : 'numeric';
        csv = (r) => formatFixed(value(r), decimals);
        json = csv;
        bin = (type) => {
          const w = intWriter(type);
          // Rounded as in the text forms (half away from zero), so every sink stores the same value.
          const rounded = (r: RowCursor): number => Number(formatFixed(value(r), decimals));
          if (w !== null) return { cell: (r, o) => w(Math.round(rounded(r)), o), maxBytes: 12 };
          if (type === 'numeric') return { cell: (r, o) => putNumeric(o, value(r), decimals), maxBytes: NUMERIC_MAX_BYTES };
          if (type === 'float8') return { cell: (r, o) => putFloat8(o, rounded(r)), maxBytes: 12 };
          if (type === 'float4') return { cell: (r, o) => putFloat4(o, rounded(r)), maxBytes: 8 };
          return null;
        };
        break;
      }
      case 'timestamp': {
        const fn = timeOf(table, col.name);
        sqlType = 'timestamptz';
        csv = (r) => formatTimestamp(fn(r));
        json = (r) => `"${formatTimestamp(fn(r))}"`;
        bin = (type) =>
          type === 'timestamptz' || type === 'timestamp'
            ? { cell: (r, o) => putTimestamp(o, fn(r)), maxBytes: 12 }
            : type === 'date'
              ? { cell: (r, o) => putDate(o, fn(r)), maxBytes: 8 }
              : null;
        break;
      }
      case 'constant': {
        const c = csvValue(col.value);
        const jv = jsonValue(col.value);
        sqlType = constantSqlType(col.value);
        notNull = notNull && col.value !== null;
        csv = () => c;
        json = () => jv;
        bin = (type) => pooledBin([col.value], type, () => 0);
        break;
      }
    }
    sqlType = col.type ?? sqlType;
    let b = bin(binTypeOf(sqlType));
    if (nul) {
      const [c0, j0] = [csv, json];
      csv = (r) => (cellHash(nul.key, r.i) < nul.threshold ? '' : c0(r));
      json = (r) => (cellHash(nul.key, r.i) < nul.threshold ? 'null' : j0(r));
      if (b !== null) {
        const inner = b.cell;
        b = { cell: (r, o) => (cellHash(nul.key, r.i) < nul.threshold ? putNull(o) : inner(r, o)), maxBytes: Math.max(4, b.maxBytes) };
      }
    }
    return { name: col.name, sqlType, notNull, csv, json, bin: b, references };
  };

  return plan.tables.map((p): CompiledTable => {
    const columns = p.spec.columns.map((c) => compileColumn(p, c));
    const idCol = p.spec.columns.find((c) => c.kind === 'id');
    const codec = idCodec(p.spec.name);
    return {
      name: p.spec.name,
      plan: p,
      columns,
      idColumn: idCol?.name ?? null,
      idText: codec?.text ?? null,
      idStart: codec?.start ?? null,
      csvHeader: `${columns.map((c) => csvField(c.name)).join(',')}\n`,
      csvRow: joinCells(columns.map((c) => c.csv), ',', '', '\n'),
      jsonRow: joinCells(columns.map((c) => c.json), ',', '{', '}\n', columns.map((c) => `${JSON.stringify(c.name)}:`)),
      binRow: columns.every((c) => c.bin !== null) ? binaryRow(columns.map((c) => c.bin as NonNullable<Bin>)) : null,
      sortTime: p.spec.sortBy === null ? null : timeOf(p.spec.name, p.spec.sortBy),
    };
  });
};

/** A binary COPY tuple writer: room for the longest row, the field count, then each field (generated, as joinCells). */
const binaryRow = (cells: NonNullable<Bin>[]): ((r: RowCursor, o: BinOut) => void) => {
  const maxBytes = 2 + cells.reduce((a, c) => a + c.maxBytes, 0);
  const names = cells.map((_, k) => `c${k}`);
  const body = `ensure(o, ${maxBytes}); o.dv.setInt16(o.pos, ${cells.length}); o.pos += 2; ${names.map((n) => `${n}(r, o);`).join(' ')}`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('ensure', ...names, `return (r, o) => { ${body} };`) as (e: typeof ensure, ...fns: BinCell[]) => (r: RowCursor, o: BinOut) => void;
  return make(ensure, ...cells.map((c) => c.cell));
};

/**
 * One function making a whole row from its cells. Generated code calls each
 * cell at its own call site, so V8 can inline every cell function (a loop over
 * an array of closures is a megamorphic call and several times slower).
 */
const joinCells = (cells: Cell[], sep: string, open: string, close: string, labels?: string[]): Cell => {
  const names = cells.map((_, k) => `c${k}`);
  const parts = cells.map((_, k) => `${JSON.stringify((k === 0 ? open : sep) + (labels?.[k] ?? ''))} + c${k}(r)`);
  const body = `return ${parts.join(' + ')} + ${JSON.stringify(close)};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, `return (r) => { ${body} };`) as (...fns: Cell[]) => Cell;
  return make(...cells);
};
