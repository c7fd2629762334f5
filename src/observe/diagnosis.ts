/**
 * The observers' part of the report's diagnosis (its five steps, docs/report.md): step 2
 * (the slow queries in the degraded windows), step 5 (the plans of the slowest
 * queries, and plan changes), a note for step 3 (pg_stat_activity in those
 * windows and the capacity sentence), the `plan-regression` breaks and the
 * report's `database` section. Pure over `Observed`; extension.ts adapts it to
 * the analysis extension interface.
 */
import type { ReportBreak } from '../analyze/types.js';
import type { Capacity } from './capacity.js';
import type { LogRecord, PlanRecord } from './files.js';
import { spanText, type Span } from '../analyze/span.js';
import {
  activityPeaks, capacityFrom, databaseSection, harmlessPlanChanges, latestPlans, planRegressionBreaksFrom, slowQueriesFrom,
  type DatabaseSection, type Observed, type SlowQuery,
} from './findings.js';
import { ENABLE_STATEMENTS_HINT, runDeltas, topStatements } from './statements.js';
import { ENABLE_DIGESTS_HINT } from './mysql-stats.js';
import { fmtMs } from '../core/duration.js';
import { fmtInt } from '../core/numbers.js';

/** A diagnosis step as the observers fill it (the analysis adds step number, id and title). */
export interface StepFinding {
  status: 'found' | 'nothing' | 'not-observed';
  summary: string;
  details: unknown[];
  how_to_enable: string | null;
}

export interface ObserveDiagnosis {
  slowQueries: StepFinding | null;
  plans: StepFinding | null;
  /** A sentence to add to the pool step: pg_stat_activity in the degraded windows, and the capacity estimate. */
  poolNote: string | null;
  breaks: ReportBreak[];
  database: DatabaseSection | null;
  capacity: Capacity | null;
}

/** A statement in one short line: a long select list becomes `…` so the FROM and WHERE stay visible. */
export const shortSql = (sql: string, max = 110): string => {
  let s = sql.replace(/\s+/g, ' ').trim();
  if (s.length > max) s = s.replace(/^(SELECT)\s+(?:DISTINCT\s+)?.+?\s+(FROM\s)/i, '$1 … $2');
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
};
const short = shortSql;
const ms = fmtMs;
const n0 = fmtInt;

const describeSlow = (q: SlowQuery): string =>
  `\`${short(q.query)}\` took ${Math.round(q.share * 100)}% of the database time there: ${n0(q.calls)} calls, mean ${ms(q.mean_exec_ms)}` +
  (q.mean_outside_ms === null ? ' (it did not run outside them)' : ` (${ms(q.mean_outside_ms)} outside them)`);

/** Steps 2 and 5 when the run knew why it had no PostgreSQL to observe (the demo on PGlite); null otherwise (the generic hint). */
const offFinding = (o: Observed): StepFinding | null => (o.meta?.postgres_off === undefined ? null : {
  status: 'not-observed', summary: `Not observed: ${o.meta.postgres_off}.`, details: [], how_to_enable: null,
});

/** The observed database's statement source (PostgreSQL's, else MySQL's observer), or null when neither observer was on. */
const observedDatabase = (o: Observed): { statements: boolean; off: string; hint: string } | null => {
  if (o.meta?.postgres != null) return { statements: o.meta.postgres.statements, off: 'pg_stat_statements was not available', hint: ENABLE_STATEMENTS_HINT };
  if (o.meta?.mysql != null) return { statements: o.meta.mysql.statements, off: 'performance_schema statement digests were not available', hint: ENABLE_DIGESTS_HINT };
  return null;
};

/** Step 2: the statements that ran in the degraded windows, compared with the rest of the run. */
export const slowQueriesFinding = (o: Observed, spans: readonly Span[]): StepFinding | null => {
  const db = observedDatabase(o);
  if (db === null) return offFinding(o);
  if (!db.statements) {
    return { status: 'not-observed', summary: `${db.off} on the observed database, so statement times were not recorded.`, details: [], how_to_enable: db.hint };
  }
  if (spans.length === 0) {
    const top = topStatements(runDeltas(o.statements.filter((r) => r.ok)), 3).byTotal;
    const first = top[0];
    return {
      status: 'nothing',
      summary: first === undefined
        ? 'No degraded windows, and no statements were recorded.'
        : `No degraded windows. Over the whole run the most database time went to \`${short(first.query)}\` (${n0(first.calls)} calls, mean ${ms(first.mean_exec_ms)}).`,
      details: top,
      how_to_enable: null,
    };
  }
  const r = slowQueriesFrom(o, spans);
  const logs: LogRecord[] = r.log;
  const logText = logs.length === 0 ? '' : ` The server log has ${logs.length} slow entr${logs.length === 1 ? 'y' : 'ies'} in them (slowest ${ms(logs[0]?.duration_ms ?? null)}).`;
  const first = r.statements[0];
  if (first === undefined) {
    return { status: 'nothing', summary: `No statements ran in the degraded windows (${spanText(spans)}).${logText}`, details: logs, how_to_enable: null };
  }
  const more = r.statements.length > 1 ? ` Next: ${r.statements.slice(1, 3).map((q) => `\`${short(q.query, 60)}\` (mean ${ms(q.mean_exec_ms)})`).join(', ')}.` : '';
  const covered = r.covered === null ? '' : ` (statement snapshots ${spanText([r.covered])})`;
  return {
    status: 'found',
    summary: `In the degraded windows (${spanText(spans)})${covered}, ${describeSlow(first)}.${more}${logText}`,
    details: [...r.statements, ...logs],
    how_to_enable: null,
  };
};

const planText = (p: Pick<PlanRecord, 'query' | 'bucket' | 'tenant' | 'shape' | 'execution_ms' | 'flags'>): string =>
  `${p.query}${p.bucket === 'fixed' ? '' : ` (${p.bucket} tenant${p.tenant === null ? '' : ` ${p.tenant}`})`}: ${p.shape ?? '?'}` +
  (p.execution_ms === null ? '' : `, ${ms(p.execution_ms)}`) +
  // A misestimate carries up the tree unchanged (Aggregate ← Sort ← Scan, each "estimated 105, got 0"): said once.
  (p.flags.length === 0 ? '' : ` — ${[...new Set(p.flags.map((f) => f.message))].join('; ')}`);

/** Step 5: plan changes during the run, then the plans of the slowest statements and of the critical queries, with their flags. */
export const plansFinding = (o: Observed): StepFinding | null => {
  if (observedDatabase(o) === null) return offFinding(o);
  const regressions = planRegressionBreaksFrom(o);
  const latest = latestPlans(o.plans);
  const ok = latest.filter((p) => p.ok);
  if (regressions.length === 0 && ok.length === 0) {
    const why = latest.find((p) => p.error !== null)?.error;
    return {
      status: 'not-observed',
      summary: `No plans were captured${why === undefined ? '' : ` (${why})`}.`,
      details: latest,
      how_to_enable: 'list the critical queries under `plans:` in the scenario (SQL with params such as "{tenant}"); the slowest statements are EXPLAINed when their parameters are known',
    };
  }
  const flagged = ok.filter((p) => p.flags.length > 0);
  const harmless = harmlessPlanChanges(o.plans).map((g) => {
    const c = g[0];
    return c === undefined ? '' : ` The plan of ${c.query} also changed at ${Math.round(c.first_after_s)} s (${g.map((x) => x.bucket).join(', ')}) but was not slower (${ms(c.before.execution_ms)} → ${ms(c.after.execution_ms)}).`;
  }).join('');
  const details = [
    ...regressions.map((b) => ({ kind: 'plan-regression', ...b.evidence })),
    ...ok.map((p) => ({ query: p.query, source: p.source, bucket: p.bucket, tenant: p.tenant, tenant_rows: p.tenant_rows, shape: p.shape, tree: p.tree, execution_ms: p.execution_ms, flags: p.flags })),
  ];
  if (regressions.length > 0) {
    const rest = flagged.length > 0 ? ` Also flagged: ${flagged.slice(0, 2).map(planText).join('; ')}.` : '';
    return { status: 'found', summary: `${regressions.map((b) => b.summary).join(' ')}${rest}${harmless}`, details, how_to_enable: null };
  }
  if (flagged.length > 0) {
    return { status: 'found', summary: `${flagged.slice(0, 3).map(planText).join('; ')}.${harmless}`, details, how_to_enable: null };
  }
  return { status: 'nothing', summary: `No plan got slower and none was flagged: ${ok.slice(0, 3).map(planText).join('; ')}.${harmless}`, details, how_to_enable: null };
};

/** The note for step 3: what pg_stat_activity saw in the degraded windows, and the capacity sentence. */
export const poolNote = (o: Observed, spans: readonly Span[], cap: Capacity | null): string | null => {
  const parts: string[] = [];
  const peaks = activityPeaks(o.activity, spans.length > 0 ? spans : undefined);
  if (peaks !== null) {
    parts.push(`pg_stat_activity ${spans.length > 0 ? 'in those windows' : 'during the run'}: up to ${peaks.active.value} active, ${peaks.idle_in_transaction.value} idle in transaction and ${peaks.waiting_lock.value} waiting on locks (${peaks.total.value} connections).`);
  }
  if (cap !== null) parts.push(cap.sentence);
  return parts.length === 0 ? null : parts.join(' ');
};

/** Everything the observers add to a report. `instances` overrides the run's `--instances`. */
export const observeDiagnosis = (o: Observed, spans: readonly Span[], instances?: number): ObserveDiagnosis => {
  const capacity = capacityFrom(o, instances);
  return {
    slowQueries: slowQueriesFinding(o, spans),
    plans: plansFinding(o),
    poolNote: poolNote(o, spans, capacity),
    breaks: planRegressionBreaksFrom(o),
    database: databaseSection(o, instances),
    capacity,
  };
};
