/**
 * The demo's `/metrics` (Prometheus text format, prom-client): the pool
 * gauges prodshape's pool detector reads, the dashboard cache's hits and
 * misses, and per-route request counts and durations. One registry per
 * server, so several demos can live in one process (tests).
 *
 * Series (names are what `scenarios/demo.yaml` refers to):
 *   app_db_pool_size / app_db_pool_in_use / app_db_pool_waiting   gauges, read at scrape time
 *   app_db_pool_acquire_seconds                                   histogram of the wait for a connection
 *   app_db_query_seconds{query}                                   histogram per named query
 *   app_cache_hits_total / app_cache_misses_total{cache}          counters; app_cache_entries{cache} gauge
 *   app_http_requests_total{route,method,status}                  counter
 *   app_http_request_duration_seconds{route,method}               histogram
 *   app_demo_info{backend,pool_size}                              1
 * plus prom-client's default process metrics (event-loop lag, heap, CPU).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from './db.js';

/** Latency buckets, seconds: 1 ms to 10 s. */
const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface DemoMetrics {
  registry: Registry;
  request(route: string, method: string, status: number, durationS: number): void;
  acquire(waitS: number): void;
  query(name: string, durationS: number): void;
  cacheHit(cache: string): void;
  cacheMiss(cache: string): void;
  action(name: string): void;
}

export interface MetricsSources {
  backend: string;
  pool: () => PoolStats;
  /** Entries per cache name. */
  cacheEntries: () => Record<string, number>;
}

export const createMetrics = (src: MetricsSources): DemoMetrics => {
  const registry = new Registry();
  const registers = [registry];
  const pool = (name: string, help: string, pick: (s: PoolStats) => number): Gauge =>
    new Gauge({
      name, help, registers,
      collect() {
        this.set(pick(src.pool()));
      },
    });
  pool('app_db_pool_size', 'Maximum connections in the database pool.', (s) => s.size);
  pool('app_db_pool_in_use', 'Connections checked out of the pool.', (s) => s.inUse);
  pool('app_db_pool_waiting', 'Requests waiting for a pool connection.', (s) => s.waiting);
  new Gauge({ name: 'app_demo_info', help: 'The demo service: database backend and pool size.', labelNames: ['backend', 'pool_size'], registers })
    .set({ backend: src.backend, pool_size: String(src.pool().size) }, 1);
  new Gauge({
    name: 'app_cache_entries', help: 'Entries in the in-process cache.', labelNames: ['cache'], registers,
    collect() {
      for (const [cache, n] of Object.entries(src.cacheEntries())) this.set({ cache }, n);
    },
  });
  const acquire = new Histogram({ name: 'app_db_pool_acquire_seconds', help: 'Wait for a pool connection.', buckets: BUCKETS_S, registers });
  const query = new Histogram({ name: 'app_db_query_seconds', help: 'Database query time by query.', labelNames: ['query'], buckets: BUCKETS_S, registers });
  const hits = new Counter({ name: 'app_cache_hits_total', help: 'Cache hits.', labelNames: ['cache'], registers });
  const misses = new Counter({ name: 'app_cache_misses_total', help: 'Cache misses.', labelNames: ['cache'], registers });
  const actions = new Counter({ name: 'app_admin_actions_total', help: 'Admin actions run (deploy, migrate, analyze, reset).', labelNames: ['action'], registers });
  const requests = new Counter({ name: 'app_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers });
  const duration = new Histogram({
    name: 'app_http_request_duration_seconds', help: 'HTTP request duration by route.', labelNames: ['route', 'method'], buckets: BUCKETS_S, registers,
  });
  // Start the counters at 0 so the first scrape already has the series.
  hits.inc({ cache: 'dashboard' }, 0);
  misses.inc({ cache: 'dashboard' }, 0);
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    request: (route, method, status, durationS) => {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route, method }, durationS);
    },
    acquire: (waitS) => acquire.observe(waitS),
    query: (name, durationS) => query.observe({ query: name }, durationS),
    cacheHit: (cache) => hits.inc({ cache }),
    cacheMiss: (cache) => misses.inc({ cache }),
    action: (name) => actions.inc({ action: name }),
  };
};
