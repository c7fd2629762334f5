/**
 * The demo staging service's public face: a small real HTTP API over a real
 * PostgreSQL (DATABASE_URL; else an embedded PostgreSQL server under the cache
 * directory, src/pg; else, where no binaries exist for this platform, the
 * embedded PGlite), loaded with the default
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
import { DEFAULT_DEMO_SCALE, cacheRoot, ensureDataset, type Dataset } from './dataset.js';
import { prepareDatabase } from './load.js';
import { startDemoServer, type DemoServer } from './server.js';
import { DEFAULT_POOL_SIZE, type DemoDb } from './db.js';
import type { CacheOptions } from './cache.js';
import { startEmbeddedPg, type EmbeddedPg } from '../pg/embedded.js';
import { BinariesUnavailableError } from '../pg/binaries.js';
import { basename, join } from 'node:path';
import { warmDashboardCache, warmTenantIds, type WarmResult } from './warm.js';

export { DEFAULT_POOL_SIZE, DEFAULT_ACQUIRE_TIMEOUT_MS, type DemoDb, type PoolStats } from './db.js';
export { DEFAULT_DEMO_SCALE, DEFAULT_DEMO_SEED, cacheRoot, ensureDataset, type Dataset } from './dataset.js';
export { startDemoServer, type DemoServer } from './server.js';
export { prepareDatabase } from './load.js';
export { PENDING_ORDERS_PLAN } from './sql.js';
export type { WarmResult } from './warm.js';

export interface DemoOptions {
  /** Port (default 0: a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Pool maximum (default 4). */
  poolSize?: number;
  /** Wait for a pool connection before answering 503, ms (default 10,000). */
  acquireTimeoutMs?: number;
  /** PostgreSQL URL; undefined or null: the embedded server (`embedded`). */
  databaseUrl?: string | null;
  /**
   * Without a URL: `postgres` (default) starts the embedded PostgreSQL server
   * under the cache directory, falling back to PGlite where this platform has
   * no binaries; `pglite` uses PGlite.
   */
  embedded?: 'postgres' | 'pglite';
  /** Dataset seed and scale (defaults: 42, and 3 on PGlite or 10 on PostgreSQL). */
  seed?: number;
  scale?: number;
  /** Cache root for datasets and loaded PGlite copies (default: cacheRoot()). */
  cacheDir?: string;
  /** Drop same-named tables the demo did not create (DATABASE_URL only). */
  replace?: boolean;
  cache?: CacheOptions;
  /**
   * Start warm (default false): the biggest 1% of tenants' dashboards (at
   * least 50) cached before the demo is returned, as in a service that has
   * been up a while; restored from a snapshot under the cache directory when
   * the demo owns its data (no DATABASE_URL).
   */
  warm?: boolean;
  /** Progress and admin lines (default: stderr). */
  log?: (line: string) => void;
}

export interface Demo {
  url: string;
  port: number;
  db: DemoDb;
  dataset: Dataset;
  server: DemoServer;
  /** The embedded PostgreSQL server the demo started (stopped by close), or null (DATABASE_URL, PGlite). */
  embeddedPg: EmbeddedPg | null;
  /** How the cache was warmed (`warm`), or null when it started cold. */
  warm: WarmResult | null;
  /** Stops the server, then closes the database (and stops the embedded server). */
  close(): Promise<void>;
}

/** Generates (or finds) the dataset, loads it, and starts the service. */
export const startDemo = async (opts: DemoOptions = {}): Promise<Demo> => {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cacheDir = opts.cacheDir ?? cacheRoot();
  const embeddedPg = opts.databaseUrl ? null : await startEmbedded(opts.embedded ?? 'postgres', cacheDir, log);
  const databaseUrl = opts.databaseUrl || embeddedPg?.url || null;
  let db: DemoDb;
  let dataset: Dataset;
  try {
    const scale = opts.scale ?? (databaseUrl !== null ? DEFAULT_DEMO_SCALE.postgres : DEFAULT_DEMO_SCALE.pglite);
    dataset = await ensureDataset({ cacheDir, log, scale, ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
    db = await prepareDatabase({
      dataset, cacheDir, log, databaseUrl, replace: opts.replace ?? false,
      poolSize: opts.poolSize ?? DEFAULT_POOL_SIZE,
      ...(opts.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: opts.acquireTimeoutMs }),
    });
  } catch (e) {
    await embeddedPg?.stop();
    throw e;
  }
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
    await embeddedPg?.stop();
    throw e;
  }
  const close = async (): Promise<void> => {
    try {
      await server.close();
      await db.close();
    } finally {
      await embeddedPg?.stop();
    }
  };
  let warm: WarmResult | null = null;
  if (opts.warm === true) {
    try {
      warm = await warmDashboardCache({
        url: server.url, cache: server.cache, tenantIds: warmTenantIds(dataset.manifest.tenants), concurrency: db.poolSize,
        // Data the demo owns (fixed by seed and scale, its migration undone at start) may be snapshotted; a user's database may change between runs.
        snapshotFile: opts.databaseUrl ? null : join(cacheDir, 'warm', `${basename(dataset.dir)}-${db.backend}.json`),
      });
    } catch (e) {
      await close();
      throw e;
    }
  }
  return { url: server.url, port: server.port, db, dataset, server, embeddedPg, warm, close };
};

/** The embedded PostgreSQL server, or null for PGlite (asked for, or no binaries for this platform: said in the log). */
const startEmbedded = async (kind: 'postgres' | 'pglite', cacheDir: string, log: (line: string) => void): Promise<EmbeddedPg | null> => {
  if (kind === 'pglite') return null;
  try {
    return await startEmbeddedPg({ cacheDir, log });
  } catch (e) {
    if (!(e instanceof BinariesUnavailableError)) throw e;
    log(`no embedded PostgreSQL server for this platform (${e.message}): using the embedded PGlite, without the PostgreSQL observer`);
    return null;
  }
};
