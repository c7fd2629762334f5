/**
 * The Prometheus observer: scrapes the target's `/metrics` (`observe.prometheus`,
 * relative to the target or a full URL) every `observe.interval` (default 1 s)
 * on the run's clock and appends one `ObservedScrapeRecord` per scrape to
 * metrics.ndjson. It keeps the pool gauges named in `observe.pool`, the series
 * named in `observe.metrics` (a trailing `*` makes a prefix) and a few useful
 * defaults (DEFAULT_SERIES). A scrape that fails (refused, timeout, non-200,
 * unparsable) is a record with `ok: false` and the reason, never an error.
 */
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { errorMessage } from '../core/errors.js';
import { redact, redactDeep, redactUrl } from '../core/secrets.js';
import { createNdjsonWriter, type NdjsonWriter } from '../run/ndjson.js';
import type { PoolGauges } from '../scenario/scenario.js';
import { resolveScrapeUrl } from '../scenario/scrape-url.js';
import { OBSERVE_FILES, type ObservedScrapeRecord } from './files.js';
import { parseExposition, parseSelector, selectorMatches, seriesKey, type ParsedExposition, type SeriesSelector } from '../core/prom-parse.js';
export { parseSelector, type SeriesSelector } from '../core/prom-parse.js';
import { startTicker, type Ticker } from './ticker.js';
import type { MetaSink } from './meta.js';
import type { Observer, RunContext } from '../engine/observer.js';

/**
 * Series kept from every scrape whatever the scenario says: process health
 * (CPU, memory, file descriptors), Node.js event-loop lag, Go goroutines, and
 * the pool gauges of common pools (HikariCP via Micrometer, pgbouncer exporter).
 */
export const DEFAULT_SERIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_open_fds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'go_goroutines',
  'hikaricp_connections*',
  'pgbouncer_pools_client_waiting_connections',
  'pgbouncer_pools_server_active_connections',
];

/** The selectors of a scenario's `observe` block: pool gauges, `metrics`, then the defaults. */
export const selectorsFor = (pool: PoolGauges | null, metrics: string[]): SeriesSelector[] =>
  [pool?.in_use, pool?.waiting, pool?.size, ...metrics, ...DEFAULT_SERIES]
    .filter((x): x is string => x !== undefined)
    .map(parseSelector);

/**
 * The values kept from a parsed scrape: series key → value, for the samples
 * any selector matches. Non-finite values (NaN quantiles of empty summaries)
 * are dropped: JSON cannot hold them and they carry no reading.
 */
export const selectSeries = (parsed: ParsedExposition, selectors: SeriesSelector[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of parsed.samples) {
    if (!Number.isFinite(s.value)) continue;
    const key = seriesKey(s.name, s.labels);
    if (selectors.some((sel) => selectorMatches(sel, s.name, key))) out[key] = s.value;
  }
  return out;
};

export interface ScrapeOptions {
  /** `observe.prometheus` with `${ENV}` expanded: a full URL, or a path resolved against the run's target at start. */
  spec: string;
  intervalMs: number;
  selectors: SeriesSelector[];
  /** Pool gauge names, recorded in observe.json. */
  pool: PoolGauges | null;
  meta: MetaSink;
}

/** `user:password@` of a scrape URL as a Basic authorization header (none without a user). */
export const basicAuth = (url: URL): Record<string, string> => {
  if (url.username === '' && url.password === '') return {};
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
};

/** The URL without `user:password@` (sent as a header instead). */
export const withoutCredentials = (url: URL): URL => {
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  return u;
};

/** A scrape answered with a redirect: never followed (it could lead anywhere). */
export class ScrapeRedirectError extends Error {
  constructor(status: number, location: string) {
    super(`HTTP ${status} redirect to ${location ? redactUrl(location) : '(no location)'}: not followed (point observe.prometheus at the metrics URL itself)`);
    this.name = 'ScrapeRedirectError';
  }
}

/**
 * Scrapes once with a timeout of the interval (at least 500 ms), parse,
 * select. `dispatcher` connects only to checked hosts (reach.ts); undici's
 * `request` follows no redirect, and a redirect is a ScrapeRedirectError.
 */
export const scrapeOnce = async (url: URL, timeoutMs: number, selectors: SeriesSelector[], dispatcher?: Dispatcher): Promise<{ values: Record<string, number>; error: string | null }> => {
  // undici is loaded on first use: a command that stops at an input error does not pay for it.
  const { request } = await import('undici');
  const res = await request(withoutCredentials(url), {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5,*/*;q=0.1', ...basicAuth(url) },
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300 && res.statusCode < 400) {
    const location = res.headers.location;
    const to = String(location ?? '');
    throw new ScrapeRedirectError(res.statusCode, URL.canParse(to, url.href) ? new URL(to, url).href : to);
  }
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${url.pathname}`);
  const parsed = parseExposition(text);
  if (parsed.samples.length === 0) throw new Error(`no samples in the response${parsed.errors[0] ? ` (line ${parsed.errors[0].line}: ${parsed.errors[0].message})` : ''}`);
  const first = parsed.errors[0];
  const error = first === undefined ? null : `${parsed.errors.length} unreadable line(s), first line ${first.line}: ${first.message}`;
  return { values: selectSeries(parsed, selectors), error };
};

/** Midpoint of a request in seconds (ms resolution); scrapes before time zero (at start) count as 0. */
const midS = (t0Ms: number, t1Ms: number): number => Math.max(0, Math.round((t0Ms + t1Ms) / 2)) / 1000;

/** Creates the scrape observer. */
export const createPrometheusObserver = (opts: ScrapeOptions): Observer => {
  const { meta } = opts;
  let ticker: Ticker | null = null;
  let writer: NdjsonWriter | null = null;
  let failures = 0;
  let redirects = 0;
  let ctxRef: RunContext | null = null;
  let url: URL | null = null;
  const timeoutMs = Math.max(500, opts.intervalMs);
  const scrape = async (): Promise<void> => {
    const ctx = ctxRef;
    if (ctx === null || writer === null || url === null) return;
    const t0 = ctx.nowMs();
    let rec: ObservedScrapeRecord;
    try {
      const { values, error } = await scrapeOnce(url, timeoutMs, opts.selectors, ctx.dispatcher);
      const t1 = ctx.nowMs();
      rec = { t_s: midS(t0, t1), ok: true, error, values, duration_ms: Math.round((t1 - t0) * 10) / 10 };
    } catch (e) {
      const t1 = ctx.nowMs();
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      rec = { t_s: midS(t0, t1), ok: false, error: redact(`${errorMessage(e)}${cause ? ` (${cause})` : ''}`), values: {}, duration_ms: Math.round((t1 - t0) * 10) / 10 };
      failures++;
      const firstRedirect = e instanceof ScrapeRedirectError && redirects++ === 0;
      if (failures === 1 || firstRedirect) meta.warn(`scrape of ${redactUrl(url)} failed: ${rec.error ?? ''} (recorded in metrics.ndjson; the run goes on)`);
    }
    await writer.write(redactDeep(rec));
  };
  return {
    name: 'prometheus',
    async start(ctx) {
      ctxRef = ctx;
      meta.bind(ctx);
      url = resolveScrapeUrl(opts.spec, ctx.target);
      if (url === null) {
        meta.warn(`observe.prometheus is a path (${opts.spec}) but the run has no target URL to resolve it against: not scraped`);
      } else {
        meta.meta.prometheus = { url: redactUrl(url), interval_ms: opts.intervalMs, pool: opts.pool === null ? null : { ...opts.pool } };
        writer = createNdjsonWriter(join(ctx.runDir, OBSERVE_FILES.metrics));
        await scrape();
        ticker = startTicker(opts.intervalMs, ctx.nowMs, scrape, ctx.signal);
      }
      await meta.flush();
    },
    async stop() {
      await ticker?.stop();
      ticker = null;
      if (failures > 0) meta.warn(`${failures} scrape(s) failed; see metrics.ndjson`);
      await writer?.close();
      writer = null;
      await meta.flush();
    },
  };
};
