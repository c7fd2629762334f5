/**
 * What the observers' files say, for the report and the diagnosis: plan
 * regressions as `plan-regression` breaks, the slow statements of given
 * windows, the pool and pg_stat_activity series per second, the plans of the
 * slowest statements, and the capacity sentence. Pure functions over an
 * `Observed` (the files loaded once by `loadObserved`), plus async wrappers
 * that take a run directory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanRegressionBreak } from '../analyze/breaks.js';
import { RUN_FILES, readNdjson, type EventRecord, type WindowRecord } from '../run/index.js';
import { computeCapacity, type Capacity, type CapacitySecond } from './capacity.js';
import {
  OBSERVE_FILES, type ActivityRecord, type LogRecord, type ObservedScrapeRecord, type ObserveMeta, type PlanRecord,
  type StatementDelta, type StatementsRecord,
} from './files.js';
import { parseSelector } from './prometheus.js';
import { seriesName } from './prom-parse.js';
import { runDeltas, sumDeltas, topStatements } from './statements.js';

export type { Capacity } from './capacity.js';

/** The observe files of a run directory, loaded (missing files are empty). */
export interface Observed {
  meta: ObserveMeta | null;
  scrapes: ObservedScrapeRecord[];
  activity: ActivityRecord[];
  statements: StatementsRecord[];
  plans: PlanRecord[];
  log: LogRecord[];
  events: EventRecord[];
  /** Per second: offered arrivals and completed responses (from windows.ndjson). */
  offered: number[];
  completed: number[];
  /** Lines that could not be read. */
  problems: string[];
}

/**
 * Reads an NDJSON file of the run; a line that is not JSON (a run killed
 * mid-write) is skipped and reported in `problems`, so one torn line never
 * loses a report.
 */
const readAll = async <T>(dir: string, name: string, problems: string[]): Promise<T[]> => {
  const file = join(dir, name);
  if (!existsSync(file)) return [];
  const out: T[] = [];
  for await (const r of readNdjson<T>(file)) {
    if (r.error !== undefined) problems.push(`${name}:${r.line}: skipped a line that is not JSON (${r.error})`);
    else out.push(r.value as T);
  }
  return out;
};

/** Loads the observe files (and the windows' per-second counts) of a run directory. */
export const loadObserved = async (runDir: string): Promise<Observed> => {
  const metaFile = join(runDir, OBSERVE_FILES.meta);
  const problems: string[] = [];
  const windows = await readAll<WindowRecord>(runDir, RUN_FILES.windows, problems);
  const n = windows.reduce((m, w) => Math.max(m, w.t_s + 1), 0);
  const offered = new Array<number>(n).fill(0);
  const completed = new Array<number>(n).fill(0);
  for (const w of windows) {
    offered[w.t_s] = (offered[w.t_s] ?? 0) + w.offered;
    completed[w.t_s] = (completed[w.t_s] ?? 0) + w.completed_in_window;
  }
  let meta: ObserveMeta | null = null;
  if (existsSync(metaFile)) {
    try {
      meta = JSON.parse(await readFile(metaFile, 'utf8')) as ObserveMeta;
    } catch (e) {
      problems.push(`${OBSERVE_FILES.meta}: not valid JSON (${(e as Error).message})`);
    }
  }
  return {
    meta,
    scrapes: await readAll(runDir, OBSERVE_FILES.metrics, problems),
    activity: await readAll(runDir, OBSERVE_FILES.activity, problems),
    statements: await readAll(runDir, OBSERVE_FILES.statements, problems),
    plans: await readAll(runDir, OBSERVE_FILES.plans, problems),
    log: await readAll(runDir, OBSERVE_FILES.log, problems),
    events: await readAll(runDir, RUN_FILES.events, problems),
    offered,
    completed,
    problems,
  };
};

// ---------------------------------------------------------------- plan regressions

/** One plan change of a query in one bucket. */
export interface PlanChange {
  query: string;
  bucket: string;
  tenant: string | null;
  tenant_rows: number | null;
  /** Last time the old plan was seen and first time the new one was. */
  last_before_s: number;
  first_after_s: number;
  before: PlanRecord;
  after: PlanRecord;
}

/** Every fingerprint change of the scenario's plans over the run, in time order. */
export const planChanges = (plans: readonly PlanRecord[]): PlanChange[] => {
  const by = new Map<string, PlanRecord[]>();
  for (const p of plans) {
    if (p.source !== 'plans' || !p.ok || p.fingerprint === null) continue;
    const k = `${p.query}\u0000${p.bucket}`;
    by.set(k, [...(by.get(k) ?? []), p]);
  }
  const out: PlanChange[] = [];
  for (const recs of by.values()) {
    recs.sort((a, b) => a.t_s - b.t_s);
    let cur = recs[0];
    for (let i = 1; i < recs.length; i++) {
      const r = recs[i];
      if (cur === undefined || r === undefined) continue;
      if (r.fingerprint !== cur.fingerprint) {
        // Prefer an ANALYZE record of each plan for its timings.
        const before = [...recs.slice(0, i)].reverse().find((x) => x.fingerprint === cur?.fingerprint && x.analyze) ?? cur;
        const after = recs.slice(i).find((x) => x.fingerprint === r.fingerprint && x.analyze) ?? r;
        out.push({ query: r.query, bucket: r.bucket, tenant: r.tenant, tenant_rows: r.tenant_rows, last_before_s: recs[i - 1]?.t_s ?? cur.t_s, first_after_s: r.t_s, before, after });
        cur = r;
      } else cur = r;
    }
  }
  return out.sort((a, b) => a.first_after_s - b.first_after_s);
};

const BUCKET_ORDER = ['biggest', 'median', 'empty', 'fixed'];
const msText = (x: number | null): string => (x === null ? '?' : x >= 10 ? `${Math.round(x).toLocaleString('en-US')} ms` : `${x.toFixed(2)} ms`);

/** The event that most plausibly caused a change: the last one that ran between the last sighting of the old plan and the first of the new. */
const causeOf = (c: PlanChange, events: readonly EventRecord[]): EventRecord | null =>
  // An event that ran at any time between the last old plan and the first new one (a slow migration may
  // still be running when its ANALYZE has already flipped the plan), the latest such event first.
  [...events].filter((e) => e.start_ms / 1000 <= c.first_after_s + 0.5 && e.end_ms / 1000 >= c.last_before_s - 0.5).sort((a, b) => b.end_ms - a.end_ms)[0] ?? null;

/**
 * When a changed plan counts as slower: it examined at least 1.5x the rows and
 * 1,000 more (both plans EXPLAIN ANALYZEd), or it took at least 2x the time
 * and 5 ms more; without row counts, at least 1.5x the time and 1 ms more.
 */
export const SLOWER = { rowsRatio: 1.5, plusRows: 1000, timeRatio: 2, plusMs: 5, untimedRatio: 1.5, untimedPlusMs: 1 } as const;

/** True when the new plan does more work or takes clearly longer; null when neither was measured (plain EXPLAIN). */
export const changeIsSlower = (c: PlanChange): boolean | null => {
  const ra = c.before.rows_examined ?? null;
  const rb = c.after.rows_examined ?? null;
  const a = c.before.execution_ms;
  const b = c.after.execution_ms;
  if (ra !== null && rb !== null) {
    const moreRows = rb >= ra * SLOWER.rowsRatio && rb - ra >= SLOWER.plusRows;
    const moreTime = a !== null && b !== null && b >= a * SLOWER.timeRatio && b - a >= SLOWER.plusMs;
    return moreRows || moreTime;
  }
  if (a === null || b === null) return null;
  return b >= a * SLOWER.untimedRatio && b - a >= SLOWER.untimedPlusMs;
};

/** Plan changes grouped per query and moment (several buckets changing together are one change), worst bucket first. */
export const groupPlanChanges = (changes: readonly PlanChange[]): PlanChange[][] => {
  const groups: PlanChange[][] = [];
  for (const c of changes) {
    const g = groups.find((x) => x[0]?.query === c.query && Math.abs((x[0]?.first_after_s ?? 0) - c.first_after_s) <= 10);
    if (g) g.push(c);
    else groups.push([c]);
  }
  const rank = (c: PlanChange): number => (changeIsSlower(c) === true ? 0 : changeIsSlower(c) === null ? 1 : 2);
  for (const g of groups) g.sort((a, b) => rank(a) - rank(b) || BUCKET_ORDER.indexOf(a.bucket) - BUCKET_ORDER.indexOf(b.bucket));
  return groups;
};

/**
 * `plan-regression` breaks: one per query and change whose new plan is slower
 * in some bucket (or could not be timed), naming the buckets whose plan
 * changed, with the before/after shapes (one line each), fingerprints and
 * timings, and the event just before when there is one. `t_s` is that event's
 * time, else the moment the new plan was first seen. A change that made no
 * bucket slower is not a break (see `harmlessPlanChanges`).
 */
export const planRegressionBreaksFrom = (o: Pick<Observed, 'plans' | 'events'>): PlanRegressionBreak[] =>
  groupPlanChanges(planChanges(o.plans)).filter((g) => g.some((c) => changeIsSlower(c) !== false)).map((g) => {
    const c = g[0] as PlanChange;
    const cause = causeOf(c, o.events);
    const t_s = cause === null ? c.first_after_s : cause.t_s;
    const who = c.bucket === 'fixed' ? '' : ` for the ${c.bucket} tenant${c.tenant === null ? '' : ` (${c.tenant}${c.tenant_rows === null ? '' : `, ${c.tenant_rows.toLocaleString('en-US')} rows`})`}`;
    const others = g.length > 1 ? ` (also ${g.slice(1).map((x) => x.bucket).join(', ')})` : '';
    const timing = (c.before.execution_ms !== null && c.after.execution_ms !== null ? `; execution ${msText(c.before.execution_ms)} → ${msText(c.after.execution_ms)}` : '')
      + (c.before.rows_examined != null && c.after.rows_examined != null ? `, ${c.before.rows_examined.toLocaleString('en-US')} → ${c.after.rows_examined.toLocaleString('en-US')} rows examined` : '');
    const when = cause === null ? `at ${Math.round(c.first_after_s)} s` : `after the ${cause.action} event at ${Math.round(cause.t_s)} s`;
    return {
      kind: 'plan-regression' as const,
      endpoint: null,
      t_s: Math.round(t_s * 1000) / 1000,
      summary: `The plan of ${c.query}${who}${others} changed ${when}: ${c.before.shape ?? '?'} became ${c.after.shape ?? '?'}${timing}.`,
      evidence: {
        query: c.query,
        before: c.before.shape,
        after: c.after.shape,
        before_fingerprint: c.before.fingerprint,
        after_fingerprint: c.after.fingerprint,
        before_tree: c.before.tree,
        after_tree: c.after.tree,
        before_ms: c.before.execution_ms,
        after_ms: c.after.execution_ms,
        before_rows_examined: c.before.rows_examined ?? null,
        after_rows_examined: c.after.rows_examined ?? null,
        before_blocks: c.before.blocks ?? null,
        after_blocks: c.after.blocks ?? null,
        after_flags: c.after.flags,
        event: cause === null ? null : { action: cause.action, t_s: cause.t_s },
        last_before_s: c.last_before_s,
        first_after_s: c.first_after_s,
        buckets: g.map((x) => ({
          bucket: x.bucket, tenant: x.tenant, tenant_rows: x.tenant_rows, before: x.before.shape, after: x.after.shape,
          before_ms: x.before.execution_ms, after_ms: x.after.execution_ms, before_rows_examined: x.before.rows_examined ?? null, after_rows_examined: x.after.rows_examined ?? null, slower: changeIsSlower(x),
        })),
      },
    };
  });

/** Plan changes that made no bucket slower (reported in the plans step, not as breaks). */
export const harmlessPlanChanges = (plans: readonly PlanRecord[]): PlanChange[][] =>
  groupPlanChanges(planChanges(plans)).filter((g) => g.every((c) => changeIsSlower(c) === false));

/** `plan-regression` breaks of a run directory. */
export const planRegressionBreaks = async (runDir: string): Promise<PlanRegressionBreak[]> => planRegressionBreaksFrom(await loadObserved(runDir));

// ---------------------------------------------------------------- slow queries in windows

/** A span of the run, seconds [from_s, to_s). */
export interface Span { from_s: number; to_s: number }

export interface SlowQuery extends StatementDelta {
  /** Share of all statement time in the windows, 0..1. */
  share: number;
  /** Mean execution time outside the windows (null when it did not run there), ms. */
  mean_outside_ms: number | null;
  calls_outside: number;
}

export interface SlowQueries {
  /** False when the run has no pg_stat_statements data. */
  available: boolean;
  /** What the snapshots covered: statement deltas are per snapshot interval, so this is wider than the windows. */
  covered: Span | null;
  statements: SlowQuery[];
  /** Server-log entries (slow statements, auto_explain plans) inside the windows, slowest first. */
  log: LogRecord[];
}

const overlaps = (a: Span, spans: readonly Span[]): boolean => spans.some((s) => a.from_s < s.to_s && s.from_s < a.to_s);

/**
 * The statements that ran in the given windows (by the snapshot intervals that
 * overlap them), most total time first, each with its mean outside the
 * windows for comparison, and the server-log entries inside the windows.
 */
export const slowQueriesFrom = (o: Pick<Observed, 'statements' | 'log'>, windows: readonly Span[], limit = 5): SlowQueries => {
  const ok = o.statements.filter((r) => r.ok).sort((a, b) => a.t_s - b.t_s);
  const inside: StatementDelta[] = [];
  const outside: StatementDelta[] = [];
  let covered: Span | null = null;
  for (let i = 1; i < ok.length; i++) {
    const r = ok[i];
    const span = { from_s: ok[i - 1]?.t_s ?? 0, to_s: r?.t_s ?? 0 };
    if (r === undefined) continue;
    if (overlaps(span, windows)) {
      inside.push(...r.statements);
      covered = covered === null ? span : { from_s: Math.min(covered.from_s, span.from_s), to_s: Math.max(covered.to_s, span.to_s) };
    } else outside.push(...r.statements);
  }
  const ins = sumDeltas(inside);
  const outs = new Map(sumDeltas(outside).map((d) => [d.queryid, d]));
  const total = ins.reduce((s, d) => s + d.total_exec_ms, 0);
  const statements = ins.slice(0, limit).map((d) => {
    const out = outs.get(d.queryid);
    return { ...d, share: total > 0 ? Math.round((d.total_exec_ms / total) * 1000) / 1000 : 0, mean_outside_ms: out?.mean_exec_ms ?? null, calls_outside: out?.calls ?? 0 };
  });
  const log = o.log.filter((l) => windows.some((w) => l.t_s >= w.from_s && l.t_s < w.to_s)).sort((a, b) => b.duration_ms - a.duration_ms).slice(0, limit * 2);
  return { available: ok.length > 1, covered, statements, log };
};

/** Slow statements of a run directory's windows. */
export const slowQueriesIn = async (runDir: string, windows: readonly Span[], limit = 5): Promise<SlowQueries> => slowQueriesFrom(await loadObserved(runDir), windows, limit);

// ---------------------------------------------------------------- series per second

/** Sum of the scrape's values that a gauge selector (`name` or `name{…}`) matches. */
export const gaugeValue = (values: Record<string, number>, selector: string): number | null => {
  const sel = parseSelector(selector);
  let sum: number | null = null;
  for (const [k, v] of Object.entries(values)) {
    if (sel.key !== null ? k === sel.key : seriesName(k) === sel.name) sum = (sum ?? 0) + v;
  }
  return sum;
};

export interface PoolSecond { t_s: number; in_use: number | null; waiting: number | null; size: number | null }

/** The pool gauges per second (mean of the successful scrapes whose t_s falls in that second). */
export const poolSeries = (scrapes: readonly ObservedScrapeRecord[], pool: Record<string, string> | null): PoolSecond[] => {
  if (pool === null) return [];
  const by = new Map<number, Record<'in_use' | 'waiting' | 'size', number[]>>();
  for (const s of scrapes) {
    if (!s.ok) continue;
    const t = Math.floor(s.t_s);
    const row = by.get(t) ?? { in_use: [], waiting: [], size: [] };
    for (const k of ['in_use', 'waiting', 'size'] as const) {
      const name = pool[k];
      const v = name === undefined ? null : gaugeValue(s.values, name);
      if (v !== null) row[k].push(v);
    }
    by.set(t, row);
  }
  const mean = (xs: number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([t_s, r]) => ({ t_s, in_use: mean(r.in_use), waiting: mean(r.waiting), size: mean(r.size) }));
};

/** Peaks of pg_stat_activity over the run (or over `windows` when given), with when they happened. */
export const activityPeaks = (activity: readonly ActivityRecord[], windows?: readonly Span[]): Record<'total' | 'active' | 'idle_in_transaction' | 'waiting_lock', { value: number; t_s: number }> | null => {
  const rs = activity.filter((a) => a.ok && (windows === undefined || windows.some((w) => a.t_s >= w.from_s && a.t_s < w.to_s)));
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

/** Capacity from the loaded files; `instances` overrides the run's `--instances`. */
export const capacityFrom = (o: Observed, instances?: number): Capacity | null => {
  const pool = poolSeries(o.scrapes, o.meta?.prometheus?.pool ?? null);
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
      poolInUse: p?.in_use ?? null, poolWaiting: p?.waiting ?? null, poolSize: p?.size ?? null,
      dbBusy: db === undefined ? null : db.reduce((s, x) => s + x, 0) / db.length,
    };
  });
  const deltas = runDeltas(o.statements.filter((r) => r.ok));
  return computeCapacity({
    seconds,
    statementsExecMs: deltas.length === 0 ? null : deltas.reduce((s, d) => s + d.total_exec_ms, 0),
    requests: o.completed.reduce((s, x) => s + x, 0),
    instances: instances ?? o.meta?.instances ?? 1,
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

/** What report.json carries about the database (report.database): top statements, activity peaks and timelines, plans, log, warnings. */
export interface DatabaseSection {
  statements: { available: boolean; top_by_total: StatementDelta[]; top_by_mean: StatementDelta[]; dealloc: number | null; timeline: ReturnType<typeof statementsTimeline> };
  activity: ReturnType<typeof activityPeaks>;
  activity_timeline: ReturnType<typeof activityTimeline>;
  plans: Pick<PlanRecord, 'query' | 'queryid' | 'source' | 'bucket' | 'tenant' | 'tenant_rows' | 'ok' | 'error' | 'fingerprint' | 'shape' | 'tree' | 'execution_ms' | 'flags'>[];
  log: { entries: number; slowest: LogRecord[] };
  capacity: Capacity | null;
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
    warnings: [...(o.meta?.warnings ?? []), ...o.problems],
  };
};
