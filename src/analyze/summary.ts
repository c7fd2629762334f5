/**
 * The descriptive part of report.json, folded from the run's windows: summary,
 * per-endpoint percentiles, the per-second timeline, events and the slowest
 * tenants. Pure: LoadedRun in, report sections out. Detectors (breaks) build
 * on the same windows.
 */
import { decodeHistogram, mergeHistograms, maxMs, percentileMs, type Histogram } from '../run/histogram.js';
import type { TenantRecord, WindowRecord } from '../run/format.js';
import type { LoadedRun } from './load.js';
import type { ReportEndpoint, ReportEvent, ReportSummary, ReportTenant, ReportTimelineRow } from './types.js';

/** Sum of a window's error counts over all classes. */
export const errorCount = (w: Pick<WindowRecord, 'errors'>): number =>
  Object.values(w.errors).reduce<number>((s, n) => s + (n ?? 0), 0);

/** Rounds to 3 decimals (µs resolution in ms) for stable JSON. */
export const round3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);

/** Merges the latency histograms of some windows (decoded on demand). */
export const mergeWindowLatency = (windows: Iterable<Pick<WindowRecord, 'latency'>>): Histogram =>
  mergeHistograms((function* () {
    for (const w of windows) yield decodeHistogram(w.latency);
  })());

/** Number of whole seconds the timeline covers. */
export const timelineLength = (run: LoadedRun): number => {
  const lastWindow = run.windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  return Math.max(Math.ceil(run.meta.duration_s - 1e-9), lastWindow, 0);
};

/** One row per second of the run, in order; seconds with no activity have zero counts and null percentiles. */
export const buildTimeline = (run: LoadedRun): ReportTimelineRow[] => {
  const n = timelineLength(run);
  const bySecond: WindowRecord[][] = Array.from({ length: n }, () => []);
  for (const w of run.windows) bySecond[w.t_s]?.push(w);
  return bySecond.map((ws, t_s) => {
    const h = mergeWindowLatency(ws);
    return {
      t_s,
      offered_rps: ws.reduce((s, w) => s + w.offered, 0),
      achieved_rps: ws.reduce((s, w) => s + w.ok_in_window, 0),
      p50_ms: round3(percentileMs(h, 50)),
      p95_ms: round3(percentileMs(h, 95)),
      p99_ms: round3(percentileMs(h, 99)),
      errors: ws.reduce((s, w) => s + errorCount(w), 0),
      sent: ws.reduce((s, w) => s + w.sent, 0),
      dropped: ws.reduce((s, w) => s + w.dropped, 0),
      completed_rps: ws.reduce((s, w) => s + w.completed_in_window, 0),
    };
  });
};

export const buildSummary = (run: LoadedRun): ReportSummary => {
  const sum = (f: (w: WindowRecord) => number): number => run.windows.reduce((s, w) => s + f(w), 0);
  const durationS = run.meta.duration_s;
  const h = mergeWindowLatency(run.windows);
  return {
    requests: sum((w) => w.sent),
    errors: sum(errorCount),
    dropped: sum((w) => w.dropped),
    duration_s: Math.round(durationS * 1000) / 1000,
    offered_rps: durationS > 0 ? Math.round((sum((w) => w.offered) / durationS) * 100) / 100 : 0,
    achieved_rps: durationS > 0 ? Math.round((sum((w) => w.ok_in_window) / durationS) * 100) / 100 : 0,
    p50_ms: round3(percentileMs(h, 50)),
    p95_ms: round3(percentileMs(h, 95)),
    p99_ms: round3(percentileMs(h, 99)),
    max_ms: round3(maxMs(h)),
    interrupted: run.meta.interrupted,
    lag_ms: run.meta.lag_ms,
  };
};

export const buildEndpoints = (run: LoadedRun): ReportEndpoint[] => {
  const names = [...new Set([...run.meta.endpoints, ...run.windows.map((w) => w.endpoint)])];
  return names.map((name) => {
    const ws = run.windows.filter((w) => w.endpoint === name);
    const h = mergeWindowLatency(ws);
    const errorsByClass: Record<string, number> = {};
    for (const w of ws) for (const [k, v] of Object.entries(w.errors)) errorsByClass[k] = (errorsByClass[k] ?? 0) + (v ?? 0);
    return {
      name,
      requests: ws.reduce((s, w) => s + w.sent, 0),
      errors: ws.reduce((s, w) => s + errorCount(w), 0),
      p50_ms: round3(percentileMs(h, 50)),
      p95_ms: round3(percentileMs(h, 95)),
      p99_ms: round3(percentileMs(h, 99)),
      max_ms: round3(maxMs(h)),
      dropped: ws.reduce((s, w) => s + w.dropped, 0),
      errors_by_class: errorsByClass,
    };
  });
};

export const buildEvents = (run: LoadedRun): ReportEvent[] =>
  run.events.map((e) => ({
    t_s: Math.round(e.t_s * 1000) / 1000,
    action: e.action,
    ok: e.ok,
    kind: e.kind,
    duration_ms: Math.round(e.end_ms - e.start_ms),
    status: e.status,
    error: e.error,
  }));

/** Per-tenant latency over all endpoints, merged; the tenants with the highest p99 first. */
export const tenantStats = (records: TenantRecord[]): ReportTenant[] => {
  const by = new Map<string, TenantRecord[]>();
  for (const r of records) by.set(r.tenant, [...(by.get(r.tenant) ?? []), r]);
  return [...by.entries()].map(([tenant, rs]) => {
    const h = mergeHistograms(rs.map((r) => decodeHistogram(r.latency)));
    return {
      tenant,
      rows: rs[0]?.rows ?? null,
      requests: rs.reduce((s, r) => s + r.requests, 0),
      p99_ms: round3(percentileMs(h, 99)),
      p50_ms: round3(percentileMs(h, 50)),
      errors: rs.reduce((s, r) => s + r.errors, 0),
      tenant_class: rs[0]?.tenant_class ?? 'none',
    };
  });
};

/**
 * The slowest tenants: highest p99 among tenants with enough requests for a
 * p99 to mean something (>= `minRequests`), at most `limit`.
 */
export const slowestTenants = (records: TenantRecord[], limit = 10, minRequests = 20): ReportTenant[] =>
  tenantStats(records)
    .filter((t) => t.requests >= minRequests && t.p99_ms !== null)
    .sort((a, b) => (b.p99_ms ?? 0) - (a.p99_ms ?? 0))
    .slice(0, limit);
