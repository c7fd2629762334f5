/**
 * Per-second series folded from a run's windows, in three levels: per
 * endpoint × tenant class, per endpoint, and overall. Each window's histogram
 * is decoded once (hist.ts); every other view (bins of seconds, a cold
 * window, a tenant class over the healthy seconds) merges sparse histograms.
 *
 * Attribution follows src/run/format.ts: offered/sent/dropped/completed/errors
 * and latency by **intended** send second; `completedIn`/`okIn` by completion
 * second (achieved throughput).
 */
import type { ErrorClass, TenantClass, WindowRecord } from '../run/format.js';
import { EMPTY_SPARSE, decodeSparse, latencyStats, mergeSparse, type LatencyStats, type Sparse } from './hist.js';

/** One series: arrays indexed by second (0 … length-1). */
export interface Series {
  /** Endpoint name, or null for all endpoints. */
  endpoint: string | null;
  /** Tenant class, or null for all classes. */
  tenantClass: TenantClass | null;
  offered: number[];
  sent: number[];
  dropped: number[];
  completed: number[];
  errors: number[];
  errorsByClass: Partial<Record<ErrorClass, number>>[];
  completedIn: number[];
  okIn: number[];
  lat: Sparse[];
  /** Schedule lag (actual − intended send) and service time (from the actual send) per second, when the windows carry them (endpoint and overall series only). */
  lag: Sparse[];
  service: Sparse[];
}

/** All series of a run. */
export interface RunSeries {
  /** Seconds covered (timeline length). */
  length: number;
  endpoints: string[];
  overall: Series;
  byEndpoint: Map<string, Series>;
  /** endpoint → tenant class → series (only classes that occurred). */
  byClass: Map<string, Map<TenantClass, Series>>;
}

const emptySeries = (endpoint: string | null, tenantClass: TenantClass | null, n: number): Series => ({
  endpoint, tenantClass,
  offered: new Array<number>(n).fill(0), sent: new Array<number>(n).fill(0), dropped: new Array<number>(n).fill(0),
  completed: new Array<number>(n).fill(0), errors: new Array<number>(n).fill(0),
  errorsByClass: Array.from({ length: n }, () => ({})),
  completedIn: new Array<number>(n).fill(0), okIn: new Array<number>(n).fill(0),
  lat: new Array<Sparse>(n).fill(EMPTY_SPARSE),
  lag: new Array<Sparse>(n).fill(EMPTY_SPARSE),
  service: new Array<Sparse>(n).fill(EMPTY_SPARSE),
});

const addCounts = (s: Series, t: number, w: Omit<WindowRecord, 'latency'> & { errorsTotal: number }): void => {
  s.offered[t] = (s.offered[t] ?? 0) + w.offered;
  s.sent[t] = (s.sent[t] ?? 0) + w.sent;
  s.dropped[t] = (s.dropped[t] ?? 0) + w.dropped;
  s.completed[t] = (s.completed[t] ?? 0) + w.completed;
  s.errors[t] = (s.errors[t] ?? 0) + w.errorsTotal;
  s.completedIn[t] = (s.completedIn[t] ?? 0) + w.completed_in_window;
  s.okIn[t] = (s.okIn[t] ?? 0) + w.ok_in_window;
  const byClass = s.errorsByClass[t];
  if (byClass !== undefined) {
    for (const [k, v] of Object.entries(w.errors) as [ErrorClass, number | undefined][]) byClass[k] = (byClass[k] ?? 0) + (v ?? 0);
  }
};

/** Sum of a window's error counts over all classes. */
export const windowErrors = (w: Pick<WindowRecord, 'errors'>): number =>
  Object.values(w.errors).reduce<number>((s, n) => s + (n ?? 0), 0);

/**
 * Builds the series. `length` is the number of seconds to cover (windows at
 * or beyond it are still counted: the timeline grows to hold them).
 */
export const buildSeries = (windows: WindowRecord[], endpointOrder: string[], length: number): RunSeries => {
  const n = Math.max(length, windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0));
  const endpoints = [...new Set([...endpointOrder, ...windows.map((w) => w.endpoint)])];
  const overall = emptySeries(null, null, n);
  const byEndpoint = new Map(endpoints.map((e) => [e, emptySeries(e, null, n)]));
  const byClass = new Map<string, Map<TenantClass, Series>>(endpoints.map((e) => [e, new Map()]));
  // Raw per-window histograms, grouped for the merges below.
  const epParts = new Map<string, Sparse[][]>(endpoints.map((e) => [e, Array.from({ length: n }, () => [])]));
  const lagParts = new Map<string, Sparse[][]>(endpoints.map((e) => [e, Array.from({ length: n }, () => [])]));
  const serviceParts = new Map<string, Sparse[][]>(endpoints.map((e) => [e, Array.from({ length: n }, () => [])]));
  for (const w of windows) {
    if (!Number.isInteger(w.t_s) || w.t_s < 0) continue;
    const t = w.t_s;
    const counts = { ...w, errorsTotal: windowErrors(w) };
    const sp = w.latency === '' ? EMPTY_SPARSE : decodeSparse(w.latency);
    const classes = byClass.get(w.endpoint);
    let cs = classes?.get(w.tenant_class);
    if (cs === undefined) {
      cs = emptySeries(w.endpoint, w.tenant_class, n);
      classes?.set(w.tenant_class, cs);
    }
    addCounts(cs, t, counts);
    cs.lat[t] = (cs.lat[t] ?? EMPTY_SPARSE).total === 0 ? sp : mergeSparse([cs.lat[t] ?? EMPTY_SPARSE, sp]);
    const es = byEndpoint.get(w.endpoint);
    if (es !== undefined) addCounts(es, t, counts);
    addCounts(overall, t, counts);
    epParts.get(w.endpoint)?.[t]?.push(sp);
    if (w.lag !== undefined && w.lag !== '') lagParts.get(w.endpoint)?.[t]?.push(decodeSparse(w.lag));
    if (w.service !== undefined && w.service !== '') serviceParts.get(w.endpoint)?.[t]?.push(decodeSparse(w.service));
  }
  for (const [e, parts] of epParts) {
    const es = byEndpoint.get(e);
    if (es === undefined) continue;
    parts.forEach((ps, t) => {
      es.lat[t] = mergeSparse(ps);
    });
    lagParts.get(e)?.forEach((ps, t) => {
      es.lag[t] = mergeSparse(ps);
    });
    serviceParts.get(e)?.forEach((ps, t) => {
      es.service[t] = mergeSparse(ps);
    });
  }
  for (let t = 0; t < n; t++) {
    overall.lat[t] = mergeSparse(endpoints.map((e) => byEndpoint.get(e)?.lat[t] ?? EMPTY_SPARSE));
    overall.lag[t] = mergeSparse(endpoints.map((e) => byEndpoint.get(e)?.lag[t] ?? EMPTY_SPARSE));
    overall.service[t] = mergeSparse(endpoints.map((e) => byEndpoint.get(e)?.service[t] ?? EMPTY_SPARSE));
  }
  return { length: n, endpoints, overall, byEndpoint, byClass };
};

/** Merged latency of a series over seconds [fromS, toS) (clamped), optionally only seconds `keep` accepts. */
export const rangeLatency = (s: Pick<Series, 'lat'>, fromS: number, toS: number, keep?: (t: number) => boolean): Sparse => {
  const parts: Sparse[] = [];
  for (let t = Math.max(0, Math.floor(fromS)); t < Math.min(s.lat.length, Math.ceil(toS)); t++) {
    if (keep === undefined || keep(t)) parts.push(s.lat[t] ?? EMPTY_SPARSE);
  }
  return mergeSparse(parts);
};

/** Latency statistics over seconds [fromS, toS). */
export const rangeStats = (s: Series, fromS: number, toS: number, keep?: (t: number) => boolean): LatencyStats =>
  latencyStats(rangeLatency(s, fromS, toS, keep));

/** Sum of an array over [fromS, toS). */
export const rangeSum = (xs: number[], fromS: number, toS: number): number => {
  let s = 0;
  for (let t = Math.max(0, Math.floor(fromS)); t < Math.min(xs.length, Math.ceil(toS)); t++) s += xs[t] ?? 0;
  return s;
};

/** Latency of the whole series. */
export const wholeLatency = (s: Series): Sparse => mergeSparse(s.lat);
