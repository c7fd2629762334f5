/**
 * Cold cache after a deploy (DESIGN.md `cold-cache`; REFERENCE §5b).
 *
 * For each deploy-like event at time T:
 *  1. baseline B = median bin p99 over the steady bins in the `coldBaselineS`
 *     seconds before T (at least `coldMinBaselineBins` bins with enough
 *     samples); the warm p99 is the p99 of those bins merged;
 *  2. from the bin holding T on, recovery is the first bin from which p99
 *     stays ≤ `coldRecoveryFactor` × B for `coldHoldS` seconds (≥ 3 bins);
 *  3. the bins between are the cold window; it is a break only when it is
 *     significant: more of its requests exceed 2 × B than the warm period
 *     would produce (binomial test at `coldPValue`, ≥ `minErrors` of them).
 * The overall series is judged first; when it shows nothing, each endpoint is.
 */
import type { EventRecord } from '../../run/format.js';
import type { Bin } from '../bins.js';
import type { AnalysisContext, BinnedSeries } from '../context.js';
import { latencyStats, mergeSparse, sparseCountAboveMs } from '../hist.js';
import { binomialUpperTail, median } from '../stats.js';
import { fmtMs, fmtS, fmtX, r3 } from '../text.js';
import type { ReportBreak } from '../types.js';

/** Event actions that reset warm state: deploys, restarts, cache flushes, rollouts. */
export const DEPLOY_ACTION = /deploy|restart|rollout|release|flush|cache/i;

/** A time span [fromS, toS) in run seconds. */
export interface Span { fromS: number; toS: number }

export interface ColdResult {
  endpoint: string | null;
  /** Event time (s since start). */
  eventS: number;
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
}

const notFound = (endpoint: string | null, eventS: number, binS: number, reason: string, extra: Partial<ColdResult> = {}): ColdResult => ({
  endpoint, eventS, found: false, reason, baselineP99Ms: null, warmP99Ms: null, coldP99Ms: null, peakP99Ms: null,
  recoveredP99Ms: null, ratio: null, windowS: null, recovered: false, coldSamples: 0, exceeding: 0, pValue: null, binS, ...extra,
});

const inSpans = (b: Bin, spans: readonly Span[]): boolean => spans.some((s) => b.endS > s.fromS && b.startS < s.toS);

/** Looks for the cold window after `eventS` in one binned series. `masked` spans are skipped in the baseline. */
export const coldWindow = (ctx: AnalysisContext, bs: BinnedSeries, eventS: number, masked: readonly Span[]): ColdResult => {
  const { t } = ctx;
  const binS = bs.choice.binS;
  const endpoint = bs.series.endpoint;
  const valid = (b: Bin): boolean => b.stats.n >= t.minSamplesPerBin;
  const pre = bs.bins.filter((b) => b.endS <= eventS && b.startS >= eventS - t.coldBaselineS && valid(b) && !inSpans(b, masked));
  if (pre.length < t.coldMinBaselineBins) {
    return notFound(endpoint, eventS, binS, `not enough steady traffic before the event (${pre.length} of ${t.coldMinBaselineBins} bins of ${binS} s with ≥ ${t.minSamplesPerBin} samples)`);
  }
  const baseline = median(pre.map((b) => b.stats.p99_ms)) ?? 0;
  const warm = mergeSparse(pre.map((b) => b.lat));
  const warmStats = latencyStats(warm);
  const limitMs = t.coldRecoveryFactor * baseline;
  const post = bs.bins.filter((b) => b.endS > eventS);
  const hold = Math.max(t.persistBins, Math.ceil(t.coldHoldS / binS));
  // First post bin from which `hold` valid bins (or all that remain, at least one) stay within the limit.
  let recoverAt = -1;
  for (let j = 0; j < post.length && recoverAt < 0; j++) {
    const first = post[j];
    if (first === undefined || !valid(first) || (first.stats.p99_ms ?? 0) > limitMs) continue;
    let ok = 0;
    let broken = false;
    for (let k = j; k < post.length && ok < hold; k++) {
      const b = post[k];
      if (b === undefined || !valid(b)) continue;
      if ((b.stats.p99_ms ?? 0) > limitMs) {
        broken = true;
        break;
      }
      ok++;
    }
    if (!broken && ok >= 1) recoverAt = j;
  }
  const recovered = recoverAt >= 0;
  const coldBins = post.slice(0, recovered ? recoverAt : post.length);
  const base = { baselineP99Ms: r3(baseline), warmP99Ms: warmStats.p99_ms };
  if (coldBins.length === 0) return notFound(endpoint, eventS, binS, `p99 stayed within ${t.coldRecoveryFactor}x of the pre-event ${fmtMs(baseline)}`, base);
  const cold = mergeSparse(coldBins.map((b) => b.lat));
  const coldStats = latencyStats(cold);
  const exceeding = sparseCountAboveMs(cold, limitMs);
  // Under "nothing changed", a request exceeds 2 × B about as often as in the warm period (floor 0.5%).
  const p0 = Math.max(0.005, warm.total > 0 ? sparseCountAboveMs(warm, limitMs) / warm.total : 0);
  const pValue = binomialUpperTail(exceeding, cold.total, p0);
  const recoveredBins = recovered ? post.slice(recoverAt, recoverAt + hold) : [];
  const endS = recovered ? (post[recoverAt]?.startS ?? ctx.durationS) : Math.max(ctx.durationS, post[post.length - 1]?.endS ?? 0);
  const result: ColdResult = {
    endpoint, eventS, found: false, reason: null, ...base,
    coldP99Ms: coldStats.p99_ms,
    peakP99Ms: r3(Math.max(...coldBins.map((b) => b.stats.p99_ms ?? 0))),
    recoveredP99Ms: recoveredBins.length ? latencyStats(mergeSparse(recoveredBins.map((b) => b.lat))).p99_ms : null,
    ratio: coldStats.p99_ms !== null && warmStats.p99_ms ? r3(coldStats.p99_ms / warmStats.p99_ms) : null,
    windowS: r3(Math.max(0, endS - eventS)),
    recovered, coldSamples: cold.total, exceeding, pValue, binS,
  };
  if (exceeding < t.minErrors || pValue >= t.coldPValue) {
    return { ...result, reason: `p99 rose after the event but not significantly (${exceeding} of ${cold.total} requests above ${fmtMs(limitMs)}, p = ${pValue.toPrecision(2)})` };
  }
  return { ...result, found: true };
};

const summaryOf = (ev: EventRecord, r: ColdResult, affected: string[]): string => {
  const who = r.endpoint === null ? (affected.length > 0 && affected.length <= 3 ? ` (${affected.join(', ')})` : '') : ` on ${r.endpoint}`;
  const span = r.recovered
    ? `for ${fmtS(r.windowS)} until it was back within 2x`
    : `and had not recovered when the run ended ${fmtS(r.windowS)} later`;
  return `After the ${ev.action} at ${fmtS(ev.t_s)}, p99${who} was ${fmtMs(r.coldP99Ms)} (${fmtX(r.ratio)} the warm ${fmtMs(r.warmP99Ms)}) ${span}: `
    + 'warm caches before taking traffic (preload the hot keys, or shift traffic gradually to new instances).';
};

export interface ColdCacheOutput {
  breaks: ReportBreak[];
  /** Recovered cold windows (masked out of the saturation and skew analyses). */
  spans: Span[];
  /** One entry per deploy-like event, found or not (report.json `analysis.cold_cache`). */
  analysis: Record<string, unknown>[];
}

/** Runs the cold-cache detector over every deploy-like event. */
export const detectColdCache = (ctx: AnalysisContext): ColdCacheOutput => {
  const out: ColdCacheOutput = { breaks: [], spans: [], analysis: [] };
  const events = ctx.run.events.filter((e) => DEPLOY_ACTION.test(e.action)).sort((a, b) => a.t_s - b.t_s);
  for (const ev of events) {
    const overall = coldWindow(ctx, ctx.overall, ev.t_s, out.spans);
    const perEndpoint = [...ctx.endpoints.values()].map((bs) => coldWindow(ctx, bs, ev.t_s, out.spans));
    const affected = perEndpoint.filter((r) => r.found);
    const best = overall.found ? overall : affected.sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0))[0];
    out.analysis.push({
      t_s: ev.t_s, action: ev.action, found: best !== undefined, reason: overall.reason,
      overall: overall, endpoints: perEndpoint,
    });
    if (best === undefined) continue;
    // A window that never recovered is not masked: what follows may be saturation, and must be judged.
    if (best.recovered) out.spans.push({ fromS: ev.t_s, toS: ev.t_s + (best.windowS ?? 0) });
    out.breaks.push({
      kind: 'cold-cache',
      endpoint: best.endpoint,
      t_s: r3(ev.t_s),
      offered_rps: null,
      summary: summaryOf(ev, best, affected.map((a) => a.endpoint ?? '')),
      evidence: {
        event: ev.action,
        event_ok: ev.ok,
        window_s: best.windowS,
        start_s: r3(ev.t_s),
        end_s: r3(ev.t_s + (best.windowS ?? 0)),
        recovered: best.recovered,
        cold_p99_ms: best.coldP99Ms,
        warm_p99_ms: best.warmP99Ms,
        ratio: best.ratio,
        peak_p99_ms: best.peakP99Ms,
        baseline_p99_ms: best.baselineP99Ms,
        recovered_p99_ms: best.recoveredP99Ms,
        recovery_rule: `bin p99 ≤ ${ctx.t.coldRecoveryFactor}x the pre-deploy median bin p99 for ${Math.max(ctx.t.coldHoldS, ctx.t.persistBins * best.binS)} s`,
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
