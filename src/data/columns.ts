/**
 * Compiles a plan's column specs into cell functions: each reads the row
 * cursor (row index, tenant, index within the tenant) and returns the cell
 * already encoded as CSV or JSON text. Every draw comes from the
 * counter-based hash of (seed, table, column, row index), so a cell is a pure
 * function of its position: references can compute a parent row's values
 * (e.g. its created_at) without having made that row.
 */
import { csvField } from './format.js';
import type { DataPlan, TablePlan } from './plan.js';
import type { Pools } from './pools.js';
import { ensure, type BinOut } from './pgbinary.js';
import type { Bin, BinCell, Cell, CompiledColumn, RowCursor, TimeFn } from './cell-types.js';
import { datasetContext, idCodec, timeOf } from './column-refs.js';
import { compileColumn } from './column-cells.js';

export type { CompiledColumn, RowCursor } from './cell-types.js';

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

/** Compiles every table of the plan. Pools must hold every faker column (see pools.ts). */
export const compileDataset = (plan: DataPlan, pools: Pools): CompiledTable[] => {
  const ctx = datasetContext(plan);
  return plan.tables.map((p): CompiledTable => {
    const columns = p.spec.columns.map((c) => compileColumn(ctx, pools, p, c));
    const idCol = p.spec.columns.find((c) => c.kind === 'id');
    const codec = idCodec(ctx, p.spec.name);
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
      sortTime: p.spec.sortBy === null ? null : timeOf(ctx, p.spec.name, p.spec.sortBy),
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
