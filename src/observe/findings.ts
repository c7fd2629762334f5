/**
 * What the observers' files say, for the report and the diagnosis: the pool
 * and pg_stat_activity series per second, the plans of the slowest
 * statements, the capacity sentence and the report's database section. Pure
 * functions over an `Observed` (observed.ts), plus async wrappers that take a
 * run directory. Plan regressions are in plan-changes.ts, the slow statements
 * of given windows in slow-queries.ts.
 */
import { inAny, type Span } from '../analyze/span.js';
import { poolSeries, type PoolSample } from '../analyze/detect/pool.js';
import type { PoolGauges } from '../scenario/scenario.js';
import { computeCapacity, type Capacity, type CapacitySecond } from './capacity.js';
import type { ActivityRecord, LogRecord, ObservedScrapeRecord, PlanRecord, StatementDelta, StatementsRecord } from './files.js';
import { loadObserved, type Observed } from './observed.js';
import { runDeltas, topStatements } from './statements.js';

export type { Capacity } from './capacity.js';
export * from './observed.js';
export * from './plan-changes.js';
export * from './slow-queries.js';

// ---------------------------------------------------------------- series per second

/** The pool gauges per second: the mean of the readings of the successful scrapes whose t_s falls in that second. */
export const poolPerSecond = (scrapes: readonly ObservedScrapeRecord[], pool: PoolGauges | null): PoolSample[] => {
  if (pool === null) return [];
  const by = new Map<number, PoolSample[]>();
  for (const p of poolSeries(pool, scrapes).samples) {
    const t = Math.floor(p.t_s);
    by.set(t, [...(by.get(t) ?? []), p]);
  }
  const mean = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  return [...by.entries()].sort((a, b) => a[0] - b[0])
    .map(([t_s, ps]) => ({ t_s, in_use: mean(ps.map((p) => p.in_use)), waiting: mean(ps.map((p) => p.waiting)), size: mean(ps.map((p) => p.size)) }));
};

/** Peaks of pg_stat_activity over the run (or over `windows` when given), with when they happened. */
export const activityPeaks = (activity: readonly ActivityRecord[], windows?: readonly Span[]): Record<'total' | 'active' | 'idle_in_transaction' | 'waiting_lock', { value: number; t_s: number }> | null => {
  const rs = activity.filter((a) => a.ok && (windows === undefined || inAny(a.t_s, windows)));
  if (rs.length === 0) return null;
  const peak = (k: 'total' | 'active' | 'idle_in_transaction' | 'waiting_lock'): { value: number; t_s: number } =>
    rs.reduce((best, r) => (r[k] > best.value ? { value: r[k], t_s: r.t_s } : best), { value: 0, t_s: rs[0]?.t_s ?? 0 });
  return { total: peak('total'), active: peak('active'), idle_in_transaction: peak('idle_in_transaction'), waiting_lock: peak('waiting_lock') };
};

// ---------------------------------------------------------------- plans of the slowest

/**
 * The latest plan per (query, bucket), re-checks without ANALYZE aside: the
 * slowest statements' plans first (by execution time), then the scenario's.
 * A critical query that was also among the slowest appears once (its end-of-run
 * `slowest` record, the latest).
 */
export const latestPlans = (plans: readonly PlanRecord[]): PlanRecord[] => {
  const by = new Map<string, PlanRecord>();
  for (const p of [...plans].sort((a, b) => a.t_s - b.t_s || (a.source === b.source ? 0 : a.source === 'slowest' ? 1 : -1))) {
    if (p.label === 'check' && !p.analyze) continue;
    by.set(`${p.query}\u0000${p.bucket}`, p);
  }
  return [...by.values()].sort((a, b) => (a.source === b.source ? (b.execution_ms ?? -1) - (a.execution_ms ?? -1) : a.source === 'slowest' ? -1 : 1));
};

// ---------------------------------------------------------------- capacity

/**
 * The pool gauges' names and how to read them: scraped gauges are one
 * instance's; a Prometheus server's are the whole service's (summed over its
 * series), so they are divided by the instance count, which is the number of
 * distinct `instance` labels the results carried (else `--instances`).
 */
export const poolSource = (o: Observed, instances?: number): { pool: PoolGauges | null; instances: number; perInstance: number } => {
  const server = o.meta?.prometheus_server ?? null;
  if (server != null) {
    const n = instances ?? (server.instances !== null && server.instances.length > 0 ? server.instances.length : o.meta?.instances ?? 1);
    return { pool: server.pool, instances: n, perInstance: 1 / n };
  }
  return { pool: o.meta?.prometheus?.pool ?? null, instances: instances ?? o.meta?.instances ?? 1, perInstance: 1 };
};

/** Capacity from the loaded files; `instances` overrides the run's `--instances` (and a Prometheus server's instance count). */
export const capacityFrom = (o: Observed, instances?: number): Capacity | null => {
  const src = poolSource(o, instances);
  const scale = (x: number | null | undefined): number | null => (x == null ? null : x * src.perInstance);
  const pool = poolPerSecond(o.scrapes, src.pool);
  const poolAt = new Map(pool.map((p) => [p.t_s, p]));
  const dbAt = new Map<number, number[]>();
  for (const a of o.activity) {
    if (!a.ok) continue;
    const t = Math.floor(a.t_s);
    dbAt.set(t, [...(dbAt.get(t) ?? []), a.active + a.idle_in_transaction]);
  }
  const seconds: CapacitySecond[] = o.offered.map((offeredRps, t_s) => {
    const p = poolAt.get(t_s);
    const db = dbAt.get(t_s);
    return {
      t_s, offeredRps, completedRps: o.completed[t_s] ?? 0,
      poolInUse: scale(p?.in_use), poolWaiting: scale(p?.waiting), poolSize: scale(p?.size),
      dbBusy: db === undefined ? null : db.reduce((s, x) => s + x, 0) / db.length,
    };
  });
  const deltas = runDeltas(o.statements.filter((r) => r.ok));
  return computeCapacity({
    seconds,
    statementsExecMs: deltas.length === 0 ? null : deltas.reduce((s, d) => s + d.total_exec_ms, 0),
    requests: o.completed.reduce((s, x) => s + x, 0),
    instances: src.instances,
    maxConnections: o.meta?.postgres?.max_connections ?? null,
  });
};

/** Capacity of a run directory (null when neither gauges nor PostgreSQL data can give a hold time). */
export const capacity = async (runDir: string, instances?: number): Promise<Capacity | null> => capacityFrom(await loadObserved(runDir), instances);

// ---------------------------------------------------------------- the report's database section

/** pg_stat_activity per second (the largest counts seen in that second), for charts beside latency. */
export const activityTimeline = (activity: readonly ActivityRecord[]): { t_s: number; total: number; active: number; idle_in_transaction: number; waiting_lock: number }[] => {
  const by = new Map<number, { t_s: number; total: number; active: number; idle_in_transaction: number; waiting_lock: number }>();
  for (const a of activity) {
    if (!a.ok) continue;
    const t = Math.floor(a.t_s);
    const r = by.get(t) ?? { t_s: t, total: 0, active: 0, idle_in_transaction: 0, waiting_lock: 0 };
    r.total = Math.max(r.total, a.total);
    r.active = Math.max(r.active, a.active);
    r.idle_in_transaction = Math.max(r.idle_in_transaction, a.idle_in_transaction);
    r.waiting_lock = Math.max(r.waiting_lock, a.waiting_lock);
    by.set(t, r);
  }
  return [...by.values()].sort((a, b) => a.t_s - b.t_s);
};

/** Database time per snapshot interval (ms of statement execution per second of the interval), with the statement that took most of it. */
export const statementsTimeline = (statements: readonly StatementsRecord[]): { from_s: number; to_s: number; exec_ms_per_s: number; calls_per_s: number; top_queryid: string | null }[] => {
  const ok = statements.filter((r) => r.ok).sort((a, b) => a.t_s - b.t_s);
  return ok.slice(1).map((r, i) => {
    const from = ok[i]?.t_s ?? 0;
    const dur = Math.max(1e-3, r.t_s - from);
    const exec = r.statements.reduce((x, d) => x + d.total_exec_ms, 0);
    const calls = r.statements.reduce((x, d) => x + d.calls, 0);
    return { from_s: from, to_s: r.t_s, exec_ms_per_s: Math.round((exec / dur) * 10) / 10, calls_per_s: Math.round((calls / dur) * 10) / 10, top_queryid: r.statements[0]?.queryid ?? null };
  });
};

/** One instance's pool as a Prometheus server reported it: the largest readings of its own series over the run. */
export interface InstancePool { instance: string; max_in_use: number | null; max_waiting: number | null; size: number | null }

/**
 * The per-instance pool series a Prometheus server's results carry (their
 * `instance` label), largest readings over the run; null without a server or
 * when the queries summed the instances away.
 */
export const poolByInstance = (o: Observed): InstancePool[] | null => {
  const pool = o.meta?.prometheus_server?.pool;
  if (pool == null) return null;
  const by = new Map<string, InstancePool>();
  const fields = [['in_use', 'max_in_use'], ['waiting', 'max_waiting'], ['size', 'size']] as const;
  for (const r of o.scrapes) {
    if (!r.ok) continue;
    for (const [key, v] of Object.entries(r.values)) {
      const instance = /[{,]instance="((?:[^"\\]|\\.)*)"/.exec(key)?.[1];
      const field = fields.find(([k]) => pool[k] !== undefined && key.startsWith(`${pool[k]}{`))?.[1];
      if (instance === undefined || field === undefined || !Number.isFinite(v)) continue;
      const row = by.get(instance) ?? { instance, max_in_use: null, max_waiting: null, size: null };
      row[field] = Math.max(row[field] ?? v, v);
      by.set(instance, row);
    }
  }
  return by.size === 0 ? null : [...by.values()].sort((a, b) => (a.instance < b.instance ? -1 : 1));
};

/** What report.json carries about the database (report.database): top statements, activity peaks and timelines, plans, log, warnings. */
export interface DatabaseSection {
  statements: { available: boolean; top_by_total: StatementDelta[]; top_by_mean: StatementDelta[]; dealloc: number | null; timeline: ReturnType<typeof statementsTimeline> };
  activity: ReturnType<typeof activityPeaks>;
  activity_timeline: ReturnType<typeof activityTimeline>;
  plans: Pick<PlanRecord, 'query' | 'queryid' | 'source' | 'bucket' | 'tenant' | 'tenant_rows' | 'ok' | 'error' | 'fingerprint' | 'shape' | 'tree' | 'execution_ms' | 'flags'>[];
  log: { entries: number; slowest: LogRecord[] };
  capacity: Capacity | null;
  /** Each instance's pool, when a Prometheus server gave per-instance series (observe.prometheus_server). */
  pool_instances: InstancePool[] | null;
  warnings: string[];
}

/** The database section of the report, or null when nothing was observed. */
export const databaseSection = (o: Observed, instances?: number): DatabaseSection | null => {
  if (o.meta === null && o.statements.length === 0 && o.activity.length === 0 && o.plans.length === 0 && o.scrapes.length === 0) return null;
  const ok = o.statements.filter((r) => r.ok);
  const top = topStatements(runDeltas(ok), 10);
  const deallocs = ok.map((r) => r.dealloc).filter((x): x is number => x !== null);
  return {
    statements: {
      available: ok.length > 1, top_by_total: top.byTotal, top_by_mean: top.byMean,
      dealloc: deallocs.length === 0 ? null : deallocs.reduce((a, b) => a + b, 0), timeline: statementsTimeline(ok),
    },
    activity: activityPeaks(o.activity),
    activity_timeline: activityTimeline(o.activity),
    plans: latestPlans(o.plans).map((p) => ({
      query: p.query, queryid: p.queryid, source: p.source, bucket: p.bucket, tenant: p.tenant, tenant_rows: p.tenant_rows, ok: p.ok, error: p.error,
      fingerprint: p.fingerprint, shape: p.shape, tree: p.tree, execution_ms: p.execution_ms, flags: p.flags,
    })),
    log: { entries: o.log.length, slowest: [...o.log].sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 10) },
    capacity: capacityFrom(o, instances),
    pool_instances: poolByInstance(o),
    warnings: [...(o.meta?.warnings ?? []), ...o.problems],
  };
};
