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
import { binInSpans, generatorBound, type Bin } from '../bins.js';
import { totalOfferedRps, type AnalysisContext, type BinnedSeries } from '../context.js';
import { latencyStats, mergeSparse } from '../hist.js';
import { kneedle } from '../kneedle.js';
import { p99ThresholdMs } from '../../scenario/slo.js';
import { isotonicIncreasing, median, movingAverage, quantile } from '../stats.js';
import { r2, r3 } from '../../core/round.js';
import { derivedLatencyThreshold, type Thresholds } from '../thresholds.js';
import type { Span } from '../span.js';
import type { SaturationRule } from '../breaks.js';

export interface DetectedSaturation {
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
  break: DetectedSaturation | null;
  reason: string | null;
  /** Bins where any rule fired, persistent or not (left out of the skew comparison). */
  breaching: Span[];
}

interface Judged { bin: Bin; load: number; judged: boolean; rules: SaturationRule[] }

/** Baseline p99: median over the bins with enough samples in the lowest quarter of load (at least 3 bins). */
const baselineP99 = (js: Judged[], minSamples: number): number | null => {
  const usable = js.filter((j) => j.bin.stats.n >= minSamples && j.bin.stats.p99_ms !== null);
  if (usable.length === 0) return null;
  const cut = quantile(usable.map((j) => j.load), 0.25) ?? 0;
  let low = usable.filter((j) => j.load <= cut);
  if (low.length < 3) low = [...usable].sort((a, b) => a.load - b.load).slice(0, 3);
  return median(low.map((j) => j.bin.stats.p99_ms));
};

/** The rising part of a ramp, by load: up to the first bin at the peak; null when the loads jump (a step: no curve to read). */
const risingPart = (usable: Judged[], t: Thresholds): Judged[] | null => {
  const peak = Math.max(...usable.map((j) => j.load));
  const peakAt = usable.findIndex((j) => j.load >= peak * t.kneePeakShare);
  const rising = usable.slice(0, peakAt + 1).sort((a, b) => a.load - b.load);
  const range = (rising[rising.length - 1]?.load ?? 0) - (rising[0]?.load ?? 0);
  let maxGap = 0;
  for (let i = 1; i < rising.length; i++) maxGap = Math.max(maxGap, (rising[i]?.load ?? 0) - (rising[i - 1]?.load ?? 0));
  return range > 0 && maxGap <= t.kneeMaxGapShare * range ? rising : null;
};

/** Kneedle's curve: the rising bins in groups, the median load and p99 of each (loads strictly increasing). */
const kneeCurve = (rising: Judged[], groups: number): { xs: number[]; ys: number[] } => {
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
  return { xs, ys };
};

/** Kneedle on the rising part of a ramp (offered p90/p10 ≥ `rampSpan`), on p99 made monotone. */
const kneeOf = (js: Judged[], t: Thresholds): { ramp: boolean; knee: SaturationResult['knee'] } => {
  const usable = js.filter((j) => j.judged && j.bin.stats.p99_ms !== null);
  const lo = quantile(usable.map((j) => j.load), 0.1) ?? 0;
  const hi = quantile(usable.map((j) => j.load), 0.9) ?? 0;
  if (!(lo > 0 && hi / lo >= t.rampSpan)) return { ramp: false, knee: null };
  const rising = risingPart(usable, t);
  if (rising === null) return { ramp: false, knee: null };
  const groups = Math.min(t.kneeMaxGroups, Math.floor(rising.length / 2));
  if (groups < t.kneeMinGroups) return { ramp: true, knee: null };
  const { xs, ys } = kneeCurve(rising, groups);
  const k = kneedle(xs, isotonicIncreasing(ys), t.kneedleS);
  return { ramp: true, knee: k === null ? null : { offeredRps: r2(k.x) ?? 0, p99Ms: r3(k.y) ?? 0 } };
};

/**
 * Where the break starts, to the second. The throughput rule looks at
 * neighbouring bins, so at a step up in load it fires up to `aheadBins` bins
 * early; the start moves forward to the first second whose offered load
 * reaches `stepLoadShare` (80%) of the load that follows (the median of the next `needS`
 * seconds). On a ramp the load that follows is barely higher: no move.
 */
const refineStart = (ctx: AnalysisContext, bin: Bin, aheadBins: number, needS: number): number => {
  const until = Math.min(ctx.length, bin.endS + aheadBins * (bin.endS - bin.startS));
  for (let x = bin.startS; x < until; x++) {
    const next = median(Array.from({ length: needS }, (_, k) => x + 1 + k).filter((y) => y < ctx.length).map((y) => totalOfferedRps(ctx, y, y + 1)));
    if (next === null || totalOfferedRps(ctx, x, x + 1) >= ctx.t.stepLoadShare * next) return x;
  }
  return bin.startS;
};

/** The bins of one series, each marked with the rules it breaks, and the latency threshold used. */
interface JudgedSeries {
  js: Judged[];
  loads: number[];
  thresholdMs: number | null;
  thresholdSource: SaturationResult['thresholdSource'];
  baselineMs: number | null;
  /** Bins on each side in the throughput rule's centred window. */
  aheadBins: number;
}

/**
 * Achieved over offered around bin `i` (centred, `h` bins each side, the
 * run's tail left out): one second of Poisson counts is ±6% at 250 rps, too
 * noisy for a 5% rule. Centring anticipates a step by up to `h` bins;
 * refineStart moves the start back onto it.
 */
const achievedRatioAt = (js: readonly Judged[], i: number, h: number, tailFromS: number): number => {
  let achieved = 0;
  let offered = 0;
  for (let k = Math.max(1, i - h); k <= Math.min(js.length - 1, i + h); k++) {
    const b = js[k]?.bin;
    if (b === undefined || b.endS > tailFromS) continue;
    achieved += b.achievedRps * (b.endS - b.startS);
    offered += b.offeredRps * (b.endS - b.startS);
  }
  return offered > 0 ? achieved / offered : 1;
};

/** Applies the three rules to every bin. Bins in `masked` are not judged; bins in `latencyMasked` not on latency. */
const judgeSeries = (ctx: AnalysisContext, bs: BinnedSeries, masked: readonly Span[], latencyMasked: readonly Span[]): JudgedSeries => {
  const { t } = ctx;
  const loads = movingAverage(bs.bins.map((b) => totalOfferedRps(ctx, b.startS, b.endS)), 3);
  const js: Judged[] = bs.bins.map((bin, i) => ({
    bin, load: loads[i] ?? 0, judged: bin.stats.n >= t.minSamplesPerBin && !binInSpans(bin, masked) && !generatorBound(bin, t), rules: [],
  }));
  const slo = p99ThresholdMs(ctx.slos, bs.series.endpoint);
  const baselineMs = baselineP99(js, t.minSamplesPerBin);
  const thresholdMs = slo ?? (baselineMs === null ? null : derivedLatencyThreshold(baselineMs, t).thresholdMs);
  const thresholdSource = slo !== null ? 'slo' : thresholdMs !== null ? 'derived' : 'none';
  const tailFromS = ctx.durationS - t.tailGraceS;
  const aheadBins = bs.choice.binS <= 2 ? 2 : 1;
  for (const j of js) {
    const b = j.bin;
    if (binInSpans(b, masked)) continue;
    if (j.judged && thresholdMs !== null && (b.stats.p99_ms ?? 0) > thresholdMs && !binInSpans(b, latencyMasked)) j.rules.push('latency');
    if (b.offered >= t.minOfferedForThroughput && b.i > 0 && b.endS <= tailFromS && achievedRatioAt(js, b.i, aheadBins, tailFromS) < t.achievedRatio) {
      j.rules.push('throughput');
      j.judged = true;
    }
    if (b.errors >= t.minErrors && b.errorRate > t.errorRate) {
      j.rules.push('errors');
      j.judged = true;
    }
  }
  return { js, loads, thresholdMs, thresholdSource, baselineMs, aheadBins };
};

/** A breaking bin's stretch: the bins from it while the load holds at ≥ `sameLoad` × its load; the judged and the breaking among them. */
interface Stretch { from: number; all: Judged[]; judged: Judged[]; breaking: Judged[] }

/**
 * The stretch from bin `i` if the break there persists: enough judged bins
 * (`need`, or `persistBins` when the stretch reaches the run's end), at least
 * `persistFraction` of them breaking, and as many right away among the first
 * `need` (a stray bin early in a ramp is not the break). Null otherwise.
 */
const persistentStretch = (js: readonly Judged[], i: number, need: number, runLengthS: number, t: Thresholds): Stretch | null => {
  const at = js[i];
  if (at === undefined) return null;
  const all: Judged[] = [];
  for (let k = i; k < js.length; k++) {
    const x = js[k];
    if (x === undefined || x.load < t.sameLoad * at.load) break;
    all.push(x);
  }
  const judged = all.filter((x) => x.judged);
  const breaking = judged.filter((x) => x.rules.length > 0);
  const reachesEnd = (all[all.length - 1]?.bin.endS ?? 0) >= runLengthS;
  const enough = judged.length >= need || (reachesEnd && judged.length >= t.persistBins);
  if (!enough || breaking.length < t.persistFraction * judged.length) return null;
  const head = judged.slice(0, need);
  if (head.filter((x) => x.rules.length > 0).length < t.persistFraction * head.length) return null;
  return { from: i, all, judged, breaking };
};

const weightedRps = (xs: readonly Judged[], rate: (b: Bin) => number): number => {
  const widthS = xs.reduce((s, x) => s + (x.bin.endS - x.bin.startS), 0);
  return widthS > 0 ? xs.reduce((s, x) => s + rate(x.bin) * (x.bin.endS - x.bin.startS), 0) / widthS : 0;
};

/**
 * The client-side sign of queueing over a breaking stretch: p99 grows by
 * `queueGrowthX` or more from its first third to its last, while achieved is
 * behind offered, or flat while offered still rises, or the throughput rule fired.
 */
const queueingOf = (st: Stretch, loads: readonly number[], throughputFired: boolean, t: Thresholds): DetectedSaturation['queueing'] => {
  const achieved = weightedRps(st.all, (b) => b.achievedRps);
  const offered = weightedRps(st.all, (b) => b.offeredRps);
  const third = Math.max(1, Math.floor(st.breaking.length / 3));
  const firstP99 = median(st.breaking.slice(0, third).map((x) => x.bin.stats.p99_ms));
  const lastP99 = median(st.breaking.slice(-third).map((x) => x.bin.stats.p99_ms));
  const growth = firstP99 !== null && lastP99 !== null && firstP99 > 0 ? lastP99 / firstP99 : null;
  const rates = st.all.map((x) => x.bin.achievedRps);
  const meanRps = rates.reduce((s, v) => s + v, 0) / Math.max(1, rates.length);
  const cv = meanRps > 0 ? Math.sqrt(rates.reduce((s, v) => s + (v - meanRps) ** 2, 0) / Math.max(1, rates.length)) / meanRps : 0;
  const behind = achieved < t.achievedRatio * offered;
  const flat = cv <= t.flatCv && (loads[st.all.length - 1 + st.from] ?? 0) > (loads[st.from] ?? 0) * t.flatRiseX;
  return { likely: (behind || flat || throughputFired) && (growth ?? 0) >= t.queueGrowthX, achievedRps: r2(achieved) ?? 0, offeredRps: r2(offered) ?? 0, p99GrowthX: r3(growth) };
};

/** The break's evidence, from the persistent stretch that starts at bin `st.from`. */
const describeBreak = (ctx: AnalysisContext, series: JudgedSeries, st: Stretch, need: number, binS: number): DetectedSaturation => {
  const { js, loads, aheadBins } = series;
  const at = js[st.from] as Judged;
  const ruleCount = new Map<SaturationRule, number>();
  for (const x of st.breaking) for (const r of x.rules) ruleCount.set(r, (ruleCount.get(r) ?? 0) + 1);
  const before = js.slice(0, st.from).filter((x) => x.judged && x.rules.length === 0);
  const errors = st.breaking.reduce((s, x) => s + x.bin.errors, 0);
  const completed = st.breaking.reduce((s, x) => s + x.bin.completed, 0);
  const tS = refineStart(ctx, at.bin, aheadBins, Math.max(3, need * binS));
  return {
    tS,
    offeredRps: r2(median([tS - 1, tS, tS + 1].filter((x) => x >= 0 && x < ctx.length).map((x) => totalOfferedRps(ctx, x, x + 1)))) ?? 0,
    endpointOfferedRps: r2(at.bin.offeredRps) ?? 0,
    achievedRps: r2(at.bin.achievedRps) ?? 0,
    rules: [...ruleCount.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r),
    p99BeforeMs: before.length > 0 ? latencyStats(mergeSparse(before.map((x) => x.bin.lat))).p99_ms : null,
    p99AfterMs: latencyStats(mergeSparse(st.breaking.map((x) => x.bin.lat))).p99_ms,
    errorRateAfter: completed > 0 ? errors / completed : 0,
    untilS: st.all[st.all.length - 1]?.bin.endS ?? at.bin.endS,
    breakingBins: st.breaking.length,
    judgedBins: st.judged.length,
    queueing: queueingOf(st, loads, ruleCount.has('throughput'), ctx.t),
  };
};

/**
 * The first breaking bin whose break persists. The latency and error rules
 * need `healthyBinsBefore` healthy bins before it (latency that was never
 * healthy is skew or a slow endpoint); the throughput rule does not.
 */
const firstPersistentStretch = (js: readonly Judged[], need: number, runLengthS: number, t: Thresholds): Stretch | null => {
  let healthyBefore = 0;
  for (let i = 0; i < js.length; i++) {
    const j = js[i];
    if (j === undefined || !j.judged) continue;
    if (j.rules.length === 0) {
      healthyBefore++;
      continue;
    }
    if (!j.rules.includes('throughput') && healthyBefore < t.healthyBinsBefore) continue;
    const st = persistentStretch(js, i, need, runLengthS, t);
    if (st !== null) return st;
  }
  return null;
};

/**
 * Runs the absolute rule and Kneedle on one binned series (an endpoint, or
 * overall). Bins in `masked` are not judged at all; bins in `latencyMasked`
 * are not judged on latency (an unrecovered cold window).
 */
export const saturationOf = (ctx: AnalysisContext, bs: BinnedSeries, masked: readonly Span[], latencyMasked: readonly Span[] = []): SaturationResult => {
  const { t } = ctx;
  const binS = bs.choice.binS;
  const series = judgeSeries(ctx, bs, masked, latencyMasked);
  const { js, thresholdMs, thresholdSource } = series;
  const { ramp, knee } = kneeOf(js, t);
  const base: SaturationResult = {
    endpoint: bs.series.endpoint, binS, lowSamples: bs.choice.lowSamples, thresholdMs: r3(thresholdMs), thresholdSource,
    baselineP99Ms: r3(series.baselineMs), ramp, knee, break: null, reason: null,
    breaching: js.filter((j) => j.rules.length > 0).map((j) => ({ fromS: j.bin.startS, toS: j.bin.endS })),
  };
  const need = Math.max(t.persistBins, Math.ceil(t.persistS / binS));
  const st = firstPersistentStretch(js, need, ctx.length, t);
  if (st !== null) return { ...base, break: describeBreak(ctx, series, st, need, binS) };
  const reason = thresholdMs === null
    ? 'too few latency samples to judge'
    : `no bin stayed broken (p99 threshold ${r3(thresholdMs)} ms ${thresholdSource === 'slo' ? 'from the SLO' : 'derived from the baseline'}, achieved ≥ ${t.achievedRatio * 100}% of offered, errors ≤ ${t.errorRate * 100}%)`;
  return { ...base, reason };
};
