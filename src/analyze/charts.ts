/**
 * Series for report.html's charts beyond the per-second timeline, folded from
 * the run's series (series.ts) and kept in report.json so that `prodshape
 * report DIR` and any other reader see the same numbers: errors per second by
 * error class, the latency distribution (HDR percentile plot), and p99 over
 * time per tenant size class. Pure.
 */
import { ERROR_CLASSES, type ErrorClass, type TenantClass } from '../run/format.js';
import { chooseBinWidth } from './bins.js';
import { EMPTY_SPARSE, mergeSparse, sparsePercentileMs, type Sparse } from './hist.js';
import { rangeLatency, rangeSum, wholeLatency, type RunSeries, type Series } from './series.js';
import type { Thresholds } from './thresholds.js';
import { sum } from './util.js';
import { r3 } from '../core/round.js';

/**
 * Errors per second by error class (report.json `error_timeline`): one column
 * per class that occurred at all, in ERROR_CLASSES order (`4xx` and `5xx` are
 * the HTTP status classes), indexed by second like `timeline`. Empty when no
 * request failed.
 */
export const buildErrorTimeline = (s: Series): Partial<Record<ErrorClass, number[]>> => {
  const out: Partial<Record<ErrorClass, number[]>> = {};
  for (const cls of ERROR_CLASSES) {
    const col = s.errorsByClass.map((c) => c[cls] ?? 0);
    if (col.some((n) => n > 0)) out[cls] = col;
  }
  return out;
};

/** Points per decade of 1/(1 − p) on the percentile ladder: 0%, 20.6%, 36.9%, … 90%, … 99%, … */
export const LADDER_POINTS_PER_DECADE = 10;

/**
 * The percentiles at which the latency distribution is sampled, for a
 * histogram of `count` values: p = 100 · (1 − 10^(−k/perDecade)) for k = 0, 1, …
 * while 10^(k/perDecade) ≤ count, i.e. evenly spaced on the HDR plot's log axis
 * 1/(1 − p) from 0% up to the finest percentile `count` samples resolve
 * (1000 samples: up to 99.9%). Empty for no samples.
 */
export const percentileLadder = (count: number, perDecade = LADDER_POINTS_PER_DECADE): number[] => {
  const out: number[] = [];
  for (let k = 0; 10 ** (k / perDecade) <= count * (1 + 1e-12); k++) out.push(100 * (1 - 10 ** (-k / perDecade)));
  return out;
};

/** report.json `latency_distribution`: latency (ms) at shared percentiles, overall and per endpoint. */
export interface LatencyDistribution {
  /** The ladder for the series with the most samples (`all`), percent. */
  percentiles: number[];
  /** Completed requests behind each series. */
  counts: { all: number; endpoints: Record<string, number> };
  /** ms at each percentile (HdrHistogram's value at that percentile); null past what the series' own count resolves. */
  all: (number | null)[];
  endpoints: Record<string, (number | null)[]>;
}

const atPercentiles = (s: Sparse, percentiles: number[]): (number | null)[] => {
  const resolved = percentileLadder(s.total).length;
  return percentiles.map((p, k) => (k < resolved ? r3(sparsePercentileMs(s, p)) : null));
};

/** The whole run's latency distribution, for the HDR percentile plot (latency against 1/(1 − p)). */
export const buildLatencyDistribution = (series: RunSeries): LatencyDistribution => {
  const all = wholeLatency(series.overall);
  const percentiles = percentileLadder(all.total);
  const byEndpoint = series.endpoints.map((e) => {
    const es = series.byEndpoint.get(e);
    return [e, es === undefined ? EMPTY_SPARSE : wholeLatency(es)] as const;
  }).filter(([, s]) => s.total > 0);
  return {
    percentiles,
    counts: { all: all.total, endpoints: Object.fromEntries(byEndpoint.map(([e, s]) => [e, s.total])) },
    all: atPercentiles(all, percentiles),
    endpoints: Object.fromEntries(byEndpoint.map(([e, s]) => [e, atPercentiles(s, percentiles)])),
  };
};

/** The tenant size classes charted over time (`none`, requests naming no tenant, has no size). */
export const CHARTED_CLASSES = ['top1', 'top10', 'rest', 'empty'] as const satisfies readonly TenantClass[];
type ChartedClass = (typeof CHARTED_CLASSES)[number];

/** p99 per tenant size class over bins of `bin_s` seconds (one view: all endpoints, or one). */
export interface ClassTimeline {
  bin_s: number;
  /** Fewest requests of a class in a bin for its p99 to be given (the analysis's `minSamplesPerBin`). */
  min_requests: number;
  /** Bin starts, seconds since the start (the last bin may be shorter). */
  t_s: number[];
  /** Completed requests per bin, per class present in the view. */
  requests: Partial<Record<ChartedClass, number[]>>;
  /** p99 per bin, ms; null for a bin with fewer than `min_requests` requests of the class. */
  p99_ms: Partial<Record<ChartedClass, (number | null)[]>>;
}

/** report.json `tenant_class_timeline`: all endpoints together (null when no request named a tenant with a size class), and each endpoint that has classes. */
export interface TenantClassTimeline {
  all: ClassTimeline | null;
  endpoints: Record<string, ClassTimeline>;
}

type ClassParts = Pick<Series, 'completed' | 'lat'>;
type BinThresholds = Pick<Thresholds, 'binWidthsS' | 'minBins' | 'minBinSamples' | 'minSamplesPerBin'>;

/**
 * One view's class timeline. The bin width is the analysis's rule (the
 * smallest whose median bin holds `minBinSamples`, keeping `minBins` bins)
 * applied to the view's smallest sized class (`empty` only when it is the
 * only one), so the biggest tenants' line is as fine as their traffic allows.
 */
const classTimeline = (classes: ReadonlyMap<TenantClass, ClassParts>, length: number, t: BinThresholds): ClassTimeline | null => {
  const present = CHARTED_CLASSES.filter((c) => sum(classes.get(c)?.completed ?? []) > 0);
  const sized = present.filter((c) => c !== 'empty');
  const pool = sized.length > 0 ? sized : present;
  const smallest = pool.reduce<ClassParts | undefined>((best, c) => {
    const s = classes.get(c);
    return best === undefined || (s !== undefined && sum(s.completed) < sum(best.completed)) ? s : best;
  }, undefined);
  if (smallest === undefined) return null;
  const binS = chooseBinWidth(smallest, length, t).binS;
  const starts = Array.from({ length: Math.ceil(length / binS) }, (_, i) => i * binS);
  const out: ClassTimeline = { bin_s: binS, min_requests: t.minSamplesPerBin, t_s: starts, requests: {}, p99_ms: {} };
  for (const c of present) {
    const s = classes.get(c);
    if (s === undefined) continue;
    const counts = starts.map((from) => rangeSum(s.completed, from, from + binS));
    out.requests[c] = counts;
    out.p99_ms[c] = starts.map((from, i) => ((counts[i] ?? 0) >= t.minSamplesPerBin ? r3(sparsePercentileMs(rangeLatency(s, from, from + binS), 99)) : null));
  }
  return out;
};

/** A class over all endpoints: counts summed and histograms merged per second. */
const mergedClass = (parts: ClassParts[], length: number): ClassParts => ({
  completed: Array.from({ length }, (_, t) => parts.reduce((a, p) => a + (p.completed[t] ?? 0), 0)),
  lat: Array.from({ length }, (_, t) => mergeSparse(parts.map((p) => p.lat[t] ?? EMPTY_SPARSE))),
});

/** p99 per tenant size class over time, for all endpoints together and per endpoint. */
export const buildTenantClassTimeline = (series: RunSeries, t: BinThresholds): TenantClassTimeline => {
  const endpoints: Record<string, ClassTimeline> = {};
  for (const e of series.endpoints) {
    const view = classTimeline(series.byClass.get(e) ?? new Map(), series.length, t);
    if (view !== null) endpoints[e] = view;
  }
  const all = new Map(CHARTED_CLASSES.map((c) => [c, mergedClass(series.endpoints.flatMap((e) => {
    const s = series.byClass.get(e)?.get(c);
    return s === undefined ? [] : [s];
  }), series.length)] as const));
  return { all: classTimeline(all, series.length, t), endpoints };
};
