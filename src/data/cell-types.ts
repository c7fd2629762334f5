/**
 * The types of compiled cells (data/columns.ts): the row cursor every cell
 * reads and the functions that turn it into CSV, JSON or binary COPY fields.
 */
import type { BinOut } from './pgbinary.js';

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

/** One field of a row as CSV or JSON text. */
export type Cell = (r: RowCursor) => string;
/** Writes one field in PostgreSQL's binary COPY format (room is ensured per row). */
export type BinCell = (r: RowCursor, o: BinOut) => void;
/** A binary cell and the most bytes it writes; null when the column's type has no binary encoder. */
export type Bin = { cell: BinCell; maxBytes: number } | null;
/** A row's time in a timestamp column, epoch ms. */
export type TimeFn = (r: RowCursor) => number;
/** A row index in another table (or -1 for NULL). */
export type IndexFn = (r: RowCursor) => number;

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
