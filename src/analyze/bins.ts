/**
 * Bins: a series cut into consecutive spans of `binS` seconds (aligned to the
 * run's start), each with rates and latency percentiles. The bin width is
 * chosen per series so that a bin holds enough samples for its p99 to mean
 * something (Thresholds.minBinSamples), which keeps Poisson noise from
 * looking like a break.
 */
import { overlapsAny, type Span } from './span.js';
import { latencyStats, mergeSparse, sparsePercentileMs, type LatencyStats, type Sparse } from './hist.js';
import { rangeSum, type Series } from './series.js';
import type { Thresholds } from './thresholds.js';
import { median } from './stats.js';

export interface Bin {
  /** Position in the bin list. */
  i: number;
  startS: number;
  /** Exclusive end, seconds (the last bin may be shorter). */
  endS: number;
  /** Series' own offered / achieved (ok by completion time) / completed-by-completion rates, per second. */
  offeredRps: number;
  achievedRps: number;
  completedRps: number;
  /** Counts over the bin (by intended time). */
  offered: number;
  completed: number;
  errors: number;
  dropped: number;
  /** errors / completed (0 when none completed). */
  errorRate: number;
  lat: Sparse;
  stats: LatencyStats;
  /** Schedule lag p99 and service-time p99 in the bin, ms (null when the run did not record them). */
  lagP99Ms: number | null;
  serviceP99Ms: number | null;
}

/** Chosen bin width and whether even the widest allowed bin is short of samples. */
export interface BinChoice { binS: number; lowSamples: boolean; medianSamples: number }

/**
 * Picks the smallest width in `t.binWidthsS` whose median bin (over bins with
 * any completed request) holds at least `t.minBinSamples` samples, capped so
 * that the run keeps at least `t.minBins` bins.
 */
export const chooseBinWidth = (s: Pick<Series, 'completed'>, length: number, t: Pick<Thresholds, 'binWidthsS' | 'minBins' | 'minBinSamples'>): BinChoice => {
  const maxWidth = Math.max(1, Math.floor(length / t.minBins));
  const widths = t.binWidthsS.filter((w) => w <= maxWidth);
  if (widths.length === 0) widths.push(1);
  let last: BinChoice = { binS: 1, lowSamples: true, medianSamples: 0 };
  for (const w of widths) {
    const counts: number[] = [];
    for (let start = 0; start < length; start += w) {
      const c = rangeSum(s.completed, start, Math.min(length, start + w));
      if (c > 0) counts.push(c);
    }
    const m = median(counts) ?? 0;
    last = { binS: w, lowSamples: m < t.minBinSamples, medianSamples: m };
    if (m >= t.minBinSamples) return last;
  }
  return last;
};

/** Cuts a series into bins of `binS` seconds over [0, length). */
export const binSeries = (s: Series, binS: number, length: number): Bin[] => {
  const bins: Bin[] = [];
  for (let start = 0, i = 0; start < length; start += binS, i++) {
    const end = Math.min(length, start + binS);
    const width = end - start;
    const lat = mergeSparse(s.lat.slice(start, end));
    const completed = rangeSum(s.completed, start, end);
    const errors = rangeSum(s.errors, start, end);
    bins.push({
      i, startS: start, endS: end,
      offeredRps: rangeSum(s.offered, start, end) / width,
      achievedRps: rangeSum(s.okIn, start, end) / width,
      completedRps: rangeSum(s.completedIn, start, end) / width,
      offered: rangeSum(s.offered, start, end),
      completed, errors,
      dropped: rangeSum(s.dropped, start, end),
      errorRate: completed > 0 ? errors / completed : 0,
      lat,
      stats: latencyStats(lat),
      lagP99Ms: sparsePercentileMs(mergeSparse(s.lag.slice(start, end)), 99),
      serviceP99Ms: sparsePercentileMs(mergeSparse(s.service.slice(start, end)), 99),
    });
  }
  return bins;
};

/**
 * True when the load generator (or the machine it runs on), not the target,
 * may have set the bin's tail: latency is measured from the intended send
 * time, so generator stalls show up in it. The bin is generator-bound when
 * schedule lag p99 is above `lagWarnMs` and at least `generatorShare` of the
 * latency p99. Such bins are not judged on latency (the verdict's notes say
 * the generator lagged).
 */
export const generatorBound = (b: Bin, t: Pick<Thresholds, 'lagWarnMs' | 'generatorShare'>): boolean =>
  b.lagP99Ms !== null && b.stats.p99_ms !== null && b.lagP99Ms > t.lagWarnMs && b.lagP99Ms >= t.generatorShare * b.stats.p99_ms;

/** Bins overlapping the time span [fromS, toS). */
export const binsIn = (bins: readonly Bin[], fromS: number, toS: number): Bin[] =>
  bins.filter((b) => b.endS > fromS && b.startS < toS);

/** Whether the bin overlaps any of `spans`. */
export const binInSpans = (b: Bin, spans: readonly Span[]): boolean => overlapsAny({ fromS: b.startS, toS: b.endS }, spans);
