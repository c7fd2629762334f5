/**
 * Row production: rows [start, end) of a compiled table, encoded as CSV or
 * NDJSON bytes. Pure (no I/O): the sinks (files, COPY, PGlite) consume the
 * chunks. Because every cell is a function of its row position, a chunk's
 * bytes never depend on how the table was cut into chunks.
 *
 * Rows are joined into short strings (a batch of rows) copied into a Buffer
 * at once: row strings die young in V8's nursery instead of being promoted
 * with a chunk-sized rope, which keeps the heap (and RSS) small and flat.
 */
import type { CompiledTable, RowCursor } from './columns.js';
import { tenantOfRow } from './plan.js';
import { binOut } from './pgbinary.js';

/** Encodings rows are made in: CSV and NDJSON text, or PostgreSQL binary COPY tuples. */
export type RowFormat = 'csv' | 'ndjson' | 'pgbinary';

/** Formats of data files. */
export type FileFormat = 'csv' | 'ndjson';

/** Rows per chunk by default (~0.5–1 MB of CSV for typical tables). */
export const DEFAULT_CHUNK_ROWS = 8192;

/** Rows joined as one string before being copied into the chunk's buffer. */
const BATCH_ROWS = 128;

/** Appends strings to a growing Buffer. */
const byteSink = (initialBytes: number) => {
  // Power-of-two sizes: freed chunk buffers are reused by malloc instead of fragmenting its heap.
  let buf = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(Math.max(64 * 1024, initialBytes))));
  let pos = 0;
  return {
    add(s: string): void {
      const len = Buffer.byteLength(s);
      if (pos + len > buf.length) {
        const bigger = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(pos + len)));
        buf.copy(bigger, 0, 0, pos);
        buf = bigger;
      }
      pos += buf.write(s, pos);
    },
    done: (): Buffer => buf.subarray(0, pos),
  };
};

/** Bytes per row seen last, per table and format: sizes the next chunk's buffer. */
const bytesPerRow = new WeakMap<CompiledTable, Record<RowFormat, number>>();

/**
 * Calls `emit` for rows [start, end) of `table` with the cursor set: per-tenant
 * tables find the tenant of `start`, then walk tenants forward.
 */
const visitRows = (table: CompiledTable, tenantTable: string | null, start: number, end: number, emit: (r: RowCursor) => void): void => {
  const { first, counts, rows } = table.plan;
  const r: RowCursor = { i: 0, t: -1, j: 0, n: rows };
  if (first === null || counts === null) {
    const isTenant = table.name === tenantTable;
    for (let i = start; i < end; i++) {
      r.i = i;
      r.j = i;
      if (isTenant) r.t = i;
      emit(r);
    }
    return;
  }
  let t = tenantOfRow(first, start);
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
    emit(r);
  }
};

/**
 * Encodes rows [start, end) of `table`. `pgbinary` is tuples of PostgreSQL's
 * binary COPY format for the table's own column types (no header or trailer);
 * it needs `table.binRow`.
 */
export const makeRows = (table: CompiledTable, tenantTable: string | null, start: number, end: number, format: RowFormat): Buffer => {
  const seen = bytesPerRow.get(table) ?? { csv: 64, ndjson: 128, pgbinary: 96 };
  const estimate = Math.ceil((end - start) * seen[format] * 1.05);
  let bytes: Buffer;
  if (format === 'pgbinary') {
    const binRow = table.binRow;
    if (binRow === null) throw new Error(`internal: ${table.name} has no binary encoding`);
    const o = binOut(estimate);
    visitRows(table, tenantTable, start, end, (r) => binRow(r, o));
    bytes = o.u8.subarray(0, o.pos);
  } else {
    const row = format === 'csv' ? table.csvRow : table.jsonRow;
    const out = byteSink(estimate);
    let batch = '';
    let inBatch = 0;
    visitRows(table, tenantTable, start, end, (r) => {
      batch += row(r);
      if (++inBatch === BATCH_ROWS) {
        out.add(batch);
        batch = '';
        inBatch = 0;
      }
    });
    if (batch !== '') out.add(batch);
    bytes = out.done();
  }
  if (end > start) bytesPerRow.set(table, { ...seen, [format]: bytes.length / (end - start) });
  return bytes;
};

/** Row ranges [start, end) covering `rows` in chunks of `chunkRows`. */
export function* chunkRanges(rows: number, chunkRows: number): Generator<[number, number]> {
  const size = Math.max(1, Math.floor(chunkRows));
  for (let start = 0; start < rows; start += size) yield [start, Math.min(rows, start + size)];
}
