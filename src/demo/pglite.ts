/**
 * The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in a
 * worker thread (pglite-worker.ts). PGlite runs one query at a time, so its
 * "pool" is a gate of N slots in front of it (gate.ts): a request holds a slot
 * while it uses the database, requests beyond N wait for one, and the gauges
 * mean what they mean for `pg`'s Pool. What differs from a real server: the
 * N slots share one single-threaded backend, so queries never run in parallel
 * (capacity is 1 / mean query time whatever N is), and there is no autovacuum.
 */
import type { Worker } from 'node:worker_threads';
import { monotonicClock } from '../core/clock.js';
import { RunError, errorMessage } from '../core/errors.js';
import { startModuleWorker } from '../core/module-start.js';
import { GateTimeoutError, createGate } from './gate.js';
import { acquireTimed, DEFAULT_ACQUIRE_TIMEOUT_MS, DEFAULT_POOL_SIZE, type DbOptions, type DemoDb, type Row } from './db.js';
import type { WorkerCommand, WorkerInit, WorkerReply, WorkerRequest } from './pglite-protocol.js';

/** An error PGlite raised: carries the SQLSTATE `code` like node-postgres's errors. */
export class PgliteError extends Error {
  readonly code: string | null;
  readonly detail: string | null;
  constructor(message: string, code: string | null, detail: string | null) {
    super(message);
    this.name = 'PgliteError';
    this.code = code;
    this.detail = detail;
  }
}

export interface PgliteDb extends DemoDb {
  readonly backend: 'pglite';
  /** `COPY table (cols) FROM` a CSV file with a header line. */
  copyCsv(table: string, columns: readonly string[], file: string): Promise<void>;
  /** Writes the whole database as a gzip tarball (to start from it next time). */
  dumpTo(file: string): Promise<void>;
}

export interface PgliteOptions extends DbOptions {
  /** A tarball written by `dumpTo` to start from, or null for an empty database. */
  tarball?: string | null;
}

/** Starts the worker (core/module-start.ts: the built .js file, or the .ts sources through tsx). */
const spawnWorker = (init: WorkerInit): Worker => startModuleWorker(import.meta.url, 'pglite-worker', init);

/** Requests to the worker and their replies, matched by id; reply 0 is "ready". */
interface WorkerLink {
  /** Resolves when the worker says the database is ready. */
  ready: Promise<void>;
  send: (msg: WorkerCommand) => Promise<Row[]>;
  /** The error that ended the worker, or null while it runs. */
  dead: () => Error | null;
}

const linkWorker = (worker: Worker): WorkerLink => {
  const pending = new Map<number, { resolve: (rows: Row[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let dead: Error | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.rows);
    else p.reject(new PgliteError(reply.error.message, reply.error.code, reply.error.detail));
  });
  const failAll = (e: Error): void => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('error', (e) => failAll(new RunError('PS_DEMO_PGLITE', `the embedded PGlite database failed: ${errorMessage(e)}`, { cause: e })));
  worker.on('exit', (code) => {
    if (pending.size > 0) failAll(new RunError('PS_DEMO_PGLITE', `the embedded PGlite database stopped (exit code ${code})`));
  });
  const send = (msg: WorkerCommand): Promise<Row[]> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id } satisfies WorkerRequest);
    });
  };
  return { ready, send, dead: () => dead };
};

/** Starts PGlite in a worker thread; resolves once the database is ready. */
export const openPglite = async (opts: PgliteOptions = {}): Promise<PgliteDb> => {
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  const clock = opts.clock ?? monotonicClock;
  const gate = createGate(poolSize);
  const worker = spawnWorker({ tarball: opts.tarball ?? null });
  const { ready, send, dead } = linkWorker(worker);
  try {
    await ready;
  } catch (e) {
    await worker.terminate();
    throw new RunError('PS_DEMO_PGLITE', `cannot start the embedded PGlite database: ${errorMessage(e)}`, {
      hint: 'delete the cached dataset (~/.cache/prodshape or PRODSHAPE_CACHE_DIR) if it may be damaged',
      cause: e,
    });
  }

  return {
    backend: 'pglite',
    poolSize,
    clock,
    withConnection: async (fn, onAcquired) => {
      const release = await acquireTimed(clock, acquireTimeoutMs, () => gate.acquire(acquireTimeoutMs), (e) => e instanceof GateTimeoutError, onAcquired);
      try {
        return await fn({ query: async <R extends Row>(sql: string, params?: readonly unknown[]) => (await send({ op: 'query', sql, params: [...(params ?? [])] })) as R[] });
      } finally {
        release();
      }
    },
    exec: async (sql) => {
      await send({ op: 'exec', sql });
    },
    copyCsv: async (table, columns, file) => {
      await send({ op: 'copy', sql: `COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv, HEADER true)`, file });
    },
    dumpTo: async (file) => {
      await send({ op: 'dump', file });
    },
    poolStats: () => ({ size: poolSize, inUse: gate.inUse(), waiting: gate.waiting() }),
    close: async () => {
      if (!dead()) await send({ op: 'close' });
      await worker.terminate();
    },
  };
};
