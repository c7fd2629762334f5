/**
 * Cold cache after a deploy (docs/design.md `cold-cache`; docs/algorithms.md §6).
 *
 * For each deploy-like event at time T:
 *  1. the warm p99 B = median bin p99 over the steady bins in the
 *     `coldBaselineS` seconds before T (at least `coldMinBaselineBins` bins
 *     with enough samples, not generator-bound);
 *  2. a bin is elevated when its p99 is above max(`coldRecoveryFactor` × B,
 *     the 90th percentile of the pre-event bin p99s: the warm period's noise);
 *     from the bin holding T on, recovery is the first bin from which at least
 *     80% of the bins over `coldHoldS` seconds (≥ 3 bins) are not elevated;
 *  3. the bins between are the cold window; it is a break only when it is
 *     significant twice: more of its requests exceed the limit than in the
 *     warm period (binomial, `coldPValue`, ≥ `minErrors` of them), and more
 *     of its bins are elevated than the run's other bins are (binomial,
 *     `coldBinPValue`; background rate floored at 5%; the bins before the
 *     event, and those after recovery offered at most 1.25x its rate): noise
 *     on a busy machine makes scattered spikes, a cold cache a run of them.
 * The window is judged only up to the next event of the run (a migration, a
 * second deploy, a spike): what follows it has a cause of its own, and a
 * window still elevated then is reported as cut by that event, not stretched
 * over the rest of the run (a cold cache at night does not explain the 9am
 * saturation that follows it).
 * The overall series is judged first; when it shows nothing, each endpoint is.
 */
import type { EventRecord } from '../../run/format.js';
import { binInSpans, binSeries, generatorBound, type Bin } from '../bins.js';
import { rangeSum } from '../series.js';
import type { Span } from '../span.js';
import type { AnalysisContext, BinnedSeries } from '../context.js';
import { latencyStats, mergeSparse, sparseCountAboveMs } from '../hist.js';
import { binomialUpperTail, median, quantile } from '../stats.js';
import { fmtMs, fmtS } from '../../core/duration.js';
import { fmtX } from '../../core/numbers.js';
import { r3 } from '../../core/round.js';
import { fmtAt } from '../clock.js';
import type { ProfileClock } from '../../traffic/clock.js';
import type { ColdCacheBreak } from '../breaks.js';

/** Event actions that reset warm state: deploys, restarts, cache flushes, rollouts. */
export const DEPLOY_ACTION = /deploy|restart|rollout|release|flush|cache/i;

export interface ColdResult {
  endpoint: string | null;
  /** Event time (s since start). */
  eventS: number;
  /** Where judging stopped: the next event's time (s since start), or null for the end of the run. */
  boundS?: number | null;
  found: boolean;
  /** Why nothing was found, when found is false. */
  reason: string | null;
  baselineP99Ms: number | null;
  warmP99Ms: number | null;
  coldP99Ms: number | null;
  peakP99Ms: number | null;
  recoveredP99Ms: number | null;
  ratio: number | null;
  windowS: number | null;
  recovered: boolean;
  coldSamples: number;
  exceeding: number;
  pValue: number | null;
  binS: number;
  /** The "elevated" limit, bins above it in the window, the window's judged bins, the run's background rate of elevated bins, and the bin-level p-value. */
  limitMs?: number | null;
  elevatedBins?: number;
  judgedBins?: number;
  backgroundRate?: number | null;
  binPValue?: number;
}

const notFound = (endpoint: string | null, eventS: number, binS: number, reason: string, extra: Partial<ColdResult> = {}): ColdResult => ({
  endpoint, eventS, found: false, reason, baselineP99Ms: null, warmP99Ms: null, coldP99Ms: null, peakP99Ms: null,
  recoveredP99Ms: null, ratio: null, windowS: null, recovered: false, coldSamples: 0, exceeding: 0, pValue: null, binS, ...extra,
});

/** Bins offered more than this multiple of the warm period's median rate are not the warm period's noise. */
const COMPARABLE_LOAD = 1.25;

/**
 * Looks for the cold window after `eventS` in one binned series, judged up to
 * `boundS` (the next event, s since start; Infinity for the end of the run).
 * `masked` spans are skipped in the baseline.
 */
export const coldWindow = (ctx: AnalysisContext, bs: BinnedSeries, eventS: number, masked: readonly Span[], boundS = Infinity): ColdResult => {
  const { t } = ctx;
  const binS = bs.choice.binS;
  const endpoint = bs.series.endpoint;
  // Baselines take every bin with enough samples (generator noise raises them: conservative); judging skips
  // generator-bound bins (a late generator is not a cold target).
  const enough = (b: Bin): boolean => b.stats.n >= t.coldMinSamplesPerBin;
  const valid = (b: Bin): boolean => enough(b) && !generatorBound(b, t);
  const pre = bs.bins.filter((b) => b.endS <= eventS && b.startS >= eventS - t.coldBaselineS && enough(b) && !binInSpans(b, masked));
  if (pre.length < t.coldMinBaselineBins) {
    return notFound(endpoint, eventS, binS, `not enough steady traffic before the event (${pre.length} of ${t.coldMinBaselineBins} bins of ${binS} s with ≥ ${t.coldMinSamplesPerBin} samples)`);
  }
  // The warm p99 is the median bin p99 before the event: robust to a stalled second (a merged p99 is not).
  const baseline = median(pre.map((b) => b.stats.p99_ms)) ?? 0;
  const warm = mergeSparse(pre.map((b) => b.lat));
  // "Elevated" means above 2x the warm p99, and above what the warm period itself reached in 1 bin out of 10 (its noise).
  const limitMs = Math.max(t.coldRecoveryFactor * baseline, quantile(pre.map((b) => b.stats.p99_ms), 0.9) ?? 0);
  const elevated = (b: Bin): boolean => valid(b) && (b.stats.p99_ms ?? 0) > limitMs;
  const post = bs.bins.filter((b) => b.endS > eventS && b.startS < boundS);
  const hold = Math.max(t.persistBins, Math.ceil(t.coldHoldS / binS));
  // Recovery: the first valid, non-elevated bin from which at least `coldHoldFraction` of the next `hold` valid bins
  // (or of those left, at least one) are not elevated either: one stray spike does not undo a recovery.
  let recoverAt = -1;
  for (let j = 0; j < post.length && recoverAt < 0; j++) {
    const first = post[j];
    if (first === undefined || !valid(first) || elevated(first)) continue;
    const next = post.slice(j).filter(valid).slice(0, hold);
    if (next.filter((b) => !elevated(b)).length >= t.coldHoldFraction * next.length) recoverAt = j;
  }
  const recovered = recoverAt >= 0;
  const coldBins = post.slice(0, recovered ? recoverAt : post.length);
  const base = { baselineP99Ms: r3(baseline), warmP99Ms: r3(baseline) };
  if (coldBins.length === 0) return notFound(endpoint, eventS, binS, `p99 stayed within ${fmtMs(limitMs)} (${t.coldRecoveryFactor}x the pre-event ${fmtMs(baseline)}, or its noise)`, base);
  const cold = mergeSparse(coldBins.map((b) => b.lat));
  const coldStats = latencyStats(cold);
  // Request level: more requests above the limit than the warm period produces (floor 0.5%).
  const exceeding = sparseCountAboveMs(cold, limitMs);
  const p0 = Math.max(0.005, warm.total > 0 ? sparseCountAboveMs(warm, limitMs) / warm.total : 0);
  const pValue = binomialUpperTail(exceeding, cold.total, p0);
  // Bin level: the window's bins are elevated together far more often than the run's other bins (before, and
  // after recovery) are elevated on their own (floor 5%): machine noise makes scattered spikes, a cold cache a run of them.
  const judgedCold = coldBins.filter(valid);
  const elevatedCold = judgedCold.filter(elevated).length;
  // After recovery, only bins at about the warm period's load count as its noise: a ramp that follows raises p99 by queueing.
  const preOfferedRps = median(pre.map((b) => b.offeredRps)) ?? 0;
  const comparableLoad = (b: Bin): boolean => b.offeredRps <= COMPARABLE_LOAD * preOfferedRps;
  const after = recovered
    ? post.slice(recoverAt).filter((b) => b.startS < (post[recoverAt]?.startS ?? 0) + t.coldBaselineS && valid(b) && comparableLoad(b))
    : [];
  const background = [...pre, ...after];
  const bgRate = Math.max(0.05, background.length > 0 ? background.filter(elevated).length / background.length : 0);
  const binPValue = binomialUpperTail(elevatedCold, judgedCold.length, bgRate);
  const recoveredBins = recovered ? post.slice(recoverAt, recoverAt + hold) : [];
  const runEndS = Math.max(ctx.durationS, post[post.length - 1]?.endS ?? 0);
  const endS = recovered ? (post[recoverAt]?.startS ?? ctx.durationS) : Math.min(boundS, runEndS);
  const result: ColdResult = {
    endpoint, eventS, boundS: Number.isFinite(boundS) && boundS < runEndS ? boundS : null, found: false, reason: null, ...base,
    coldP99Ms: coldStats.p99_ms,
    peakP99Ms: r3(Math.max(...coldBins.map((b) => b.stats.p99_ms ?? 0))),
    recoveredP99Ms: recoveredBins.length ? latencyStats(mergeSparse(recoveredBins.map((b) => b.lat))).p99_ms : null,
    ratio: coldStats.p99_ms !== null && baseline > 0 ? r3(coldStats.p99_ms / baseline) : null,
    windowS: r3(Math.max(0, endS - eventS)),
    recovered, coldSamples: cold.total, exceeding, pValue, binS,
    limitMs: r3(limitMs), elevatedBins: elevatedCold, judgedBins: judgedCold.length, backgroundRate: r3(bgRate), binPValue,
  };
  if (exceeding < t.minErrors || pValue >= t.coldPValue) {
    return { ...result, reason: `p99 rose after the event but not significantly (${exceeding} of ${cold.total} requests above ${fmtMs(limitMs)}, p = ${pValue.toPrecision(2)})` };
  }
  if (binPValue >= t.coldBinPValue) {
    return { ...result, reason: `${elevatedCold} of ${judgedCold.length} bins after the event were above ${fmtMs(limitMs)}, no more than the run's noise (${Math.round(bgRate * 100)}% of other bins; p = ${binPValue.toPrecision(2)})` };
  }
  return { ...result, found: true };
};

const summaryOf = (ev: EventRecord, r: ColdResult, affected: string[], cutBy: EventRecord | null, clock: ProfileClock | null | undefined): string => {
  const who = r.endpoint === null ? (affected.length > 0 && affected.length <= 3 ? ` (${affected.join(', ')})` : '') : ` on ${r.endpoint}`;
  const span = r.recovered
    ? `for ${fmtS(r.windowS)} until it was back within 2x`
    : cutBy !== null
      ? `and was still elevated ${fmtS(r.windowS)} later, when the ${cutBy.action} at ${fmtAt(cutBy.t_s, clock)} came (what follows is judged on its own)`
      : `and had not recovered when the run ended ${fmtS(r.windowS)} later`;
  return `After the ${ev.action} at ${fmtAt(ev.t_s, clock)}, p99${who} was ${fmtMs(r.coldP99Ms)} (${fmtX(r.ratio)} the warm ${fmtMs(r.warmP99Ms)}) ${span}: `
    + 'warm caches before taking traffic (preload the hot keys, or shift traffic gradually to new instances).';
};

export interface ColdCacheOutput {
  breaks: ColdCacheBreak[];
  /** Recovered cold windows (masked out of the saturation and skew analyses). */
  spans: Span[];
  /** Cold windows that ran to the end of the run: their latency is the cold cache's, but throughput and errors are still judged. */
  openSpans: Span[];
  /** One entry per deploy-like event, found or not (report.json `analysis.cold_cache`). */
  analysis: Record<string, unknown>[];
}

/**
 * The series re-binned for judging one event: the finest width (of
 * `binWidthsS`, never coarser than the run-wide choice) whose bins from
 * `coldBaselineS` before the event up to the bound hold at least
 * `coldMinSamplesPerBin` samples (median). The run-wide width is chosen for the
 * whole run (its peak included); an endpoint that is sparse at night is
 * judged at the resolution its traffic around the event allows.
 */
export const coldBinned = (ctx: AnalysisContext, bs: BinnedSeries, eventS: number, boundS: number): BinnedSeries => {
  const { t } = ctx;
  const fromS = Math.max(0, eventS - t.coldBaselineS);
  const toS = Math.min(ctx.length, boundS);
  for (const w of t.binWidthsS.filter((x) => x < bs.choice.binS)) {
    const counts: number[] = [];
    for (let start = Math.floor(fromS / w) * w; start < toS; start += w) counts.push(rangeSum(bs.series.completed, start, Math.min(ctx.length, start + w)));
    const m = median(counts) ?? 0;
    if (m >= t.coldMinSamplesPerBin) return { series: bs.series, choice: { binS: w, lowSamples: false, medianSamples: m }, bins: binSeries(bs.series, w, ctx.length) };
  }
  return bs;
};

/** Runs the cold-cache detector over every deploy-like event. */
export const detectColdCache = (ctx: AnalysisContext): ColdCacheOutput => {
  const out: ColdCacheOutput = { breaks: [], spans: [], openSpans: [], analysis: [] };
  const all = [...ctx.run.events].sort((a, b) => a.t_s - b.t_s);
  const events = all.filter((e) => DEPLOY_ACTION.test(e.action));
  for (const ev of events) {
    const next = all.find((e) => e.t_s > ev.t_s) ?? null;
    const boundS = next?.t_s ?? Infinity;
    const judge = (bs: BinnedSeries): ColdResult => coldWindow(ctx, coldBinned(ctx, bs, ev.t_s, boundS), ev.t_s, out.spans, boundS);
    const overall = judge(ctx.overall);
    const perEndpoint = [...ctx.endpoints.values()].map(judge);
    const affected = perEndpoint.filter((r) => r.found);
    const best = overall.found ? overall : affected.sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0))[0];
    out.analysis.push({
      t_s: ev.t_s, action: ev.action, found: best !== undefined, reason: overall.reason,
      overall: overall, endpoints: perEndpoint,
    });
    if (best === undefined) continue;
    // A window that never recovered is masked for latency only: a saturation that follows still shows in throughput and errors.
    (best.recovered ? out.spans : out.openSpans).push({ fromS: ev.t_s, toS: ev.t_s + (best.windowS ?? 0) });
    out.breaks.push({
      kind: 'cold-cache',
      endpoint: best.endpoint,
      t_s: r3(ev.t_s),
      offered_rps: null,
      summary: summaryOf(ev, best, affected.map((a) => a.endpoint ?? ''), !best.recovered && best.boundS != null ? next : null, ctx.run.clock),
      evidence: {
        event: ev.action,
        event_ok: ev.ok,
        window_s: best.windowS,
        start_s: r3(ev.t_s),
        end_s: r3(ev.t_s + (best.windowS ?? 0)),
        recovered: best.recovered,
        cut_by: !best.recovered && best.boundS != null && next !== null ? `${next.action} at ${fmtAt(next.t_s, ctx.run.clock)}` : null,
        cold_p99_ms: best.coldP99Ms,
        warm_p99_ms: best.warmP99Ms,
        ratio: best.ratio,
        peak_p99_ms: best.peakP99Ms,
        baseline_p99_ms: best.baselineP99Ms,
        recovered_p99_ms: best.recoveredP99Ms,
        recovery_rule: `bin p99 ≤ ${fmtMs(best.limitMs ?? null)} (${ctx.t.coldRecoveryFactor}x the pre-deploy median bin p99, or its noise) in ≥ ${ctx.t.coldHoldFraction * 100}% of the bins over ${Math.max(ctx.t.coldHoldS, ctx.t.persistBins * best.binS)} s`,
        elevated_bins: best.elevatedBins ?? null,
        judged_bins: best.judgedBins ?? null,
        background_elevated_rate: best.backgroundRate ?? null,
        bin_p_value: best.binPValue ?? null,
        bin_s: best.binS,
        cold_requests: best.coldSamples,
        requests_above_2x: best.exceeding,
        p_value: best.pValue,
        endpoints: affected.map((a) => ({ endpoint: a.endpoint, window_s: a.windowS, cold_p99_ms: a.coldP99Ms, warm_p99_ms: a.warmP99Ms, ratio: a.ratio })),
      },
    });
  }
  return out;
};
