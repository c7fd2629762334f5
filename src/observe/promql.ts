/**
 * A Prometheus server as an observer's source: `query_range` over a run's
 * window at its step, turned into the same `ObservedScrapeRecord` lines a
 * `/metrics` scrape writes, so the pool-saturation detector, the capacity
 * estimate and diagnosis step 3 read PromQL results exactly as they read
 * scraped gauges (`gaugeValue` sums every label set of a name).
 *
 * Each query has a name: its series are recorded as `name{labels}` (the
 * result's labels without `__name__`), so `pool_in_use` over four instances
 * gives four keys whose sum is the service's in-use count, and the
 * per-instance series stay in the run directory for the report.
 *
 * The server URL obeys the target safety rule like every outbound URL (the
 * caller passes the checked dispatcher); a redirect is never followed;
 * `user:password@` becomes a Basic header and never appears in an error.
 */
import type { Dispatcher } from 'undici';
import { redactUrl } from '../core/secrets.js';
import { seriesKey } from '../core/prom-parse.js';
import type { ObservedScrapeRecord } from './files.js';
import { basicAuth, withoutCredentials } from './prometheus.js';

/** One named PromQL query of `observe.prometheus` (server form). */
export interface NamedQuery {
  /** Metric name the results are recorded under (what `observe.pool` names). */
  name: string;
  /** PromQL expression. */
  expr: string;
}

/** One series of a `query_range` matrix: labels and `[epoch s, value]` points. */
export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

export interface RangeWindow {
  /** Window start and end, Unix epoch seconds (fractional). */
  startS: number;
  endS: number;
  /** Resolution step, seconds (> 0). */
  stepS: number;
}

/** Why a PromQL query failed: HTTP status, the API's error, or a redirect not followed. */
export class PromqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromqlError';
  }
}

interface ApiMatrix {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: Array<{ metric?: Record<string, string>; values?: Array<[number, string]> }> };
}

/** Reads a `query_range` JSON body: the series with finite values only (NaN/Inf carry no reading). */
export const parseMatrix = (body: ApiMatrix): RangeSeries[] => {
  if (body.status !== 'success') throw new PromqlError(`query failed: ${body.error ?? 'no status'}`);
  if (body.data?.resultType !== 'matrix') throw new PromqlError(`expected a matrix result, got ${String(body.data?.resultType)}`);
  return (body.data.result ?? []).map((r) => {
    const { __name__: _drop, ...labels } = r.metric ?? {};
    const points: Array<[number, number]> = [];
    for (const [t, v] of r.values ?? []) {
      const n = Number(v);
      if (Number.isFinite(n)) points.push([t, n]);
    }
    return { labels, points };
  });
};

/**
 * Runs one `query_range` (POST, form-encoded) against `server` (the
 * Prometheus base URL, e.g. `http://127.0.0.1:9090`), with a timeout, no
 * redirect followed and through `dispatcher` when given (checked hosts only).
 */
export const queryRange = async (server: URL, expr: string, w: RangeWindow, opts: { timeoutMs: number; dispatcher?: Dispatcher }): Promise<RangeSeries[]> => {
  const url = withoutCredentials(new URL('api/v1/query_range', server.href.endsWith('/') ? server : new URL(`${server.href}/`)));
  const form = new URLSearchParams({ query: expr, start: String(w.startS), end: String(w.endS), step: String(w.stepS) });
  const { request } = await import('undici');
  const res = await request(url, {
    method: 'POST',
    body: form.toString(),
    signal: AbortSignal.timeout(opts.timeoutMs),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...basicAuth(server) },
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300 && res.statusCode < 400) throw new PromqlError(`HTTP ${res.statusCode} redirect from ${redactUrl(url)}: not followed`);
  let body: ApiMatrix;
  try {
    body = JSON.parse(text) as ApiMatrix;
  } catch {
    throw new PromqlError(`HTTP ${res.statusCode} from ${redactUrl(url)}: not JSON`);
  }
  if (res.statusCode !== 200) throw new PromqlError(`HTTP ${res.statusCode} from ${redactUrl(url)}: ${body.error ?? 'no error text'}`);
  return parseMatrix(body);
};

/**
 * Merges named query results into scrape records, one per timestamp present
 * in any series, ordered by time: `t_s` is seconds since `t0EpochS` (the run's
 * time zero), points before it are dropped.
 */
export const rangeToScrapes = (results: ReadonlyArray<{ name: string; series: RangeSeries[] }>, t0EpochS: number): ObservedScrapeRecord[] => {
  const byT = new Map<number, Record<string, number>>();
  for (const { name, series } of results) {
    for (const s of series) {
      const key = seriesKey(name, s.labels);
      for (const [t, v] of s.points) {
        const tS = Math.round((t - t0EpochS) * 1000) / 1000;
        if (tS < 0) continue;
        const values = byT.get(tS) ?? {};
        values[key] = v;
        byT.set(tS, values);
      }
    }
  }
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t_s, values]) => ({ t_s, ok: true, error: null, values, duration_ms: 0 }));
};

/** Distinct values of `label` across a query's series (e.g. the service's instances): the count `--instances` takes when present. */
export const distinctLabel = (series: readonly RangeSeries[], label: string): string[] =>
  [...new Set(series.map((s) => s.labels[label]).filter((x): x is string => x !== undefined))].sort();

/** Runs every named query over the window and returns the merged scrape records. */
export const readWindow = async (server: URL, queries: readonly NamedQuery[], w: RangeWindow, t0EpochS: number, opts: { timeoutMs: number; dispatcher?: Dispatcher }): Promise<ObservedScrapeRecord[]> => {
  const results = await Promise.all(queries.map(async (q) => ({ name: q.name, series: await queryRange(server, q.expr, w, opts) })));
  return rangeToScrapes(results, t0EpochS);
};
