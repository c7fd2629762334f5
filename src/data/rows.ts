/**
 * Row production: rows [start, end) of a compiled table, encoded as one CSV
 * or NDJSON text. Pure (no I/O): the sinks (files, COPY, PGlite) consume the
 * chunks. Because every cell is a function of its row position, a chunk's
 * text never depends on how the table was cut into chunks.
 */
import type { CompiledTable, RowCursor } from './columns.js';

/** Text formats rows are encoded in. */
export type RowFormat = 'csv' | 'ndjson';

/** Rows per chunk by default (~0.5–1 MB of CSV for typical tables). */
export const DEFAULT_CHUNK_ROWS = 8192;

/** Encodes rows [start, end) of `table`. */
export const makeRows = (table: CompiledTable, tenantTable: string | null, start: number, end: number, format: RowFormat): string => {
  const row = format === 'csv' ? table.csvRow : table.jsonRow;
  const { first, counts, rows } = table.plan;
  const r: RowCursor = { i: 0, t: -1, j: 0, n: rows };
  let out = '';
  if (first === null || counts === null) {
    const isTenant = table.name === tenantTable;
    for (let i = start; i < end; i++) {
      r.i = i;
      r.j = i;
      if (isTenant) r.t = i;
      out += row(r);
    }
    return out;
  }
  // Per-tenant table: find the tenant of `start`, then walk tenants forward.
  let lo = 0;
  let hi = first.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if ((first[mid] ?? 0) <= start) lo = mid;
    else hi = mid - 1;
  }
  let t = lo;
  let tEnd = first[t + 1] ?? rows;
  let tStart = first[t] ?? 0;
  for (let i = start; i < end; i++) {
    while (i >= tEnd) {
      t++;
      tStart = tEnd;
      tEnd = first[t + 1] ?? rows;
    }
    r.i = i;
    r.t = t;
    r.j = i - tStart;
    r.n = counts[t] ?? 0;
    out += row(r);
  }
  return out;
};

/** Row ranges [start, end) covering `rows` in chunks of `chunkRows`. */
export function* chunkRanges(rows: number, chunkRows: number): Generator<[number, number]> {
  const size = Math.max(1, Math.floor(chunkRows));
  for (let start = 0; start < rows; start += size) yield [start, Math.min(rows, start + size)];
}
