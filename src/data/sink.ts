/**
 * Sinks: where made rows go (files, PostgreSQL COPY, PGlite, …). The row
 * production (rows.ts, workers.ts) knows nothing of them: a sink receives a
 * table's rows as encoded chunks (UTF-8 bytes), in row order.
 */
import type { CompiledTable } from './columns.js';
import type { Dataset } from './dataset.js';
import type { RowFormat } from './rows.js';

/** Receives one table's rows. `write` resolves when the sink can take more (backpressure). */
export interface TableWriter {
  /** A chunk of whole rows, UTF-8; the sink may keep it (it is never reused). */
  write(chunk: Buffer): Promise<void>;
  /** All rows were written; resolves when they are stored. */
  end(): Promise<void>;
}

/** What a sink reports while it finishes (keys, indexes, ANALYZE). */
export type SinkStep = (message: string) => void;

export interface Sink {
  /** The encoding this sink takes for a table. CSV chunks never include the header line. */
  formatFor(table: CompiledTable): RowFormat;
  /** Before any row: check the destination (e.g. refuse non-empty tables), create what is needed. */
  begin?(ds: Dataset): Promise<void>;
  /** How many tables may be open at once (default: any number). */
  readonly maxConcurrentTables?: number;
  /** Opens one table; several may be open at once (see maxConcurrentTables), biggest first. */
  openTable(table: CompiledTable): Promise<TableWriter>;
  /** After every table was written and ended. */
  finish?(ds: Dataset, step: SinkStep): Promise<void>;
  /**
   * After a failure: release resources, remove partial output. Never throws.
   * When the run is stopped (WriteOptions.signal) it is called at once, while
   * writes or finish may still be in flight (which it should make fail fast),
   * and again when they have failed.
   */
  abort?(error: unknown): Promise<void>;
}
