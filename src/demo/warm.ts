/**
 * The demo's warm start: the state of a service that has been up a while,
 * with the biggest tenants' dashboards in its cache. The others cost a few ms
 * each and fill the cache as requests ask for them, as in production.
 *
 * The dashboards are computed through the service's own route (the same code
 * and queries a request runs) and, where the demo owns its data (its embedded
 * servers, whose dataset is fixed by seed and scale and whose migration is
 * undone at start), kept in a snapshot file under the cache directory, so a
 * later start restores them in milliseconds instead of recomputing ~10 s of
 * aggregates. A snapshot that does not name exactly the tenants asked for, or
 * cannot be read, is recomputed (and rewritten). On a user's DATABASE_URL the
 * data may have changed between runs, so there is no snapshot.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { stopwatch, type Clock } from '../core/clock.js';
import type { Cache } from './cache.js';
import { DASHBOARD } from './sql.js';

/** Snapshot format version; a file of another version is recomputed. */
const SNAPSHOT_VERSION = 1;
/** The dashboard's queries, hashed: a snapshot made by other queries is recomputed. */
const QUERIES_KEY = createHash('sha256').update(JSON.stringify(DASHBOARD)).digest('hex').slice(0, 16);

/** How many of the biggest tenants a warm start caches: 1% of them, at least 50. */
export const warmTenantIds = (tenants: readonly { id: string; rows: number }[]): string[] =>
  [...tenants].sort((a, b) => b.rows - a.rows).slice(0, Math.max(50, Math.ceil(tenants.length / 100))).map((t) => t.id);

export interface WarmOptions {
  /** The demo's base URL (http://127.0.0.1:PORT). */
  url: string;
  /** The dashboard cache the route fills (restored into directly from a snapshot). */
  cache: Cache<string>;
  /** Tenant ids to cache, biggest first. */
  tenantIds: readonly string[];
  /** Requests at once while computing (the pool's size keeps it full without queueing). */
  concurrency: number;
  /** Snapshot file, or null for none (a database the demo does not own). */
  snapshotFile: string | null;
  /** Times the warm start (`WarmResult.ms`) [monotonicClock]. */
  clock?: Clock;
}

export interface WarmResult {
  /** Dashboards in the cache after the warm start. */
  tenants: number;
  /** Where they came from. */
  source: 'snapshot' | 'computed';
  /** Time the warm start took, ms (by `WarmOptions.clock`). */
  ms: number;
}

/** The snapshot's dashboards by tenant id, or null when it is absent, unreadable, of another version or queries, or for other tenants. */
const readSnapshot = (file: string, tenantIds: readonly string[]): Map<string, string> | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { version, queries, dashboards } = parsed as { version?: unknown; queries?: unknown; dashboards?: unknown };
  if (version !== SNAPSHOT_VERSION || queries !== QUERIES_KEY || typeof dashboards !== 'object' || dashboards === null) return null;
  const entries = Object.entries(dashboards as Record<string, unknown>);
  if (entries.length !== tenantIds.length || !tenantIds.every((id) => typeof (dashboards as Record<string, unknown>)[id] === 'string')) return null;
  return new Map(entries as [string, string][]);
};

/** Writes the snapshot through a temporary file and a rename, so a killed writer never leaves half a file. */
const writeSnapshot = (file: string, dashboards: Map<string, string>): void => {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: SNAPSHOT_VERSION, queries: QUERIES_KEY, dashboards: Object.fromEntries(dashboards) }));
  renameSync(tmp, file);
};

/** GETs each tenant's dashboard through the service (`concurrency` at once); returns the bodies of those answered 200. */
const computeDashboards = async (url: string, tenantIds: readonly string[], concurrency: number): Promise<Map<string, string>> => {
  const bodies = new Map<string, string>();
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let i = next++; i < tenantIds.length; i = next++) {
      const id = tenantIds[i] ?? '';
      const res = await fetch(`${url}/tenants/${encodeURIComponent(id)}/dashboard`);
      const body = await res.text();
      if (res.status === 200) bodies.set(id, body);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, loop));
  return bodies;
};

/** Restores the dashboards from the snapshot when it fits, else computes them (and writes the snapshot when there is one to write). */
export const warmDashboardCache = async (opts: WarmOptions): Promise<WarmResult> => {
  const took = stopwatch(opts.clock);
  const saved = opts.snapshotFile === null ? null : readSnapshot(opts.snapshotFile, opts.tenantIds);
  if (saved !== null) {
    for (const [id, body] of saved) opts.cache.set(id, body);
    return { tenants: saved.size, source: 'snapshot', ms: took() };
  }
  const computed = await computeDashboards(opts.url, opts.tenantIds, opts.concurrency);
  // The route cached them already; set here too, so the cache holds exactly what a snapshot would restore.
  for (const [id, body] of computed) opts.cache.set(id, body);
  // Only a complete set is worth keeping: a tenant that failed (a 503 under a neighbour's load) is computed again next time.
  if (opts.snapshotFile !== null && computed.size === opts.tenantIds.length) writeSnapshot(opts.snapshotFile, computed);
  return { tenants: computed.size, source: 'computed', ms: took() };
};
