/**
 * Running EXPLAIN safely. Every statement first passes the read-only guard
 * (sql-guard.ts); it then runs inside `BEGIN READ ONLY` with a statement and a
 * lock timeout, and the transaction is always rolled back, so even a statement
 * the guard misjudged cannot change anything that a read-only transaction
 * protects. Parameters go through the extended protocol (`$1` bound values),
 * which gives the custom plan for those values (what a driver's unnamed
 * statement gets).
 */
import type pg from 'pg';
import { ProdshapeError, errorMessage } from '../core/errors.js';
import { redact } from '../core/secrets.js';
import type { PlanRecord } from './files.js';
import { planRelations, summarisePlan } from './fingerprint.js';
import type { PlanTarget } from './params.js';
import { checkReadOnly } from './sql-guard.js';

/** Marks the observer's own statements, so pg_stat_statements deltas can leave them out. */
export const OBSERVER_MARK = '/* prodshape-observer */';

/** `application_name` of the observer's connections (left out of pg_stat_activity counts). */
export const OBSERVER_APP = 'prodshape-observer';

export interface ExplainOptions {
  /** EXPLAIN ANALYZE (executes the statement) with BUFFERS; plain EXPLAIN otherwise. */
  analyze: boolean;
  /** statement_timeout for the EXPLAIN, ms (default 30 s). */
  timeoutMs?: number;
  /** lock_timeout, ms (default 2 s): a migration holding a lock must not stall the observer. */
  lockTimeoutMs?: number;
  /**
   * With ANALYZE, run it this many times and keep the fastest (default 1): the
   * first run warms the cache, so one sample can be far from the plan's cost.
   */
  best?: number;
}

/** Runs EXPLAIN (…, FORMAT JSON) on a read-only statement and returns the JSON; throws PS_EXPLAIN_REFUSED for anything else. */
export const runExplain = async (client: pg.ClientBase, sql: string, params: readonly unknown[], opts: ExplainOptions): Promise<unknown> => {
  const verdict = checkReadOnly(sql);
  if (!verdict.ok) {
    throw new ProdshapeError('PS_EXPLAIN_REFUSED', `not EXPLAINed: ${verdict.reason}`, {
      hint: 'prodshape only EXPLAINs single read-only SELECT statements',
    });
  }
  const body = sql.trim().replace(/;\s*$/, '');
  const options = opts.analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
  await client.query(`${OBSERVER_MARK} BEGIN READ ONLY`);
  try {
    await client.query(`${OBSERVER_MARK} SET LOCAL statement_timeout = ${Math.round(opts.timeoutMs ?? 30_000)}`);
    await client.query(`${OBSERVER_MARK} SET LOCAL lock_timeout = ${Math.round(opts.lockTimeoutMs ?? 2_000)}`);
    const res = await client.query<{ 'QUERY PLAN': unknown }>(`${OBSERVER_MARK} EXPLAIN (${options}) ${body}`, [...params]);
    const plan = res.rows[0]?.['QUERY PLAN'];
    return typeof plan === 'string' ? (JSON.parse(plan) as unknown) : plan;
  } finally {
    await client.query(`${OBSERVER_MARK} ROLLBACK`);
  }
};

/** Estimated rows of the named relations (pg_class.reltuples; -1 for never-analysed tables reads as 0). */
export const relationSizes = async (client: pg.ClientBase, names: string[]): Promise<Map<string, number>> => {
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  const res = await client.query<{ relname: string; rows: number }>(
    `${OBSERVER_MARK} SELECT relname, max(greatest(reltuples, 0))::float8 AS rows FROM pg_class WHERE relname = ANY($1) AND relkind IN ('r', 'p', 'm') GROUP BY relname`,
    [names],
  );
  for (const r of res.rows) out.set(r.relname, Number(r.rows));
  return out;
};

/** Where and why a plan record is taken. */
export interface PlanWhen {
  t_s: number;
  label: string;
  source: PlanRecord['source'];
  /** The record's `query` (defaults to the plan's name). */
  query?: string;
  queryid?: string | null;
}

/** EXPLAINs one plan target into a PlanRecord; failures become a record with `ok: false`. */
export const explainTarget = async (client: pg.ClientBase, target: PlanTarget, when: PlanWhen, opts: ExplainOptions): Promise<PlanRecord> => {
  const base = {
    t_s: when.t_s, label: when.label, source: when.source, query: when.query ?? target.plan.name, queryid: when.queryid ?? null,
    bucket: target.bucket, tenant: target.tenant?.id ?? null, tenant_rows: target.tenant?.rows ?? null, analyze: opts.analyze,
  };
  const failed = (error: string): PlanRecord => ({
    ...base, ok: false, error: redact(error), fingerprint: null, shape: null, tree: [], planning_ms: null, execution_ms: null, blocks: null, rows_examined: null, flags: [], plan: null,
  });
  if (target.error !== null) return failed(target.error);
  try {
    let json = await runExplain(client, target.plan.sql, target.params, opts);
    let first = summarisePlan(json);
    if (first === null) return failed('EXPLAIN returned no plan');
    for (let k = 1; opts.analyze && k < (opts.best ?? 1); k++) {
      const again = await runExplain(client, target.plan.sql, target.params, opts);
      const s2 = summarisePlan(again);
      if (s2 !== null && s2.fingerprint === first.fingerprint && (s2.executionMs ?? Infinity) < (first.executionMs ?? Infinity)) {
        json = again;
        first = s2;
      }
    }
    const sizes = await relationSizes(client, planRelations(first.root));
    const s = summarisePlan(json, sizes) ?? first;
    return {
      ...base, ok: true, error: null, fingerprint: s.fingerprint, shape: s.shape, tree: s.tree,
      planning_ms: s.planningMs, execution_ms: s.executionMs, blocks: s.blocks, rows_examined: s.rowsExamined, flags: s.flags, plan: opts.analyze ? s.root : null,
    };
  } catch (e) {
    return failed(errorMessage(e));
  }
};
