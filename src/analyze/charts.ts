/**
 * Series for report.html's charts beyond the per-second timeline, folded from
 * the run's series (series.ts) and kept in report.json so that `prodshape
 * report DIR` and any other reader see the same numbers: errors per second by
 * error class, and the latency distribution (HDR percentile plot). Pure.
 */
import { ERROR_CLASSES, type ErrorClass } from '../run/format.js';
import { EMPTY_SPARSE, sparsePercentileMs, type Sparse } from './hist.js';
import { wholeLatency, type RunSeries, type Series } from './series.js';
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
