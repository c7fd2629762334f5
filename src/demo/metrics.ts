/**
 * The demo's `/metrics` (Prometheus text format 0.0.4, written by
 * src/core/prom-text.ts): the pool gauges prodshape's pool detector reads, the
 * dashboard cache's hits and misses, and per-route request counts and
 * durations. One set per server, so several demos can live in one process
 * (tests).
 *
 * Series (names are what `scenarios/demo.yaml` refers to):
 *   app_db_pool_size / app_db_pool_in_use / app_db_pool_waiting   gauges, read at scrape time
 *   app_db_pool_acquire_seconds                                   histogram of the wait for a connection
 *   app_db_query_seconds{query}                                   histogram per named query
 *   app_cache_hits_total / app_cache_misses_total{cache}          counters; app_cache_entries{cache} gauge
 *   app_http_requests_total{route,method,status}                  counter
 *   app_http_request_duration_seconds{route,method}               histogram
 *   app_demo_info{backend,pool_size}                              1
 * plus the Node.js process metrics of process-metrics.ts (event-loop lag, heap, CPU).
 */
import { EXPOSITION_CONTENT_TYPE, formatExposition, type ExpositionSample, type MetricFamily } from '../core/prom-text.js';
import { counter, histogram } from './instruments.js';
import type { PoolStats } from './db.js';
import { createProcessMetrics } from './process-metrics.js';

/** Latency buckets, seconds: 1 ms to 10 s. */
const BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface DemoMetrics {
  /** The exposition text of a scrape (gauges read now). */
  scrape(): Promise<string>;
  contentType: string;
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

/** A gauge family read at scrape time. */
const gauge = (name: string, help: string, read: () => ExpositionSample[]): (() => MetricFamily) =>
  () => ({ name, help, type: 'gauge', samples: read() });

export const createMetrics = (src: MetricsSources): DemoMetrics => {
  const one = (value: number): ExpositionSample[] => [{ labels: {}, value }];
  const infoLabels = { backend: src.backend, pool_size: String(src.pool().size) };
  const acquire = histogram('app_db_pool_acquire_seconds', 'Wait for a pool connection.', BUCKETS_S);
  const query = histogram('app_db_query_seconds', 'Database query time by query.', BUCKETS_S);
  const hits = counter('app_cache_hits_total', 'Cache hits.');
  const misses = counter('app_cache_misses_total', 'Cache misses.');
  const actions = counter('app_admin_actions_total', 'Admin actions run (deploy, migrate, analyze, reset).');
  const requests = counter('app_http_requests_total', 'HTTP requests by route, method and status.');
  const duration = histogram('app_http_request_duration_seconds', 'HTTP request duration by route.', BUCKETS_S);
  const processMetrics = createProcessMetrics();
  // Start the counters at 0 so the first scrape already has the series.
  hits.inc({ cache: 'dashboard' }, 0);
  misses.inc({ cache: 'dashboard' }, 0);
  const families = (): MetricFamily[] => [
    gauge('app_db_pool_size', 'Maximum connections in the database pool.', () => one(src.pool().size))(),
    gauge('app_db_pool_in_use', 'Connections checked out of the pool.', () => one(src.pool().inUse))(),
    gauge('app_db_pool_waiting', 'Requests waiting for a pool connection.', () => one(src.pool().waiting))(),
    gauge('app_demo_info', 'The demo service: database backend and pool size.', () => [{ labels: infoLabels, value: 1 }])(),
    gauge('app_cache_entries', 'Entries in the in-process cache.', () =>
      Object.entries(src.cacheEntries()).map(([cache, n]) => ({ labels: { cache }, value: n })))(),
    acquire.family(), query.family(), hits.family(), misses.family(), actions.family(), requests.family(), duration.family(),
  ];
  return {
    scrape: async () => formatExposition([...families(), ...(await processMetrics.families())]),
    contentType: EXPOSITION_CONTENT_TYPE,
    request: (route, method, status, durationS) => {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route, method }, durationS);
    },
    acquire: (waitS) => acquire.observe({}, waitS),
    query: (name, durationS) => query.observe({ query: name }, durationS),
    cacheHit: (cache) => hits.inc({ cache }),
    cacheMiss: (cache) => misses.inc({ cache }),
    action: (name) => actions.inc({ action: name }),
  };
};
