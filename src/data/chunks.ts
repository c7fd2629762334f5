/**
 * Chunk sources: where encoded row chunks come from. The main-thread source
 * makes them in place; the worker source (workers.ts) spreads row ranges
 * over worker threads and yields them back in order. Both give the same bytes.
 */
import { tableOf, type Dataset } from './compiled.js';
import { chunkRanges, makeRows, type RowFormat } from './rows.js';
import type { CompiledTable } from './columns.js';

/** A chunk of a table: `rows` rows encoded (UTF-8) in each requested format. */
export interface Chunk {
  start: number;
  rows: number;
  bytes: Partial<Record<RowFormat, Buffer>>;
}

export interface ChunkSource {
  /** The table's rows in order, as chunks of `chunkRows` rows. */
  chunks(table: CompiledTable, formats: RowFormat[], chunkRows: number): AsyncIterable<Chunk> | Iterable<Chunk>;
  close?(): Promise<void>;
}

/** Encodes one chunk of a table in each format. */
export const makeChunk = (t: CompiledTable, tenantTable: string | null, formats: RowFormat[], start: number, end: number): Chunk => {
  const bytes: Partial<Record<RowFormat, Buffer>> = {};
  for (const f of formats) bytes[f] = makeRows(t, tenantTable, start, end, f);
  return { start, rows: end - start, bytes };
};

/** Chunks made on the calling thread, lazily (one chunk in memory at a time). */
export const mainThreadChunks = (ds: Dataset): ChunkSource => ({
  *chunks(t, formats, chunkRows) {
    for (const [start, end] of chunkRanges(t.plan.rows, chunkRows)) yield makeChunk(t, ds.spec.tenantTable, formats, start, end);
  },
});

/**
 * One table's rows as CSV chunks (UTF-8 bytes; no header: the table's
 * `csvHeader` has it), for sinks outside this package (e.g. PGlite's
 * `COPY … FROM '/dev/blob'` with `new Blob(chunks)`).
 */
export function* tableCsvChunks(ds: Dataset, table: string, chunkRows = 8192): Generator<Buffer> {
  const t = tableOf(ds, table);
  for (const [start, end] of chunkRanges(t.plan.rows, chunkRows)) yield makeRows(t, ds.spec.tenantTable, start, end, 'csv');
}
