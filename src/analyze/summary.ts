/**
 * The descriptive part of report.json, folded from the run's series: summary,
 * per-endpoint percentiles, the per-second timeline (overall and per
 * endpoint), events and the slowest tenants. Pure.
 */
import type { EventRecord, TenantRecord } from '../run/format.js';
import type { AnalysisContext } from './context.js';
import { latencyStats, mergeSparse } from './hist.js';
import type { Series } from './series.js';
import { tenantsOf, type HealthyRange } from './detect/skew.js';
import { r2 } from '../core/round.js';
import type { ReportEndpoint, ReportEndpointTimeline, ReportEvent, ReportSummary, ReportTenant, ReportTimelineRow } from './types.js';

import { sum } from "./util.js";

/** One row per second of the run, in order; seconds with no activity have zero counts and null percentiles. */
export const buildTimeline = (ctx: AnalysisContext): ReportTimelineRow[] => {
  const o = ctx.series.overall;
  return o.lat.map((lat, t_s) => {
    const st = latencyStats(lat);
    return {
      t_s,
      offered_rps: o.offered[t_s] ?? 0,
      achieved_rps: o.okIn[t_s] ?? 0,
      p50_ms: st.p50_ms, p95_ms: st.p95_ms, p99_ms: st.p99_ms,
      errors: o.errors[t_s] ?? 0,
      sent: o.sent[t_s] ?? 0,
      dropped: o.dropped[t_s] ?? 0,
      completed_rps: o.completedIn[t_s] ?? 0,
    };
  });
};

/** Columnar per-second series of one endpoint (report.json `endpoint_timeline`). */
export const buildEndpointTimeline = (s: Series): ReportEndpointTimeline => {
  const stats = s.lat.map(latencyStats);
  return {
    offered_rps: s.offered, achieved_rps: s.okIn,
    p50_ms: stats.map((x) => x.p50_ms), p95_ms: stats.map((x) => x.p95_ms), p99_ms: stats.map((x) => x.p99_ms),
    errors: s.errors,
  };
};

export const buildSummary = (ctx: AnalysisContext): ReportSummary => {
  const o = ctx.series.overall;
  const d = ctx.run.meta.duration_s;
  const st = latencyStats(mergeSparse(o.lat));
  return {
    requests: sum(o.sent),
    errors: sum(o.errors),
    dropped: sum(o.dropped),
    duration_s: Math.round(d * 1000) / 1000,
    offered_rps: d > 0 ? (r2(sum(o.offered) / d) ?? 0) : 0,
    achieved_rps: d > 0 ? (r2(sum(o.okIn) / d) ?? 0) : 0,
    completed: sum(o.completed),
    p50_ms: st.p50_ms, p95_ms: st.p95_ms, p99_ms: st.p99_ms, max_ms: st.max_ms,
    error_rate: sum(o.completed) > 0 ? Math.round((sum(o.errors) / sum(o.completed)) * 1e6) / 1e6 : 0,
    aborted: sum(o.errorsByClass.map((c) => c.aborted ?? 0)),
    interrupted: ctx.run.meta.interrupted,
    interrupt_reason: ctx.run.meta.interrupted ? ctx.run.meta.interrupt_reason : null,
    lag_ms: ctx.run.meta.lag_ms,
  };
};

export const buildEndpoints = (ctx: AnalysisContext): ReportEndpoint[] =>
  ctx.series.endpoints.map((name) => {
    const s = ctx.series.byEndpoint.get(name);
    if (s === undefined) return { name, requests: 0, errors: 0, p50_ms: null, p95_ms: null, p99_ms: null, max_ms: null };
    const st = latencyStats(mergeSparse(s.lat));
    const errorsByClass: Record<string, number> = {};
    for (const byClass of s.errorsByClass) for (const [k, v] of Object.entries(byClass)) errorsByClass[k] = (errorsByClass[k] ?? 0) + (v ?? 0);
    const d = ctx.run.meta.duration_s;
    return {
      name,
      requests: sum(s.sent),
      errors: sum(s.errors),
      p50_ms: st.p50_ms, p95_ms: st.p95_ms, p99_ms: st.p99_ms, max_ms: st.max_ms,
      offered_rps: d > 0 ? r2(sum(s.offered) / d) : 0,
      achieved_rps: d > 0 ? r2(sum(s.okIn) / d) : 0,
      dropped: sum(s.dropped),
      errors_by_class: errorsByClass,
    };
  });

export const buildEvents = (events: EventRecord[]): ReportEvent[] =>
  events.map((e) => ({
    t_s: Math.round(e.t_s * 1000) / 1000,
    action: e.action,
    ok: e.ok,
    kind: e.kind,
    duration_ms: Math.round(e.end_ms - e.start_ms),
    status: e.status,
    error: e.error,
  }));

/**
 * The slowest tenants over all endpoints: highest whole-run p99 among tenants
 * with at least `minRequests` requests (a p99 of fewer means little), at most
 * `limit`. Where a tenant has windows and `healthy` is given, `healthy`
 * carries its latency over the healthy windows too (null otherwise).
 */
export const slowestTenants = (records: TenantRecord[], limit = 10, minRequests = 20, healthy: HealthyRange | null = null): ReportTenant[] =>
  tenantsOf(records, null, minRequests, healthy).slice(0, limit).map((t) => ({
    tenant: t.tenant, rows: t.rows, requests: t.requests, p99_ms: t.p99_ms, p50_ms: t.p50_ms, errors: t.errors, tenant_class: t.tenant_class,
    healthy: t.healthy,
  }));
