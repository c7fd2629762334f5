/**
 * The data stage's public face: production-shaped datasets from a scenario's
 * `data:` section, written to files (CSV/NDJSON + schema.sql + manifest.json)
 * or loaded into PostgreSQL, or streamed as chunks to any other sink.
 *
 * ```ts
 * const manifest = await generateToDir('saas-orders', { out: 'data/', seed: 7 });
 * await loadIntoPostgres('saas-orders', { url: process.env.DATABASE_URL!, replace: true, out: 'data/' });
 * const ds = await prepareDataset('saas-orders');
 * for await (const csv of tableCsvChunks(ds, 'orders')) { … }   // your own sink
 * ```
 */
import { writeFile } from 'node:fs/promises';
import { prepareOutputDir } from '../core/out-paths.js';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { RunError, errorMessage } from '../core/errors.js';
import type { Scenario } from '../scenario/scenario.js';
import { prepareDatasetInBackground, type Dataset, type DatasetOptions } from './dataset.js';
import { buildManifest, manifestJsonPieces } from './summary.js';
import { schemaSql } from './schema.js';
import { fileSink } from './sinks/files.js';
import { postgresSink } from './sinks/postgres.js';
import { mysqlSink } from './sinks/mysql.js';
import { isMysqlUrl } from './sinks/mysql-conn.js';
import { writeDataset, type Progress } from './write.js';
import { workerChunks } from './workers.js';
import type { Manifest } from './manifest.js';
import type { FileFormat } from './rows.js';
import type { Sink } from './sink.js';

export { prepareDataset, prepareDatasetInBackground, tableOf, dataSpecHash, DEFAULT_SEED, type Dataset, type DatasetOptions, type DraftDataset } from './dataset.js';
export { tableCsvChunks, mainThreadChunks, makeChunk, type Chunk, type ChunkSource } from './chunks.js';
export { workerChunks } from './workers.js';
export { writeDataset, interruptedError, type Progress, type WriteOptions } from './write.js';
export { buildManifest, summarize, manifestJson, manifestJsonPieces } from './summary.js';
export { readManifest, type Manifest, type ManifestTenant, type ManifestSummary } from './manifest.js';
export { schemaSql, createTableSql, createIndexSql, ident } from './schema.js';
export { fileSink, dataFileName } from './sinks/files.js';
export { postgresSink, type PostgresSinkOptions } from './sinks/postgres.js';
export { mysqlSink, type MysqlSinkOptions } from './sinks/mysql.js';
export { isMysqlUrl } from './sinks/mysql-conn.js';
export { loadIntoPglite, pgliteSink, type PgliteLike } from './sinks/pglite.js';
export type { Sink, TableWriter } from './sink.js';
export type { RowFormat, FileFormat } from './rows.js';
export type { CompiledTable, CompiledColumn } from './columns.js';
export { zipfShares, apportion } from './zipf.js';
export { ageQuantileMonths, ageCdf, ageRatePerMonth } from './ages.js';

export interface GenerateOptions extends DatasetOptions {
  /** Directory for manifest.json and schema.sql, and the data files when written to files. */
  out?: string;
  /** Data files' format; default csv when not loading into PostgreSQL, none when loading (unless given). */
  format?: FileFormat;
  /** Load into this PostgreSQL (`postgres://…`) or MySQL/MariaDB (`mysql://…`, `mariadb://…`). */
  to?: string;
  /** With a MySQL `to`: LOAD DATA LOCAL INFILE from a stream (default), or multi-row INSERTs (slower; kept for comparison). */
  mysqlMethod?: 'infile' | 'insert';
  /** With `to`: drop and recreate tables that already hold rows. */
  replace?: boolean;
  /**
   * Worker threads making rows: 0 = the calling thread (default), or `auto`:
   * one less than the cores (at most 2: each costs ~30–50 MB) when writing
   * 1,000,000 rows or more to files only; 0 when loading into PostgreSQL,
   * where the server is the bottleneck.
   */
  workers?: number | 'auto';
  /** Rows per chunk (default 8192). */
  chunkRows?: number;
  onProgress?: (p: Progress) => void;
  /** Lines about the load beside its rows (leftover staging schemas dropped, what a stopped load cleaned up). */
  log?: (line: string) => void;
  /** Aborting stops the run: nothing is swapped in, no manifest is written; rejects with PS_INTERRUPTED (see WriteOptions.signal). */
  signal?: AbortSignal;
}

export interface GenerateResult {
  manifest: Manifest;
  dataset: Dataset;
  /** Data files written, per table (relative to `out`). */
  files: Record<string, string>;
}

const writeText = async (file: string, text: string | Iterable<string>): Promise<void> => {
  try {
    // Pieces are joined in batches of ~1 MB: a big manifest never becomes one string.
    await writeFile(file, typeof text === 'string' ? text : batched(text));
  } catch (e) {
    throw new RunError('PS_OUT_DIR', `cannot write ${file}: ${errorMessage(e)}`, { hint: 'give --out a directory you can write to' });
  }
};

/** Workers for `auto` (see GenerateOptions.workers). */
export const autoWorkers = (rows: number, toDatabase: boolean): number =>
  toDatabase || rows < 1_000_000 ? 0 : Math.max(0, Math.min(2, availableParallelism() - 1));

function* batched(pieces: Iterable<string>): Generator<string> {
  let batch = '';
  for (const p of pieces) {
    batch += p;
    if (batch.length >= 1 << 20) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;
}

/**
 * Generates a scenario's dataset into files and/or PostgreSQL, and writes
 * manifest.json and schema.sql into `out` (when given). Returns the manifest.
 */
export const generate = async (scenario: Scenario | string, opts: GenerateOptions): Promise<GenerateResult> => {
  // Faker pools build on a worker thread while the tables that need none are made.
  const background = await prepareDatasetInBackground(scenario, opts);
  const { draft, ready, tableReady } = background;
  const sinks: Sink[] = [];
  const format = opts.format ?? (opts.to === undefined ? 'csv' : undefined);
  const files = format !== undefined && opts.out !== undefined ? fileSink(opts.out, format) : null;
  if (files) sinks.push(files);
  if (opts.to !== undefined) {
    const dbOpts = { url: opts.to, replace: opts.replace ?? false, ...(opts.log === undefined ? {} : { log: opts.log }) };
    sinks.push(isMysqlUrl(opts.to) ? mysqlSink({ ...dbOpts, ...(opts.mysqlMethod === undefined ? {} : { method: opts.mysqlMethod }) }) : postgresSink(dbOpts));
  }
  // A bounded mkdir: an input error naming --out, never a spin (Node's recursive mkdir loops under /proc).
  if (opts.out !== undefined) prepareOutputDir(opts.out, '--out');
  const totalRows = draft.plan.tables.reduce((a, t) => a + t.rows, 0);
  const workers = opts.workers === 'auto' ? autoWorkers(totalRows, opts.to !== undefined) : (opts.workers ?? 0);
  // Row workers are started with the pools, so they wait for them.
  const source = workers > 0 ? workerChunks(await ready, workers) : undefined;
  try {
    await writeDataset(draft, sinks, {
      ready,
      tableReady,
      ...(opts.chunkRows === undefined ? {} : { chunkRows: opts.chunkRows }),
      ...(source === undefined ? {} : { source }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } catch (e) {
    await background.cancel();
    throw e;
  }
  const ds = await ready;
  // In the scenario's table order (tables finish in any order when made side by side).
  const written: Record<string, string> = {};
  for (const t of ds.tables) {
    const f = files?.files[t.name];
    if (f !== undefined) written[t.name] = f;
  }
  const manifest = buildManifest(ds, opts.to === undefined ? format : isMysqlUrl(opts.to) ? 'mysql' : 'postgres', files ? written : undefined);
  if (opts.out !== undefined) {
    await writeText(join(opts.out, 'schema.sql'), schemaSql(ds));
    await writeText(join(opts.out, 'manifest.json'), manifestJsonPieces(manifest));
  }
  return { manifest, dataset: ds, files: written };
};

/** Writes a scenario's dataset to `out` (CSV by default) with schema.sql and manifest.json. */
export const generateToDir = async (scenario: Scenario | string, opts: GenerateOptions & { out: string }): Promise<Manifest> =>
  (await generate(scenario, { ...opts, to: undefined })).manifest;

/**
 * Loads a scenario's dataset into PostgreSQL (COPY, then keys, indexes and
 * ANALYZE in a staging schema, swapped in by one transaction at the end),
 * refusing non-empty tables unless `replace`. Writes manifest.json
 * and schema.sql into `out` when given. Returns the manifest.
 */
export const loadIntoPostgres = async (scenario: Scenario | string, opts: Omit<GenerateOptions, 'to'> & { url: string }): Promise<Manifest> =>
  (await generate(scenario, { ...opts, to: opts.url })).manifest;
