/**
 * Saturation and the knee (docs/design.md `saturation`; docs/algorithms.md §5).
 *
 * Absolute rule, per bin: it breaks when
 *  - p99 > the p99 SLO (or, without one, max(5 × baseline p99, baseline + 50 ms)), or
 *  - achieved (ok responses by completion time) < 95% of offered, or
 *  - errors > 1% of completed (with at least 5 errors).
 * The break is the first breaking bin that **stays** broken: while the load
 * stays at ≥ 90% of the load at that bin, at least 80% of the judged bins
 * break, over ≥ 5 s and ≥ 3 bins. The latency and error rules also need
 * healthy bins before (latency that was never healthy is skew or a slow
 * endpoint, not saturation). Bins inside cold-cache windows are not judged.
 *
 * Kneedle runs on the rising part of ramps (offered p90/p10 ≥ 1.5): bins
 * grouped by offered rate, p99 made monotone (isotonic), then the first knee.
 * It is reported next to the absolute rule, never alone.
 */
import { generatorBound, type Bin } from '../bins.js';
import { totalOfferedRps, type AnalysisContext, type BinnedSeries } from '../context.js';
import { latencyStats, mergeSparse } from '../hist.js';
import { kneedle } from '../kneedle.js';
import { p99ThresholdMs } from '../../scenario/slo.js';
import { isotonicIncreasing, median, movingAverage, quantile } from '../stats.js';
import { r2, r3 } from '../text.js';
import { derivedLatencyThreshold } from '../thresholds.js';
import type { Span } from './cold-cache.js';

export type SaturationRule = 'latency' | 'throughput' | 'errors';

export interface SaturationBreak {
  /** First breaking bin: start second, total offered rate there, the series' own offered rate. */
  tS: number;
  offeredRps: number;
  endpointOfferedRps: number;
  achievedRps: number;
  /** Rules that fired in the breaking stretch, most frequent first. */
  rules: SaturationRule[];
  p99BeforeMs: number | null;
  p99AfterMs: number | null;
  errorRateAfter: number;
  /** The stretch judged for persistence: [tS, untilS). */
  untilS: number;
  breakingBins: number;
  judgedBins: number;
  /** Client-side sign of queueing: throughput flat or behind offered while latency grows. */
  queueing: { likely: boolean; achievedRps: number; offeredRps: number; p99GrowthX: number | null };
}

export interface SaturationResult {
  endpoint: string | null;
  binS: number;
  lowSamples: boolean;
  thresholdMs: number | null;
  thresholdSource: 'slo' | 'derived' | 'none';
  baselineP99Ms: number | null;
  ramp: boolean;
  knee: { offeredRps: number; p99Ms: number } | null;
  break: SaturationBreak | null;
  reason: string | null;
  /** Bins where any rule fired, persistent or not (left out of the skew comparison). */
  breaching: Span[];
}

interface Judged { bin: Bin; load: number; judged: boolean; rules: SaturationRule[] }

const overlaps = (b: Bin, spans: readonly Span[]): boolean => spans.some((s) => b.endS > s.fromS && b.startS < s.toS);

/** Baseline p99: median over the bins with enough samples in the lowest quarter of load (at least 3 bins). */
const baselineP99 = (js: Judged[], minSamples: number): number | null => {
  const usable = js.filter((j) => j.bin.stats.n >= minSamples && j.bin.stats.p99_ms !== null);
  if (usable.length === 0) return null;
  const cut = quantile(usable.map((j) => j.load), 0.25) ?? 0;
  let low = usable.filter((j) => j.load <= cut);
  if (low.length < 3) low = [...usable].sort((a, b) => a.load - b.load).slice(0, 3);
  return median(low.map((j) => j.bin.stats.p99_ms));
};

const kneeOf = (js: Judged[], t: AnalysisContext['t']): { ramp: boolean; knee: SaturationResult['knee'] } => {
  const usable = js.filter((j) => j.judged && j.bin.stats.p99_ms !== null);
  const lo = quantile(usable.map((j) => j.load), 0.1) ?? 0;
  const hi = quantile(usable.map((j) => j.load), 0.9) ?? 0;
  if (!(lo > 0 && hi / lo >= t.rampSpan)) return { ramp: false, knee: null };
  // The rising part: up to the first bin at the peak load.
  const peak = Math.max(...usable.map((j) => j.load));
  const peakAt = usable.findIndex((j) => j.load >= peak * 0.98);
  const rising = usable.slice(0, peakAt + 1).sort((a, b) => a.load - b.load);
  // A ramp covers its range evenly; a step jumps across it (largest gap > a quarter of the range): no curve to read.
  const range = (rising[rising.length - 1]?.load ?? 0) - (rising[0]?.load ?? 0);
  let maxGap = 0;
  for (let i = 1; i < rising.length; i++) maxGap = Math.max(maxGap, (rising[i]?.load ?? 0) - (rising[i - 1]?.load ?? 0));
  const ramp = range > 0 && maxGap <= 0.25 * range;
  if (!ramp) return { ramp, knee: null };
  const groups = Math.min(20, Math.floor(rising.length / 2));
  if (groups < 5) return { ramp, knee: null };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let g = 0; g < groups; g++) {
    const part = rising.slice(Math.floor((g * rising.length) / groups), Math.floor(((g + 1) * rising.length) / groups));
    const x = median(part.map((j) => j.load));
    const y = median(part.map((j) => j.bin.stats.p99_ms));
    if (x === null || y === null || (xs.length > 0 && x <= (xs[xs.length - 1] ?? 0))) continue;
    xs.push(x);
    ys.push(y);
  }
  const k = kneedle(xs, isotonicIncreasing(ys), t.kneedleS);
  return { ramp, knee: k === null ? null : { offeredRps: r2(k.x) ?? 0, p99Ms: r3(k.y) ?? 0 } };
};

/**
 * Where the break starts, to the second. The throughput rule looks at
 * neighbouring bins, so at a step up in load it fires up to `aheadBins` bins
 * early; the start moves forward to the first second whose offered load
 * reaches 80% of the load that follows (the median of the next `needS`
 * seconds). On a ramp the load that follows is barely higher: no move.
 */
const refineStart = (ctx: AnalysisContext, bin: Bin, aheadBins: number, needS: number): number => {
  const until = Math.min(ctx.length, bin.endS + aheadBins * (bin.endS - bin.startS));
  for (let x = bin.startS; x < until; x++) {
    const next = median(Array.from({ length: needS }, (_, k) => x + 1 + k).filter((y) => y < ctx.length).map((y) => totalOfferedRps(ctx, y, y + 1)));
    if (next === null || totalOfferedRps(ctx, x, x + 1) >= 0.8 * next) return x;
  }
  return bin.startS;
};

/**
 * Runs the absolute rule and Kneedle on one binned series (an endpoint, or
 * overall). Bins in `masked` are not judged at all; bins in `latencyMasked`
 * are not judged on latency (an unrecovered cold window).
 */
export const saturationOf = (ctx: AnalysisContext, bs: BinnedSeries, masked: readonly Span[], latencyMasked: readonly Span[] = []): SaturationResult => {
  const { t } = ctx;
  const binS = bs.choice.binS;
  const loads = movingAverage(bs.bins.map((b) => totalOfferedRps(ctx, b.startS, b.endS)), 3);
  const js: Judged[] = bs.bins.map((bin, i) => ({
    bin, load: loads[i] ?? 0, judged: bin.stats.n >= t.minSamplesPerBin && !overlaps(bin, masked) && !generatorBound(bin, t), rules: [],
  }));
  const slo = p99ThresholdMs(ctx.slos, bs.series.endpoint);
  const baseline = baselineP99(js, t.minSamplesPerBin);
  const thresholdMs = slo ?? (baseline === null ? null : derivedLatencyThreshold(baseline, t).thresholdMs);
  const thresholdSource = slo !== null ? 'slo' : thresholdMs !== null ? 'derived' : 'none';
  const tailFrom = ctx.durationS - t.tailGraceS;
  // Achieved vs offered over the neighbouring bins (centred): one second of Poisson counts is ±6% at 250 rps,
  // too noisy for a 5% rule. Centring anticipates a step by up to `h` bins; refineStart moves the start back onto it.
  const h = binS <= 2 ? 2 : 1;
  const ratioAt = (i: number): number => {
    let a = 0;
    let o = 0;
    for (let k = Math.max(1, i - h); k <= Math.min(js.length - 1, i + h); k++) {
      const b = js[k]?.bin;
      if (b === undefined || b.endS > tailFrom) continue;
      a += b.achievedRps * (b.endS - b.startS);
      o += b.offeredRps * (b.endS - b.startS);
    }
    return o > 0 ? a / o : 1;
  };
  for (const j of js) {
    const b = j.bin;
    if (overlaps(b, masked)) continue;
    if (j.judged && thresholdMs !== null && (b.stats.p99_ms ?? 0) > thresholdMs && !overlaps(b, latencyMasked)) j.rules.push('latency');
    if (b.offered >= t.minOfferedForThroughput && b.i > 0 && b.endS <= tailFrom && ratioAt(b.i) < t.achievedRatio) {
      j.rules.push('throughput');
      j.judged = true;
    }
    if (b.errors >= t.minErrors && b.errorRate > t.errorRate) {
      j.rules.push('errors');
      j.judged = true;
    }
  }
  const { ramp, knee } = kneeOf(js, t);
  const base: SaturationResult = {
    endpoint: bs.series.endpoint, binS, lowSamples: bs.choice.lowSamples, thresholdMs: r3(thresholdMs), thresholdSource,
    baselineP99Ms: r3(baseline), ramp, knee, break: null, reason: null,
    breaching: js.filter((j) => j.rules.length > 0).map((j) => ({ fromS: j.bin.startS, toS: j.bin.endS })),
  };
  const need = Math.max(t.persistBins, Math.ceil(t.persistS / binS));
  let healthyBefore = 0;
  for (let i = 0; i < js.length; i++) {
    const j = js[i];
    if (j === undefined || !j.judged) continue;
    if (j.rules.length === 0) {
      healthyBefore++;
      continue;
    }
    if (!j.rules.includes('throughput') && healthyBefore < t.healthyBinsBefore) continue;
    // Persistence: the stretch while the load holds at ≥ sameLoad × the load here.
    const stretch: Judged[] = [];
    for (let k = i; k < js.length; k++) {
      const x = js[k];
      if (x === undefined || x.load < t.sameLoad * j.load) break;
      stretch.push(x);
    }
    const judged = stretch.filter((x) => x.judged);
    const breaking = judged.filter((x) => x.rules.length > 0);
    const reachesEnd = (stretch[stretch.length - 1]?.bin.endS ?? 0) >= ctx.length;
    const enough = judged.length >= need || (reachesEnd && judged.length >= t.persistBins);
    if (!enough || breaking.length < t.persistFraction * judged.length) continue;
    // … and right away: the first `need` judged bins break as often (a stray bin early in a ramp is not the break).
    const head = judged.slice(0, need);
    if (head.filter((x) => x.rules.length > 0).length < t.persistFraction * head.length) continue;
    const ruleCount = new Map<SaturationRule, number>();
    for (const x of breaking) for (const r of x.rules) ruleCount.set(r, (ruleCount.get(r) ?? 0) + 1);
    const before = js.slice(0, i).filter((x) => x.judged && x.rules.length === 0);
    const afterLat = mergeSparse(breaking.map((x) => x.bin.lat));
    const sum = (xs: Judged[], f: (b: Bin) => number): number => xs.reduce((s, x) => s + f(x.bin), 0);
    const stretchWidth = sum(stretch, (b) => b.endS - b.startS);
    const achieved = sum(stretch, (b) => b.achievedRps * (b.endS - b.startS)) / stretchWidth;
    const offered = sum(stretch, (b) => b.offeredRps * (b.endS - b.startS)) / stretchWidth;
    const third = Math.max(1, Math.floor(breaking.length / 3));
    const firstP99 = median(breaking.slice(0, third).map((x) => x.bin.stats.p99_ms));
    const lastP99 = median(breaking.slice(-third).map((x) => x.bin.stats.p99_ms));
    const growth = firstP99 !== null && lastP99 !== null && firstP99 > 0 ? lastP99 / firstP99 : null;
    const achievedRates = stretch.map((x) => x.bin.achievedRps);
    const meanA = achievedRates.reduce((s, v) => s + v, 0) / Math.max(1, achievedRates.length);
    const cv = meanA > 0 ? Math.sqrt(achievedRates.reduce((s, v) => s + (v - meanA) ** 2, 0) / Math.max(1, achievedRates.length)) / meanA : 0;
    const behind = achieved < t.achievedRatio * offered;
    const flat = cv <= 0.1 && (loads[stretch.length - 1 + i] ?? 0) > (loads[i] ?? 0) * 1.05;
    const errors = sum(breaking, (b) => b.errors);
    const completed = sum(breaking, (b) => b.completed);
    const tS = refineStart(ctx, j.bin, h, Math.max(3, need * binS));
    return {
      ...base,
      break: {
        tS,
        offeredRps: r2(median([tS - 1, tS, tS + 1].filter((x) => x >= 0 && x < ctx.length).map((x) => totalOfferedRps(ctx, x, x + 1)))) ?? 0,
        endpointOfferedRps: r2(j.bin.offeredRps) ?? 0,
        achievedRps: r2(j.bin.achievedRps) ?? 0,
        rules: [...ruleCount.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r),
        p99BeforeMs: before.length > 0 ? latencyStats(mergeSparse(before.map((x) => x.bin.lat))).p99_ms : null,
        p99AfterMs: latencyStats(afterLat).p99_ms,
        errorRateAfter: completed > 0 ? errors / completed : 0,
        untilS: stretch[stretch.length - 1]?.bin.endS ?? j.bin.endS,
        breakingBins: breaking.length,
        judgedBins: judged.length,
        queueing: {
          likely: (behind || flat || ruleCount.has('throughput')) && (growth ?? 0) >= 1.5,
          achievedRps: r2(achieved) ?? 0,
          offeredRps: r2(offered) ?? 0,
          p99GrowthX: r3(growth),
        },
      },
    };
  }
  const reason = thresholdMs === null
    ? 'too few latency samples to judge'
    : `no bin stayed broken (p99 threshold ${r3(thresholdMs)} ms ${thresholdSource === 'slo' ? 'from the SLO' : 'derived from the baseline'}, achieved ≥ ${t.achievedRatio * 100}% of offered, errors ≤ ${t.errorRate * 100}%)`;
  return { ...base, reason };
};
