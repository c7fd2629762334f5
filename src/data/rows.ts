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
 * tables find the tenant of `start`, then walk tenants forward; tables with
 * sort_by merge the tenants' rows in time order (see visitSorted).
 */
const visitRows = (table: CompiledTable, tenantTable: string | null, start: number, end: number, format: RowFormat, emit: (r: RowCursor) => void): void => {
  const { first, counts, rows } = table.plan;
  const r: RowCursor = { i: 0, p: 0, t: -1, j: 0, n: rows };
  if (first === null || counts === null) {
    const isTenant = table.name === tenantTable;
    for (let i = start; i < end; i++) {
      r.i = i;
      r.p = i;
      r.j = i;
      if (isTenant) r.t = i;
      emit(r);
    }
    return;
  }
  if (table.sortTime !== null) {
    visitSorted(table, format, first, counts, start, end, r, emit);
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
    r.p = i;
    r.t = t;
    r.j = i - tStart;
    r.n = counts[t] ?? 0;
    emit(r);
  }
};

/** Where a time-ordered merge of a table's tenants stands: a min-heap of tenants by their next row's time. */
interface MergeState {
  /** Output position of the next row. */
  pos: number;
  heap: Int32Array;
  size: number;
  nextJ: Float64Array;
  nextTime: Float64Array;
}

/** The merge of each sorted table (per format: a chunk is made once per format), kept between consecutive chunks. */
const merges = new WeakMap<CompiledTable, Partial<Record<RowFormat, MergeState>>>();

/**
 * Rows of a table with sort_by, in time order across tenants: a k-way merge
 * of the tenants' rows (each tenant's are already in time order), ties going
 * to the lower tenant index. Memory is O(tenants); consecutive chunks continue
 * the merge, any other start replays it from the first row (still exact).
 */
const visitSorted = (
  table: CompiledTable, format: RowFormat, first: Float64Array, counts: Float64Array, start: number, end: number, r: RowCursor, emit: (r: RowCursor) => void,
): void => {
  const timeOf = table.sortTime as (c: RowCursor) => number;
  const probe: RowCursor = { i: 0, p: 0, t: 0, j: 0, n: 0 };
  const timeAt = (t: number, j: number): number => {
    probe.i = (first[t] ?? 0) + j;
    probe.t = t;
    probe.j = j;
    probe.n = counts[t] ?? 0;
    return timeOf(probe);
  };
  const byFormat = merges.get(table) ?? {};
  let s = byFormat[format];
  if (s === undefined || s.pos !== start) {
    const n = counts.length;
    s = { pos: 0, heap: new Int32Array(n), size: 0, nextJ: new Float64Array(n), nextTime: new Float64Array(n) };
    for (let t = 0; t < n; t++) {
      if ((counts[t] ?? 0) === 0) continue;
      s.nextTime[t] = timeAt(t, 0);
      s.heap[s.size++] = t;
    }
    for (let k = (s.size >> 1) - 1; k >= 0; k--) siftDown(s, k);
  }
  const st = s;
  for (let p = st.pos; p < end; p++) {
    const t = st.heap[0] ?? 0;
    const j = st.nextJ[t] ?? 0;
    if (p >= start) {
      r.i = (first[t] ?? 0) + j;
      r.p = p;
      r.t = t;
      r.j = j;
      r.n = counts[t] ?? 0;
      emit(r);
    }
    st.nextJ[t] = j + 1;
    if (j + 1 < (counts[t] ?? 0)) st.nextTime[t] = timeAt(t, j + 1);
    else st.heap[0] = st.heap[--st.size] ?? 0;
    siftDown(st, 0);
  }
  st.pos = end;
  byFormat[format] = st;
  merges.set(table, byFormat);
};

const before = (s: MergeState, a: number, b: number): boolean => {
  const ta = s.nextTime[a] ?? 0;
  const tb = s.nextTime[b] ?? 0;
  return ta < tb || (ta === tb && a < b);
};

const siftDown = (s: MergeState, k: number): void => {
  const { heap, size } = s;
  for (;;) {
    const l = 2 * k + 1;
    if (l >= size) return;
    const rr = l + 1;
    const m = rr < size && before(s, heap[rr] ?? 0, heap[l] ?? 0) ? rr : l;
    if (!before(s, heap[m] ?? 0, heap[k] ?? 0)) return;
    const tmp = heap[k] ?? 0;
    heap[k] = heap[m] ?? 0;
    heap[m] = tmp;
    k = m;
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
    visitRows(table, tenantTable, start, end, format, (r) => binRow(r, o));
    bytes = o.u8.subarray(0, o.pos);
  } else {
    const row = format === 'csv' ? table.csvRow : table.jsonRow;
    const out = byteSink(estimate);
    let batch = '';
    let inBatch = 0;
    visitRows(table, tenantTable, start, end, format, (r) => {
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
