/**
 * The demo staging service's public face: a small real HTTP API over a real
 * PostgreSQL (DATABASE_URL) or the embedded PGlite, loaded with the default
 * `saas-orders` dataset, with the four production-only bugs planted:
 *
 * - data skew: `GET /tenants/:id/orders?status=pending` reads all of a
 *   tenant's orders (index on tenant_id only): fast for the median tenant,
 *   slow for the biggest.
 * - cold cache: `GET /tenants/:id/dashboard` is expensive and cached in
 *   process; `POST /admin/deploy` empties the cache as a restart would.
 * - pool saturation: every request shares one small pool (default 4).
 * - plan regression: `POST /admin/migrate` imports legacy rows and adds an
 *   index; once ANALYZE has run, the pending-orders plan flips for many
 *   tenants to a walk of that index that steps over every imported row.
 *
 * `startDemo` generates (cached) and loads the dataset, then serves.
 */
import { cacheRoot, ensureDataset, type Dataset } from './dataset.js';
import { prepareDatabase } from './load.js';
import { startDemoServer, type DemoServer } from './server.js';
import { DEFAULT_POOL_SIZE, type DemoDb } from './db.js';
import type { CacheOptions } from './cache.js';

export { DEFAULT_POOL_SIZE, DEFAULT_ACQUIRE_TIMEOUT_MS, type DemoDb, type PoolStats } from './db.js';
export { DEFAULT_DEMO_SCALE, DEFAULT_DEMO_SEED, cacheRoot, ensureDataset, type Dataset } from './dataset.js';
export { startDemoServer, type DemoServer } from './server.js';
export { prepareDatabase } from './load.js';
export { PENDING_ORDERS_PLAN } from './sql.js';

export interface DemoOptions {
  /** Port (default 0: a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Pool maximum (default 4). */
  poolSize?: number;
  /** Wait for a pool connection before answering 503, ms (default 10,000). */
  acquireTimeoutMs?: number;
  /** PostgreSQL URL; undefined or null: the embedded PGlite. */
  databaseUrl?: string | null;
  /** Dataset seed and scale (defaults: 42 and 5). */
  seed?: number;
  scale?: number;
  /** Cache root for datasets and loaded PGlite copies (default: cacheRoot()). */
  cacheDir?: string;
  /** Drop same-named tables the demo did not create (DATABASE_URL only). */
  replace?: boolean;
  cache?: CacheOptions;
  /** Progress and admin lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Demo {
  url: string;
  port: number;
  db: DemoDb;
  dataset: Dataset;
  server: DemoServer;
  /** Stops the server, then closes the database. */
  close(): Promise<void>;
}

/** Generates (or finds) the dataset, loads it, and starts the service. */
export const startDemo = async (opts: DemoOptions = {}): Promise<Demo> => {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cacheDir = opts.cacheDir ?? cacheRoot();
  const dataset = await ensureDataset({ cacheDir, log, ...(opts.seed === undefined ? {} : { seed: opts.seed }), ...(opts.scale === undefined ? {} : { scale: opts.scale }) });
  const db = await prepareDatabase({
    dataset, cacheDir, log, databaseUrl: opts.databaseUrl ?? null, replace: opts.replace ?? false,
    poolSize: opts.poolSize ?? DEFAULT_POOL_SIZE,
    ...(opts.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: opts.acquireTimeoutMs }),
  });
  let server: DemoServer;
  try {
    server = await startDemoServer({
      db, log,
      ...(opts.port === undefined ? {} : { port: opts.port }),
      ...(opts.host === undefined ? {} : { host: opts.host }),
      ...(opts.cache === undefined ? {} : { cache: opts.cache }),
    });
  } catch (e) {
    await db.close();
    throw e;
  }
  return {
    url: server.url, port: server.port, db, dataset, server,
    close: async () => {
      await server.close();
      await db.close();
    },
  };
};
