/**
 * Data skew by tenant size (docs/design.md `data-skew`; docs/algorithms.md §7, §9 recipe A).
 *
 * Per endpoint, over the healthy seconds (saturation stretches and cold
 * windows left out, so queueing does not hide or fake a difference):
 *  - the big end: the top 1% class, else the top 10% (with the top 1%),
 *    against the `rest` class (the median tenant);
 *  - the small end: the `empty` class (tenants with no rows) against `rest`.
 * A class is flagged when its p99 ≥ 3 × the median tenant's p99 and at
 * least 10 ms above it (or, when queueing inflates every p99, its p50 is
 * 3 × and 10 ms above the median tenant's p50, or at least half its requests
 * are slower than the median tenant's p99 with its p50 ≥ 2 ×), and significantly more of its requests exceed the median
 * tenant's p99 than the 1% that would by chance (binomial test, p < 0.001).
 * Confidence is "high" with ≥ 100 samples in both classes, "low" below that,
 * and no judgement under 20. The slowest tenants of the flagged group are
 * named from tenants.ndjson with their rows and p99.
 */
import { TENANT_WINDOW_S, type TenantClass, type TenantRecord } from '../../run/format.js';
import type { AnalysisContext } from '../context.js';
import { decodeSparse, latencyStats, mergeSparse, sparseCountAboveMs, type LatencyStats, type Sparse } from '../hist.js';
import { rangeLatency, type Series } from '../series.js';
import { binomialUpperTail, median, spearman } from '../stats.js';
import { fmtMs } from '../../core/duration.js';
import { fmtCount, fmtX } from '../../core/numbers.js';
import { r3 } from '../../core/round.js';
import type { DataSkewBreak } from '../breaks.js';
import type { Span } from '../span.js';

export interface NamedTenant {
  tenant: string;
  rows: number | null;
  tenant_class: TenantClass;
  /** Whole-run counts. */
  requests: number;
  errors: number;
  /** Whole-run latency. */
  p50_ms: number | null;
  p99_ms: number | null;
  /** Latency over the healthy windows (the tenant's TENANT_WINDOW_S windows that lie wholly outside the unhealthy spans); null without windows or with fewer than the minimum requests there. */
  healthy: { requests: number; p50_ms: number | null; p99_ms: number | null } | null;
}

/** Whether the window [fromS, toS) is healthy. */
export type HealthyRange = (fromS: number, toS: number) => boolean;

/** A tenant's latency over its healthy windows, or null (no windows, or fewer than `minRequests` requests in them). */
const healthyOf = (rs: readonly TenantRecord[], healthy: HealthyRange | null, minRequests: number): NamedTenant['healthy'] => {
  if (healthy === null || rs.some((r) => r.windows === undefined)) return null;
  const ws = rs.flatMap((r) => r.windows ?? []).filter((w) => healthy(w.t_s, w.t_s + TENANT_WINDOW_S));
  const requests = ws.reduce((s, w) => s + w.requests, 0);
  if (requests < minRequests) return null;
  const st = latencyStats(mergeSparse(ws.map((w) => decodeSparse(w.latency))));
  return { requests, p50_ms: st.p50_ms, p99_ms: st.p99_ms };
};

export interface ClassComparison {
  end: 'big' | 'small';
  /** `top1`, `top1+top10` or `empty`. */
  group: string;
  samples: number;
  medianSamples: number;
  p99Ms: number | null;
  medianP99Ms: number | null;
  ratio: number | null;
  p50Ms: number | null;
  medianP50Ms: number | null;
  p50Ratio: number | null;
  exceeding: number;
  /** Chance of that many of the class above the median class's p99 if the class were like it (binomial, 1%). */
  pValue: number | null;
  /** The same for the p50 rule: the class's requests above the median class's p50 (binomial, 50%). */
  p50PValue: number | null;
  flagged: boolean;
  confidence: 'high' | 'low' | 'insufficient';
  note: string | null;
}

/** Per endpoint × class latency (report.json `tenants.by_class`). */
export interface ClassRow extends LatencyStats {
  endpoint: string;
  tenant_class: TenantClass;
  requests: number;
  /** The same over the healthy seconds only (what the skew comparison uses); null when none were left out. */
  healthy: LatencyStats | null;
}

const compare = (end: 'big' | 'small', group: string, cand: Sparse, ref: Sparse, t: AnalysisContext['t']): ClassComparison => {
  const c = latencyStats(cand);
  const r = latencyStats(ref);
  const base = {
    end, group, samples: cand.total, medianSamples: ref.total, p99Ms: c.p99_ms, medianP99Ms: r.p99_ms, p50Ms: c.p50_ms, medianP50Ms: r.p50_ms,
    p50Ratio: c.p50_ms !== null && r.p50_ms ? r3(c.p50_ms / r.p50_ms) : null,
  };
  if (cand.total < t.skewMinSamples || ref.total < t.skewMinSamples || c.p99_ms === null || r.p99_ms === null) {
    return { ...base, ratio: null, exceeding: 0, pValue: null, p50PValue: null, flagged: false, confidence: 'insufficient',
      note: `not enough samples to judge (${group}: ${cand.total}, median tenant class: ${ref.total}; need ${t.skewMinSamples} each)` };
  }
  const ratio = r.p99_ms > 0 ? c.p99_ms / r.p99_ms : Infinity;
  const exceeding = sparseCountAboveMs(cand, r.p99_ms);
  const pValue = binomialUpperTail(exceeding, cand.total, 0.01);
  // p99 many times the median tenant's; or, when queueing inflates every p99, the typical request (p50) many times slower.
  // Or: the typical request of the class (half of them) is slower than 99% of the median tenant's, and its p50 ≥ 2x.
  const byP99 = ratio >= t.skewRatio && c.p99_ms - r.p99_ms >= t.skewMinDeltaMs;
  const p50Delta = (c.p50_ms ?? 0) - (r.p50_ms ?? 0);
  const byP50 = (base.p50Ratio ?? 0) >= t.skewRatio && p50Delta >= t.skewMinDeltaMs;
  const byShare = exceeding >= 0.5 * cand.total && (base.p50Ratio ?? 0) >= t.skewRatio / 1.5 && p50Delta >= t.skewMinDeltaMs;
  // Each rule is tested on its own statistic: under queueing every p99 is inflated alike, the p50s are not.
  const p50PValue = r.p50_ms === null ? 1 : binomialUpperTail(sparseCountAboveMs(cand, r.p50_ms), cand.total, 0.5);
  const flagged = ((byP99 || byShare) && pValue < t.skewPValue) || (byP50 && Math.min(pValue, p50PValue) < t.skewPValue);
  const confident = cand.total >= t.skewConfidentSamples && ref.total >= t.skewConfidentSamples;
  return {
    ...base, ratio: r3(ratio), exceeding, pValue, p50PValue, flagged,
    confidence: confident ? 'high' : 'low',
    note: confident ? null : `low confidence: ${cand.total} samples in ${group}, ${ref.total} in the median class (${t.skewConfidentSamples} each make a stable p99)`,
  };
};

/**
 * Per-tenant stats for one endpoint from tenants.ndjson (tenants with enough
 * requests), whole-run and, where the tenant has windows and `healthy` is
 * given, over its healthy windows.
 */
export const tenantsOf = (records: readonly TenantRecord[], endpoint: string | null, minRequests: number, healthy: HealthyRange | null = null): NamedTenant[] => {
  const by = new Map<string, TenantRecord[]>();
  for (const r of records) if (endpoint === null || r.endpoint === endpoint) by.set(r.tenant, [...(by.get(r.tenant) ?? []), r]);
  const out: NamedTenant[] = [];
  for (const [tenant, rs] of by) {
    const requests = rs.reduce((s, r) => s + r.requests, 0);
    if (requests < minRequests) continue;
    const st = latencyStats(mergeSparse(rs.map((r) => decodeSparse(r.latency))));
    out.push({
      tenant, rows: rs[0]?.rows ?? null, tenant_class: rs[0]?.tenant_class ?? 'none', requests, errors: rs.reduce((s, r) => s + r.errors, 0),
      p50_ms: st.p50_ms, p99_ms: st.p99_ms, healthy: healthyOf(rs, healthy, minRequests),
    });
  }
  return out.sort((a, b) => (b.p99_ms ?? 0) - (a.p99_ms ?? 0));
};

/**
 * Which statistic a data-skew break quotes: its p99 ratio when that alone is
 * 3x or more, else the p50 ratio (the p50 rule fired where queueing inflated
 * every p99 alike).
 */
export const skewQuotesP99 = (p99Ratio: number | null): boolean => (p99Ratio ?? 0) >= 3;

/**
 * What a named tenant's latency in a summary is measured over: its healthy
 * windows when the run had unhealthy spans and the tenant has them, else the
 * whole run (said so when part of the run was unhealthy).
 */
const quotedLatency = (n: NamedTenant, unhealthyRun: boolean): { p50_ms: number | null; p99_ms: number | null; over: 'healthy' | 'whole-run' } =>
  unhealthyRun && n.healthy !== null ? { ...n.healthy, over: 'healthy' } : { p50_ms: n.p50_ms, p99_ms: n.p99_ms, over: 'whole-run' };

/**
 * The named tenants of a summary with the label before them: on a run with
 * unhealthy spans the big end is "biggest" (named by rows), each tenant's
 * latency over its healthy windows where it has them, else marked "whole run".
 */
const namesOf = (cmp: ClassComparison, named: NamedTenant[], unhealthyRun: boolean): string => {
  const shown = named.slice(0, 3).map((n) => ({ n, q: quotedLatency(n, unhealthyRun) }));
  if (shown.length === 0) return '';
  const healthy = shown.filter((x) => x.q.over === 'healthy').length;
  const one = ({ n, q }: (typeof shown)[number]): string =>
    `${n.tenant} (${fmtCount(n.rows)} rows, ${unhealthyRun ? `p50 ${fmtMs(q.p50_ms)}, ` : ''}p99 ${fmtMs(q.p99_ms)}${unhealthyRun && healthy > 0 && q.over === 'whole-run' ? ', whole run' : ''})`;
  const label = !unhealthyRun || cmp.end !== 'big' ? 'slowest'
    : healthy === shown.length ? 'biggest (latency over the healthy seconds)'
      : healthy === 0 ? 'biggest (latency over the whole run)' : 'biggest (latency over the healthy seconds unless marked)';
  return `; ${label}: ${shown.map(one).join(', ')}`;
};

const summaryOf = (endpoint: string, cmp: ClassComparison, named: NamedTenant[], unhealthyRun: boolean): string => {
  const who = cmp.end === 'big' ? (cmp.group === 'top1' ? 'the biggest 1% of tenants' : 'the biggest 10% of tenants') : 'tenants with no rows';
  const action = cmp.end === 'big'
    ? 'check the plan of its query for a large tenant (an index leading with tenant_id, LIMIT/pagination, or per-tenant caching)'
    : "run EXPLAIN with an empty tenant's id: the planner may walk the wrong index (the ORDER BY column's, under a LIMIT) for tenants outside its statistics";
  const conf = cmp.confidence === 'low' ? ` (${cmp.note ?? 'low confidence'})` : '';
  const numbers = skewQuotesP99(cmp.ratio)
    ? `p99 ${fmtMs(cmp.p99Ms)} vs ${fmtMs(cmp.medianP99Ms)} for the median tenant (${fmtX(cmp.ratio)})`
    : `p50 ${fmtMs(cmp.p50Ms)} vs ${fmtMs(cmp.medianP50Ms)} for the median tenant (${fmtX(cmp.p50Ratio)}; p99 ${fmtMs(cmp.p99Ms)} vs ${fmtMs(cmp.medianP99Ms)}, where queueing hides the difference)`;
  return `${endpoint} is slow for ${who}: ${numbers}${namesOf(cmp, named, unhealthyRun)}${conf}; ${action}.`;
};

export interface SkewOutput {
  breaks: DataSkewBreak[];
  byClass: ClassRow[];
  analysis: Record<string, unknown>[];
}

/** A window is healthy when it lies within the run and overlaps no unhealthy span. */
export const healthyRange = (unhealthy: readonly Span[], lengthS: number): HealthyRange => (fromS, toS) =>
  fromS < lengthS && !unhealthy.some((u) => Math.min(toS, lengthS) > u.fromS && fromS < u.toS);

/** Runs the skew detector on every endpoint. `unhealthy` spans are left out when enough samples remain. */
export const detectSkew = (ctx: AnalysisContext, unhealthy: readonly Span[]): SkewOutput => {
  const out: SkewOutput = { breaks: [], byClass: [], analysis: [] };
  const { t } = ctx;
  const inHealthy = healthyRange(unhealthy, ctx.length);
  const healthy = (s: number): boolean => inHealthy(s, s + 1);
  for (const endpoint of ctx.series.endpoints) {
    const classes = ctx.series.byClass.get(endpoint) ?? new Map<TenantClass, Series>();
    const anyUnhealthy = unhealthy.length > 0;
    for (const [cls, s] of classes) {
      const whole = latencyStats(mergeSparse(s.lat));
      const healthyStats = anyUnhealthy ? latencyStats(rangeLatency(s, 0, ctx.length, healthy)) : null;
      out.byClass.push({ endpoint, tenant_class: cls, requests: s.sent.reduce((a, b) => a + b, 0), ...whole, healthy: healthyStats });
    }
    const latOf = (cls: TenantClass): Sparse => {
      const s = classes.get(cls);
      if (s === undefined) return mergeSparse([]);
      const h = rangeLatency(s, 0, ctx.length, healthy);
      return h.total >= t.skewMinSamples ? h : mergeSparse(s.lat);
    };
    const rest = latOf('rest');
    const top1 = latOf('top1');
    const top10 = latOf('top10');
    const empty = latOf('empty');
    const comparisons: ClassComparison[] = [];
    if (rest.total === 0) {
      out.analysis.push({ endpoint, note: classes.size === 0 || [...classes.keys()].every((c) => c === 'none') ? 'requests name no tenant' : 'no requests from median-size tenants (class rest)' });
      continue;
    }
    const big1 = compare('big', 'top1', top1, rest, t);
    comparisons.push(big1);
    if (!big1.flagged && top10.total > 0) comparisons.push(compare('big', 'top1+top10', mergeSparse([top1, top10]), rest, t));
    if (empty.total > 0) comparisons.push(compare('small', 'empty', empty, rest, t));
    const tenants = tenantsOf(ctx.run.tenants, endpoint, t.tenantMinRequests, inHealthy);
    const withRows = tenants.filter((x) => x.rows !== null && x.p99_ms !== null);
    const rho = spearman(withRows.map((x) => Math.log1p(x.rows ?? 0)), withRows.map((x) => x.p99_ms ?? 0));
    out.analysis.push({ endpoint, comparisons, spearman_rows_p99: r3(rho), tenants_tracked: tenants.length });
    for (const cmp of comparisons.filter((c) => c.flagged)) {
      const classesOf: string[] = cmp.end === 'big' ? cmp.group.split('+') : ['empty', 'rest'];
      const inGroup = tenants.filter((x) => classesOf.includes(x.tenant_class));
      const medianRows = median(tenants.map((x) => x.rows));
      // Per-tenant latency is whole-run: when part of the run was unhealthy (saturated, cold), a tenant's p99 says more about
      // when its requests came than about its size, so the big end is named by rows instead.
      const big = unhealthy.length > 0 ? [...inGroup].sort((a, b) => (b.rows ?? 0) - (a.rows ?? 0)) : inGroup;
      const named = (cmp.end === 'small' ? inGroup.filter((x) => medianRows === null || (x.rows ?? 0) <= medianRows) : big).slice(0, 5);
      out.breaks.push({
        kind: 'data-skew',
        endpoint,
        t_s: null,
        offered_rps: null,
        summary: summaryOf(endpoint, cmp, named, unhealthy.length > 0),
        evidence: {
          end: cmp.end,
          class: cmp.group,
          tenants: named.map((n) => {
            const q = quotedLatency(n, unhealthy.length > 0);
            return { tenant: n.tenant, rows: n.rows, requests: q.over === 'healthy' ? (n.healthy?.requests ?? n.requests) : n.requests, p50_ms: q.p50_ms, p99_ms: q.p99_ms, latency_over: q.over, tenant_class: n.tenant_class };
          }),
          big_p99_ms: cmp.end === 'big' ? cmp.p99Ms : latencyStats(top1.total > 0 ? top1 : top10).p99_ms,
          class_p99_ms: cmp.p99Ms,
          median_p99_ms: cmp.medianP99Ms,
          ratio: cmp.ratio,
          p50_ms: cmp.p50Ms,
          median_p50_ms: cmp.medianP50Ms,
          p50_ratio: cmp.p50Ratio,
          samples: cmp.samples,
          median_samples: cmp.medianSamples,
          requests_above_median_p99: cmp.exceeding,
          p_value: cmp.pValue,
          confidence: cmp.confidence,
          confidence_note: cmp.note,
          spearman_rows_p99: r3(rho),
        },
      });
    }
  }
  return out;
};
