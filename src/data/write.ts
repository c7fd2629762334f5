/**
 * The generation driver: makes every table's rows chunk by chunk and hands
 * them to the sinks, in row order, with backpressure (memory stays bounded by
 * a few chunks whatever the dataset's size). Progress is reported per chunk.
 */
import { needsPools, type Dataset } from './dataset.js';
import type { Sink, TableWriter } from './sink.js';
import type { CompiledTable } from './columns.js';
import { DEFAULT_CHUNK_ROWS } from './rows.js';
import { mainThreadChunks, type ChunkSource } from './chunks.js';
import { RunError } from '../core/errors.js';
import { monotonicClock } from '../core/clock.js';

/** Where generation is, for progress displays. */
export interface Progress {
  /** `rows` while making rows; `finishing` while sinks finish (indexes, ANALYZE); `done` at the end. */
  phase: 'rows' | 'finishing' | 'done';
  table: string;
  tableRows: number;
  tableDone: number;
  /** Rows of all tables, and rows made so far. */
  rows: number;
  done: number;
  elapsedMs: number;
  /** What a sink is doing while finishing. */
  message?: string;
}

export interface WriteOptions {
  /** Rows per chunk (default 8192). Output bytes never depend on it. */
  chunkRows?: number;
  /** Where chunks come from (default: made on this thread). See workers.ts. */
  source?: ChunkSource;
  onProgress?: (p: Progress) => void;
  /**
   * Table order: `largest-first` (default) lets a database build the big
   * table's indexes while the small tables load; `scenario` keeps the file's order.
   */
  order?: 'largest-first' | 'scenario';
  /**
   * When `ds` is a draft (prepareDatasetInBackground): tables with faker
   * columns come from `tableReady` (once their pools are done), and the sinks
   * finish with the whole dataset, `ready`.
   */
  tableReady?: (name: string) => Promise<CompiledTable>;
  ready?: Promise<Dataset>;
  /** Tables made at the same time (default 2; sinks may allow fewer). Output bytes never depend on it. */
  concurrency?: number;
  /** Clock in ms (injected by tests). */
  now?: () => number;
  /**
   * Stops the run when aborted (the CLI aborts it on SIGINT/SIGTERM, with the
   * signal's name as reason): the sinks abort at once (a database load drops
   * what it built), and writeDataset rejects with a PS_INTERRUPTED RunError.
   * A sink that already committed its result (the PostgreSQL swap) completes.
   */
  signal?: AbortSignal;
}

/** The error of a run stopped through WriteOptions.signal. */
export const interruptedError = (signal: AbortSignal): RunError =>
  new RunError('PS_INTERRUPTED', `interrupted (${typeof signal.reason === 'string' ? signal.reason : 'aborted'}) before the dataset was complete`, {
    hint: 'run the same command again: the output depends only on the scenario, seed and scale',
  });

/** Makes every table of `ds` into every sink. On failure, aborts the sinks and rethrows. */
export const writeDataset = async (draft: Dataset, sinks: Sink[], opts: WriteOptions = {}): Promise<void> => {
  let ds = draft;
  const now = opts.now ?? (() => monotonicClock.nowMs());
  const started = now();
  const chunkRows = opts.chunkRows ?? DEFAULT_CHUNK_ROWS;
  const source = opts.source ?? mainThreadChunks(ds);
  const rows = ds.tables.reduce((a, t) => a + t.plan.rows, 0);
  let done = 0;
  const report = (p: Omit<Progress, 'rows' | 'done' | 'elapsedMs'>): void => opts.onProgress?.({ ...p, rows, done, elapsedMs: now() - started });
  const tables = opts.order === 'scenario' ? ds.tables : [...ds.tables].sort((a, b) => b.plan.rows - a.plan.rows);
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 2, tables.length, ...sinks.map((s) => s.maxConcurrentTables ?? Infinity)));
  let failed = false;
  const { signal } = opts;
  const throwIfInterrupted = (): void => {
    if (signal?.aborted) throw interruptedError(signal);
  };
  // Rejects once the signal came and every sink aborted: waits for rows (or faker pools) stop there.
  let interrupt: (e: unknown) => void = () => undefined;
  const interrupted = new Promise<never>((_resolve, reject) => {
    interrupt = reject;
  });
  interrupted.catch(() => undefined);
  // Sinks abort as soon as the signal comes, not when the row loop notices it: a database cancels what it is running.
  const onAbort = (): void => {
    failed = true;
    if (signal === undefined) return;
    const error = interruptedError(signal);
    void Promise.allSettled(sinks.map(async (s) => s.abort?.(error))).then(() => interrupt(error));
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const writeTable = async (drafted: CompiledTable): Promise<void> => {
    const table = opts.tableReady !== undefined && needsPools(drafted.plan.spec) ? await opts.tableReady(drafted.name) : drafted;
    if (failed) return;
    const writers: TableWriter[] = [];
    for (const s of sinks) writers.push(await s.openTable(table));
    const formatOf = sinks.map((s) => s.formatFor(table));
    const formats = [...new Set(formatOf)];
    let tableDone = 0;
    report({ phase: 'rows', table: table.name, tableRows: table.plan.rows, tableDone });
    for await (const chunk of source.chunks(table, formats, chunkRows)) {
      if (failed) return;
      await Promise.all(writers.map((w, k) => w.write(chunk.bytes[formatOf[k] ?? 'csv'] ?? Buffer.alloc(0))));
      tableDone += chunk.rows;
      done += chunk.rows;
      report({ phase: 'rows', table: table.name, tableRows: table.plan.rows, tableDone });
    }
    await Promise.all(writers.map((w) => w.end()));
  };

  try {
    throwIfInterrupted();
    for (const s of sinks) await s.begin?.(ds);
    // Lanes take the next table, biggest first: the small tables load beside the big one.
    const queue = [...tables];
    const lane = async (): Promise<void> => {
      for (let t = queue.shift(); t !== undefined && !failed; t = queue.shift()) await writeTable(t);
    };
    const results = await Promise.race([interrupted, Promise.allSettled(Array.from({ length: lanes }, lane).map((p) => p.catch((e: unknown) => {
      failed = true;
      throw e;
    })))]);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
    throwIfInterrupted();
    const last = tables[tables.length - 1];
    const step = (message: string): void => report({ phase: 'finishing', table: last?.name ?? '', tableRows: last?.plan.rows ?? 0, tableDone: last?.plan.rows ?? 0, message });
    if (opts.ready !== undefined) ds = await Promise.race([interrupted, opts.ready]);
    // Not raced: a sink that committed its result (the PostgreSQL swap) completes whatever the signal.
    for (const s of sinks) await s.finish?.(ds, step);
    report({ phase: 'done', table: last?.name ?? '', tableRows: last?.plan.rows ?? 0, tableDone: last?.plan.rows ?? 0 });
  } catch (e) {
    await Promise.allSettled(sinks.map(async (s) => s.abort?.(e)));
    throw signal?.aborted ? interruptedError(signal) : e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await source.close?.();
  }
};
