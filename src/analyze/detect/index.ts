/**
 * Runs the detectors in dependency order and writes each break's one-sentence
 * summary:
 *   cold cache (its windows are masked for the others) → saturation per
 *   endpoint and overall → pool gauges aligned with those breaks → data skew
 *   over the healthy seconds → error bursts.
 * The overall saturation becomes a break only when no endpoint broke on its
 * own (otherwise it would repeat them); it is always in `analysis`.
 */
import type { AnalysisContext } from '../context.js';
import { latencyStats, mergeSparse } from '../hist.js';
import { median } from '../stats.js';
import { fmtMs } from '../../core/duration.js';
import { fmtPct, fmtRps, fmtX } from '../../core/numbers.js';
import { r2, r3 } from '../../core/round.js';
import { fmtAt } from '../clock.js';
import type { ReportBreak } from '../types.js';
import { breakSpanS, type ColdCacheBreak, type PoolSaturationBreak, type SaturationBreak } from '../breaks.js';
import type { DegradedSpan, Span } from '../span.js';
import { PROMQL_POOL_NAMES, type PoolGauges } from '../../scenario/scenario.js';
import { derivedLatencyThreshold, type Thresholds } from '../thresholds.js';
import { detectColdCache } from './cold-cache.js';
import { detectErrors } from './errors.js';
import { poolEpisodes, poolGaugesOf, poolMaxima, poolSeries, poolTimeline, type PoolEpisode, type PoolSeries } from './pool.js';
import { saturationOf, type SaturationResult } from './saturation.js';
import { detectSkew, type ClassRow } from './skew.js';

export interface PoolAnalysis {
  /** `gauges` when the scenario names pool gauges and scrapes hold them; else why not. */
  status: 'gauges' | 'no-gauges' | 'no-scrapes';
  note: string;
  gauges: PoolSeries['gauges'] | null;
  episodes: PoolEpisode[];
  aligned: boolean;
  maxima: ReturnType<typeof poolMaxima> | null;
  timeline: ReturnType<typeof poolTimeline>;
}

export interface DetectorOutput {
  breaks: ReportBreak[];
  saturation: { overall: SaturationResult; endpoints: SaturationResult[] };
  coldCache: Record<string, unknown>[];
  skew: Record<string, unknown>[];
  byClass: ClassRow[];
  pool: PoolAnalysis;
  /** Spans where latency broke (saturation stretches, cold windows), for the diagnosis. */
  degraded: DegradedSpan[];
  /** Every span left out of the skew judgement (the above and single bins where a saturation rule fired): per-tenant latency is quoted outside them. */
  unhealthy: Span[];
}

const rulePhrase = (r: SaturationResult, t: Thresholds): string => {
  const b = r.break;
  if (b === null) return '';
  const parts: string[] = [];
  for (const rule of b.rules) {
    if (rule === 'latency') parts.push(r.thresholdSource === 'slo' ? `above the p99 SLO of ${fmtMs(r.thresholdMs)}` : `above ${fmtMs(r.thresholdMs)}, ${r.baselineP99Ms === null ? 'derived from its low-load p99' : derivedLatencyThreshold(r.baselineP99Ms, t).describe}`);
    if (rule === 'throughput') parts.push(`achieved fell to ${fmtRps(b.queueing.achievedRps)} of ${fmtRps(b.queueing.offeredRps)} offered`);
    if (rule === 'errors') parts.push(`errors reached ${fmtPct(b.errorRateAfter)}`);
  }
  return parts.join('; ');
};

const aligns = (ep: PoolEpisode, spans: readonly Span[], alignS: number): boolean =>
  spans.some((s) => ep.fromS <= s.toS + alignS && ep.toS + 1 >= s.fromS - alignS);

const poolPhrase = (ep: PoolEpisode | undefined): string =>
  ep === undefined ? '' : `; the pool${ep.size === null ? '' : ` (size ${ep.size})`} had up to ${ep.maxWaiting} waiting`;

const saturationSummary = (r: SaturationResult, ep: PoolEpisode | undefined, hasGauges: boolean, t: Thresholds): string => {
  const b = r.break;
  if (b === null) return '';
  const who = r.endpoint ?? 'Overall';
  const together = (r as Partial<SatFinding>).members ?? [];
  const intro = together.length > 1 ? `${together.length} endpoints (${together.map((m) => m.endpoint ?? '').join(', ')}) broke together. ` : '';
  const before = b.p99BeforeMs === null ? 'p99 was' : `p99 rose from ${fmtMs(b.p99BeforeMs)} to`;
  const knee = r.knee === null ? '' : ` (Kneedle knee at ${fmtRps(r.knee.offeredRps)})`;
  let why = poolPhrase(ep);
  if (ep === undefined && b.queueing.likely) {
    why = `; likely queueing: throughput held at ~${fmtRps(b.queueing.achievedRps)} while p99 grew ${fmtX(b.queueing.p99GrowthX)}${hasGauges ? '' : ' (name pool gauges in observe.pool to confirm)'}`;
  }
  const action = ep !== undefined
    ? 'raise the pool size or shorten how long each request holds a connection'
    : `keep the offered load below ${fmtRps(b.offeredRps)} or find the resource that saturates there first (pool, CPU, locks)`;
  return `${intro}${who} ${before} ${fmtMs(b.p99AfterMs)} when offered load passed ${fmtRps(b.offeredRps)}${knee} (${rulePhrase(r, t)})${why}: ${action}.`;
};

const saturationBreak = (r: SaturationResult, ep: PoolEpisode | undefined, hasGauges: boolean, t: Thresholds): SaturationBreak | null => {
  const b = r.break;
  if (b === null) return null;
  return {
    kind: 'saturation',
    endpoint: r.endpoint,
    t_s: b.tS,
    offered_rps: b.offeredRps,
    summary: saturationSummary(r, ep, hasGauges, t),
    evidence: {
      p99_before_ms: b.p99BeforeMs,
      p99_after_ms: b.p99AfterMs,
      rules: b.rules,
      threshold_ms: r.thresholdMs,
      threshold_source: r.thresholdSource,
      baseline_p99_ms: r.baselineP99Ms,
      endpoint_offered_rps: b.endpointOfferedRps,
      achieved_rps: b.achievedRps,
      error_rate_after: r3(b.errorRateAfter),
      knee_rps: r.knee?.offeredRps ?? null,
      knee_p99_ms: r.knee?.p99Ms ?? null,
      until_s: b.untilS,
      breaking_bins: b.breakingBins,
      judged_bins: b.judgedBins,
      bin_s: r.binS,
      low_samples: r.lowSamples,
      queueing: b.queueing.likely ? 'likely' : 'not seen',
      achieved_plateau_rps: b.queueing.achievedRps,
      p99_growth_x: b.queueing.p99GrowthX,
      pool: ep === undefined ? null : { size: ep.size, max_waiting: ep.maxWaiting, from_s: r2(ep.fromS) },
    },
  };
};

const poolAnalysis = (ctx: AnalysisContext): { series: PoolSeries | null; base: Omit<PoolAnalysis, 'episodes' | 'aligned'> } => {
  const { gauges, problem } = poolGaugesOf(ctx.run);
  if (gauges === null) {
    const note = problem ?? 'Not observed: the scenario names no pool gauges (observe.pool: { in_use, waiting, size } with observe.prometheus)';
    return { series: null, base: { status: 'no-gauges', note, gauges: null, maxima: null, timeline: [] } };
  }
  const series = poolSeries(gauges, ctx.run.scrapes);
  if (series.samples.length === 0) {
    const names: readonly string[] = Object.values(PROMQL_POOL_NAMES);
    const server = [gauges.in_use, gauges.waiting, gauges.size].some((g) => g !== undefined && names.includes(g));
    const file = server ? 'promql.ndjson' : 'metrics.ndjson';
    const why = ctx.run.scrapes.length === 0 ? `no scrapes were recorded (${file})` : `none of ${ctx.run.scrapes.length} scrapes held the gauges${series.failedScrapes ? ` (${series.failedScrapes} failed)` : ''}`;
    const check = server
      ? 'check observe.prometheus_server and its queries (observe.json says why a read failed; `prodshape report DIR --prometheus URL` reads the window again)'
      : 'check observe.prometheus and the gauge names';
    return { series: null, base: { status: 'no-scrapes', note: `Not observed: ${why}; ${check}`, gauges, maxima: null, timeline: [] } };
  }
  return { series, base: { status: 'gauges', note: '', gauges, maxima: poolMaxima(series.samples), timeline: poolTimeline(series.samples) } };
};

/** A saturation finding: one endpoint's, or the whole run's when several endpoints broke together (`members`). */
type SatFinding = SaturationResult & { members: SaturationResult[] };

/**
 * Endpoints whose breaking stretches overlap broke together (a shared pool,
 * CPU): one finding for the whole run, from the overall series when it broke,
 * listing the endpoints. An endpoint that breaks on its own stays its own.
 */
const groupSaturation = (endpointSat: SaturationResult[], overall: SaturationResult): SatFinding[] => {
  const broken = endpointSat.filter((r) => r.break !== null).sort((a, b) => (a.break?.tS ?? 0) - (b.break?.tS ?? 0));
  if (broken.length === 0) return overall.break === null ? [] : [{ ...overall, members: [] }];
  const clusters: SaturationResult[][] = [];
  for (const r of broken) {
    const c = clusters.find((xs) => xs.some((x) => (r.break?.tS ?? 0) < (x.break?.untilS ?? 0) && (x.break?.tS ?? 0) < (r.break?.untilS ?? 0)));
    if (c) c.push(r);
    else clusters.push([r]);
  }
  return clusters.map((members) => {
    const first = members[0] as SaturationResult;
    if (members.length === 1) return { ...first, members };
    return overall.break !== null ? { ...overall, members } : { ...first, endpoint: null, members };
  });
};

/**
 * The pool episodes that line up with a latency problem: a saturation or
 * cold window (± `poolAlignS`), or overall p99 at 2x its baseline or more
 * during the episode. A full pool with healthy latency is capacity well used.
 */
const alignedPoolEpisodes = (ctx: AnalysisContext, episodes: readonly PoolEpisode[], latencySpans: readonly Span[]): PoolEpisode[] => {
  const { t } = ctx;
  const overallBaseline = median(ctx.overall.bins.filter((b) => b.stats.n >= t.minSamplesPerBin).map((b) => b.stats.p99_ms));
  const latencyRose = (ep: PoolEpisode): boolean => {
    const inEp = ctx.overall.bins.filter((b) => b.endS > ep.fromS && b.startS <= ep.toS);
    const p99 = latencyStats(mergeSparse(inEp.map((b) => b.lat))).p99_ms;
    return overallBaseline !== null && p99 !== null && p99 >= 2 * overallBaseline;
  };
  return episodes.filter((ep) => aligns(ep, latencySpans, t.poolAlignS) || latencyRose(ep));
};

/** The `pool-saturation` break from the aligned episodes (the first one's numbers, each one described), or null when none. */
const poolSaturationBreak = (
  ctx: AnalysisContext, aligned: readonly PoolEpisode[], satResults: readonly SatFinding[], coldBreaks: readonly ColdCacheBreak[], gauges: PoolGauges | null,
): PoolSaturationBreak | null => {
  const ep = aligned[0];
  if (ep === undefined) return null;
  const { t } = ctx;
  const satOf = (e: PoolEpisode): SatFinding | undefined =>
    satResults.find((r) => aligns(e, [{ fromS: r.break?.tS ?? 0, toS: r.break?.untilS ?? 0 }], t.poolAlignS));
  const coldOf = (e: PoolEpisode): ColdCacheBreak | undefined => coldBreaks.find((b) => aligns(e, [breakSpanS(b)], t.poolAlignS));
  const describe = (e: PoolEpisode): string => {
    const sat = satOf(e);
    const cb = coldOf(e);
    const why = sat?.break
      ? `with the saturation of ${sat.endpoint ?? 'the run'} (p99 ${fmtMs(sat.break.p99AfterMs)})`
      : cb ? `in the cold window after the ${cb.evidence.event} at ${fmtAt(cb.t_s, ctx.run.clock)}` : 'while overall p99 was over 2x its baseline';
    return `from ${fmtAt(e.firstWaitingS ?? e.fromS, ctx.run.clock)} to ${fmtAt(e.toS, ctx.run.clock)}, up to ${e.maxWaiting} waiting, ${why}`;
  };
  const start = ep.firstWaitingS ?? ep.fromS;
  const offered = ctx.length > 0 ? r2(ctx.series.overall.offered[Math.min(ctx.length - 1, Math.floor(start))] ?? 0) : null;
  const shown = aligned.slice(0, 3).map(describe);
  const more = aligned.length > 3 ? ` and ${aligned.length - 3} more` : '';
  const when = aligned.length === 1 ? (shown[0] ?? '') : `${aligned.length} times: ${shown.join('; ')}${more}`;
  return {
    kind: 'pool-saturation',
    endpoint: satOf(ep)?.endpoint ?? null,
    t_s: r2(start),
    offered_rps: offered,
    summary: `The pool${ep.size === null ? '' : ` (size ${ep.size})`} was exhausted ${when}: `
      + 'raise the pool size (mind the database\'s max_connections) or shorten how long each request holds a connection.',
    evidence: {
      pool_size: ep.size,
      max_waiting: Math.max(...aligned.map((e) => e.maxWaiting)),
      max_in_use: ep.maxInUse,
      first_waiting_s: ep.firstWaitingS === null ? null : r2(ep.firstWaitingS),
      episodes: aligned.map((e) => ({ from_s: r2(e.fromS), to_s: r2(e.toS), scrapes: e.scrapes, max_waiting: e.maxWaiting, max_in_use: e.maxInUse, size: e.size, aligned_with: describe(e) })),
      saturated_scrapes: aligned.reduce((n, e) => n + e.scrapes, 0),
      gauges,
    },
  };
};

/** Runs every detector. */
export const runDetectors = (ctx: AnalysisContext): DetectorOutput => {
  const { t } = ctx;
  const cold = detectColdCache(ctx);
  const endpointSat = [...ctx.endpoints.values()].map((bs) => saturationOf(ctx, bs, cold.spans, cold.openSpans));
  const overallSat = saturationOf(ctx, ctx.overall, cold.spans, cold.openSpans);
  const satResults = groupSaturation(endpointSat, overallSat);
  const satSpans = satResults.map((r) => ({ endpoint: r.endpoint, fromS: r.break?.tS ?? 0, toS: r.break?.untilS ?? 0 }));

  const { series: pool, base: poolBase } = poolAnalysis(ctx);
  const episodes = pool === null ? [] : poolEpisodes(pool.samples, t.poolMinScrapes);
  const alignedEpisodes = alignedPoolEpisodes(ctx, episodes, [...satSpans, ...cold.spans, ...cold.openSpans]);

  const breaks: ReportBreak[] = [];
  for (const r of satResults) {
    const ep = alignedEpisodes.find((e) => aligns(e, [{ fromS: r.break?.tS ?? 0, toS: r.break?.untilS ?? 0 }], t.poolAlignS));
    const b = saturationBreak(r, ep, pool !== null, ctx.t);
    if (b === null) continue;
    if (r.members.length > 1) {
      b.evidence.endpoints = r.members.map((m) => ({
        endpoint: m.endpoint, t_s: m.break?.tS ?? null, offered_rps: m.break?.offeredRps ?? null,
        p99_before_ms: m.break?.p99BeforeMs ?? null, p99_after_ms: m.break?.p99AfterMs ?? null, rules: m.break?.rules ?? [],
      }));
    }
    breaks.push(b);
  }
  const poolBreak = poolSaturationBreak(ctx, alignedEpisodes, satResults, cold.breaks, pool?.gauges ?? null);
  if (poolBreak !== null) breaks.push(poolBreak);

  // Skew is judged where latency was healthy: not in saturation, cold windows, or any bin where a saturation rule fired.
  const unhealthy = [...satSpans, ...cold.spans, ...cold.openSpans, ...overallSat.breaching, ...endpointSat.flatMap((r) => r.breaching)];
  const skew = detectSkew(ctx, unhealthy);
  const errors = detectErrors(ctx);
  breaks.push(...skew.breaks, ...cold.breaks, ...errors.breaks);

  return {
    breaks,
    saturation: { overall: overallSat, endpoints: endpointSat },
    coldCache: cold.analysis,
    skew: skew.analysis,
    byClass: skew.byClass,
    unhealthy,
    pool: { ...poolBase, episodes, aligned: alignedEpisodes.length > 0 },
    degraded: [
      ...satSpans.map((s) => ({ ...s, kind: 'saturation' })),
      ...cold.breaks.map((b) => ({ endpoint: b.endpoint, ...breakSpanS(b), kind: 'cold-cache' })),
      ...errors.breaks.map((b) => ({ endpoint: b.endpoint, ...breakSpanS(b), kind: 'errors' })),
    ],
  };
};
