/**
 * The demo's database behind one small async interface, with two
 * implementations: a real PostgreSQL through a `pg` Pool with a small maximum
 * (when DATABASE_URL is set), and embedded PGlite (pglite.ts). Both expose the
 * same pool gauges, so `/metrics` and prodshape's pool detector read them alike.
 *
 * Every request checks a connection out of the pool for as long as it needs
 * the database (`withConnection`), exactly as an application does with
 * node-postgres; the pool's size is the demo's planted saturation point.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { monotonicClock, type Clock } from '../core/clock.js';
import { RunError, errorMessage } from '../core/errors.js';

/** A row as the drivers return it: column name to value. */
export type Row = Record<string, unknown>;

/** A checked-out connection: run queries on it until the callback returns. */
export interface DemoConn {
  /** One SQL statement with `$n` parameters; resolves to the rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
}

/** Pool gauges: `size` the maximum, `inUse` checked out, `waiting` queued for a slot. */
export interface PoolStats {
  size: number;
  inUse: number;
  waiting: number;
}

export type Backend = 'postgres' | 'pglite';

export interface DemoDb {
  readonly backend: Backend;
  /** The pool's maximum number of connections (slots, for PGlite). */
  readonly poolSize: number;
  /**
   * Checks a connection out (waiting for a free one when all are in use),
   * runs `fn`, and returns it. `onAcquired` receives the wait in ms.
   */
  withConnection<T>(fn: (c: DemoConn) => Promise<T>, onAcquired?: (waitMs: number) => void): Promise<T>;
  /** Runs several statements separated by `;` (DDL, migrations); outside the pool's accounting of requests. */
  exec(sql: string): Promise<void>;
  /** `COPY table (columns) FROM` a CSV file with a header line. */
  copyCsv(table: string, columns: readonly string[], file: string): Promise<void>;
  poolStats(): PoolStats;
  close(): Promise<void>;
  /** The clock the database times waits with (DbOptions.clock); admin actions time theirs with it too. */
  readonly clock: Clock;
}

/** Options shared by both backends. */
export interface DbOptions {
  /** Pool maximum (default 4). */
  poolSize?: number;
  /** How long a request waits for a connection before failing with PoolTimeoutError, ms (default 10,000; 0 waits forever). */
  acquireTimeoutMs?: number;
  /** Times the wait for a connection (`onAcquired`); default the process's monotonic clock. */
  clock?: Clock;
}

/** The default wait for a pool connection before a request fails (503). */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

/** No connection came free within the acquire timeout: the pool is exhausted (the server answers 503). */
export class PoolTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`pool exhausted: no database connection came free within ${timeoutMs} ms`);
    this.name = 'PoolTimeoutError';
  }
}

/**
 * A connection from `acquire`, the wait told to `onAcquired` (ms on `clock`);
 * an error `isTimeout` recognises becomes a PoolTimeoutError. Both backends acquire through it.
 */
export const acquireTimed = async <C>(
  clock: Clock, acquireTimeoutMs: number, acquire: () => Promise<C>, isTimeout: (e: unknown) => boolean, onAcquired?: (waitMs: number) => void,
): Promise<C> => {
  const t0 = clock.nowMs();
  let conn: C;
  try {
    conn = await acquire();
  } catch (e) {
    throw isTimeout(e) ? new PoolTimeoutError(acquireTimeoutMs) : e;
  }
  onAcquired?.(clock.nowMs() - t0);
  return conn;
};

/** The default pool size: small on purpose, so a 3x spike queues on it. */
export const DEFAULT_POOL_SIZE = 4;

/** Wraps a failure to reach PostgreSQL in a RunError that says what to check. */
const connectError = (e: unknown): RunError =>
  new RunError('PS_DEMO_DB', `cannot connect to the demo database: ${errorMessage(e)}`, {
    hint: 'check DATABASE_URL (postgres://user:pass@host:port/db), or unset it to use the embedded PGlite',
    cause: e,
  });

/**
 * A real PostgreSQL through a `pg` Pool of at most `poolSize` connections.
 * `in use` is the pool's total minus its idle connections; `waiting` is
 * node-postgres's `waitingCount` (requests queued for a connection).
 */
export const openPostgres = async (url: string, opts: DbOptions = {}): Promise<DemoDb> => {
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  const clock = opts.clock ?? monotonicClock;
  const pool = new pg.Pool({
    connectionString: url, max: poolSize, idleTimeoutMillis: 60_000, connectionTimeoutMillis: acquireTimeoutMs, application_name: 'prodshape-demo',
  });
  // An idle client that loses its server would otherwise crash the process.
  pool.on('error', (e) => process.stderr.write(`prodshape demo: idle database connection failed: ${errorMessage(e)}\n`));
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end();
    throw connectError(e);
  }
  // Admin statements use their own connection: a migration must not wait behind a saturated pool.
  const withAdmin = async (fn: (c: pg.Client) => Promise<void>): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'prodshape-demo-admin' });
    await c.connect();
    try {
      await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    backend: 'postgres',
    poolSize,
    clock,
    withConnection: async (fn, onAcquired) => {
      const client = await acquireTimed(clock, acquireTimeoutMs, () => pool.connect(),
        (e) => acquireTimeoutMs > 0 && /timeout exceeded when trying to connect/i.test(errorMessage(e)), onAcquired);
      let failed: unknown;
      try {
        return await fn({ query: async <R extends Row>(sql: string, params?: readonly unknown[]) => (await client.query<R>(sql, params as unknown[] | undefined)).rows });
      } catch (e) {
        failed = e;
        throw e;
      } finally {
        // A connection whose query failed mid-protocol is destroyed rather than reused.
        client.release(failed instanceof Error && !('code' in failed) ? failed : undefined);
      }
    },
    exec: (sql) => withAdmin(async (c) => {
      await c.query(sql);
    }),
    copyCsv: (table, columns, file) => withAdmin(async (c) => {
      await pipeline(createReadStream(file), c.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv, HEADER true)`)));
    }),
    poolStats: () => ({ size: poolSize, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
};
