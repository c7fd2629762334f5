/**
 * Plan changes from the observer's plans.ndjson, and the ones that are
 * regressions (`plan-regression` breaks): a query whose plan shape changed
 * between captures and got slower by rows examined or time, grouped per query,
 * its cause the event just before it when there is one.
 */
import type { PlanRegressionBreak } from '../analyze/breaks.js';
import type { EventRecord } from '../run/format.js';
import type { PlanRecord } from './files.js';
import { loadObserved, type Observed } from './observed.js';
import { round3 } from '../core/round.js';
import { fmtMs } from '../core/duration.js';
import { fmtInt } from '../core/numbers.js';

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
    const who = c.bucket === 'fixed' ? '' : ` for the ${c.bucket} tenant${c.tenant === null ? '' : ` (${c.tenant}${c.tenant_rows === null ? '' : `, ${fmtInt(c.tenant_rows)} rows`})`}`;
    const others = g.length > 1 ? ` (also ${g.slice(1).map((x) => x.bucket).join(', ')})` : '';
    const timing = (c.before.execution_ms !== null && c.after.execution_ms !== null ? `; execution ${fmtMs(c.before.execution_ms)} → ${fmtMs(c.after.execution_ms)}` : '')
      + (c.before.rows_examined != null && c.after.rows_examined != null ? `, ${fmtInt(c.before.rows_examined)} → ${fmtInt(c.after.rows_examined)} rows examined` : '');
    const when = cause === null ? `at ${Math.round(c.first_after_s)} s` : `after the ${cause.action} event at ${Math.round(cause.t_s)} s`;
    return {
      kind: 'plan-regression' as const,
      endpoint: null,
      t_s: round3(t_s),
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

