/**
 * The rate curve of a log: requests per second in fixed intervals from the
 * first request (see LastInterval for a short last one), smoothed with a
 * small triangular kernel, plus how bursty the
 * traffic is inside the intervals (a per-minute or per-second dispersion index:
 * ≈ 1 for Poisson arrivals, far above for bursts or sampled logs).
 */
import type { TimeBins } from './bins.js';

/** Interval lengths the fit chooses from, seconds. */
export const INTERVALS_S = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400] as const;

/** The interval for a span: the shortest that gives at most `maxPoints` intervals (default 120), and not below the bins' resolution. */
export const chooseIntervalS = (spanS: number, resolutionS = 1, maxPoints = 120): number =>
  INTERVALS_S.find((i) => i >= resolutionS && i % resolutionS === 0 && spanS / i <= maxPoints) ?? 86_400;

/** Requests per second per interval. */
export interface RateCurve {
  intervalS: number;
  /** Start of the first interval, epoch ms (the first request's second). */
  startMs: number;
  /** Length of each interval, s (the last one may be shorter: it ends with the last request). */
  durationsS: number[];
  counts: number[];
  /** counts / duration. */
  rawRps: number[];
  /** rawRps after the triangular kernel. */
  smoothRps: number[];
  /** Width of the kernel in intervals (1 = no smoothing). */
  smoothWindow: number;
}

/** Triangular smoothing (`window` odd: 3 → ¼ ½ ¼), renormalised at the edges. */
export const smooth = (ys: readonly number[], window: number): number[] => {
  const half = Math.max(0, Math.floor(window / 2));
  if (half === 0) return [...ys];
  return ys.map((_, i) => {
    let s = 0;
    let w = 0;
    for (let j = -half; j <= half; j++) {
      const y = ys[i + j];
      if (y === undefined) continue;
      const wj = half + 1 - Math.abs(j);
      s += wj * y;
      w += wj;
    }
    return s / w;
  });
};

/** Builds the curve from per-second (or coarser) bins. */
/**
 * How a short last interval (under half an interval of log) is counted:
 * `merge` joins it to the one before (right for steady arrivals: a few seconds
 * of log would give a wild rate); `full` counts it over a whole interval
 * (right for bursty or sampled logs, whose every interval holds one burst).
 */
export type LastInterval = 'merge' | 'full';

export const rateCurve = (bins: TimeBins, intervalS: number, smoothWindow = 3, last: LastInterval = 'merge'): RateCurve => {
  const res = bins.resolutionS;
  const step = Math.max(1, Math.round(intervalS / res));
  const startMs = bins.originS * 1000;
  const counts: number[] = [];
  const durationsS: number[] = [];
  for (let i = 0; i < bins.length; i += step) {
    let c = 0;
    const end = Math.min(bins.length, i + step);
    for (let j = i; j < end; j++) c += bins.at(j);
    counts.push(c);
    durationsS.push((end - i) * res);
  }
  const n = counts.length;
  if (n >= 2 && (durationsS[n - 1] as number) * 2 < step * res) {
    if (last === 'full') {
      durationsS[n - 1] = step * res;
    } else {
      counts[n - 2] = (counts[n - 2] as number) + (counts.pop() as number);
      durationsS[n - 2] = (durationsS[n - 2] as number) + (durationsS.pop() as number);
    }
  }
  const rawRps = counts.map((c, i) => c / (durationsS[i] as number));
  return { intervalS: step * res, startMs, durationsS, counts, rawRps, smoothRps: smooth(rawRps, smoothWindow), smoothWindow };
};

/** Burstiness inside the intervals. */
export interface Dispersion {
  /** Sub-interval the counts were taken in, s (60, or 1 for short intervals). */
  granularityS: number;
  /** Σ(count − expected)² / Σ expected over full sub-intervals: ≈ 1 for Poisson arrivals. */
  index: number;
  /** Fraction of sub-intervals with at least one request, and what Poisson arrivals at the curve's rates would give. */
  activeFraction: number;
  expectedActiveFraction: number;
}

/** The dispersion of counts in sub-intervals around the curve's raw rate; null when the bins are too coarse. */
export const dispersion = (bins: TimeBins, curve: RateCurve): Dispersion | null => {
  const res = bins.resolutionS;
  const g = curve.intervalS >= 120 ? 60 : 1;
  if (res > g || curve.intervalS % g !== 0) return null;
  const per = g / res;
  const subsPerInterval = curve.intervalS / g;
  let num = 0;
  let den = 0;
  let active = 0;
  let expectedActive = 0;
  let n = 0;
  for (let k = 0; k < curve.counts.length; k++) {
    const mean = (curve.rawRps[k] as number) * g;
    const fullSubs = Math.floor((curve.durationsS[k] as number) / g);
    for (let s = 0; s < Math.min(subsPerInterval, fullSubs); s++) {
      const from = (k * subsPerInterval + s) * per;
      let c = 0;
      for (let j = from; j < from + per; j++) c += bins.at(j);
      num += (c - mean) * (c - mean);
      den += mean;
      if (c > 0) active++;
      expectedActive += 1 - Math.exp(-mean);
      n++;
    }
  }
  if (n === 0 || den === 0) return null;
  return { granularityS: g, index: num / den, activeFraction: active / n, expectedActiveFraction: expectedActive / n };
};
