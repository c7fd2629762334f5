/**
 * The slowest statements inside given windows of the run (the degraded
 * ones), from pg_stat_statements snapshots (deltas between snapshots that
 * fall in a window against those outside) and the server's slow-query log.
 */
import { overlapsAny, inAny, type Span } from '../analyze/span.js';
import type { LogRecord, StatementDelta } from './files.js';
import { loadObserved, type Observed } from './observed.js';
import { sumDeltas } from './statements.js';

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
    const span = { fromS: ok[i - 1]?.t_s ?? 0, toS: r?.t_s ?? 0 };
    if (r === undefined) continue;
    if (overlapsAny(span, windows)) {
      inside.push(...r.statements);
      covered = covered === null ? span : { fromS: Math.min(covered.fromS, span.fromS), toS: Math.max(covered.toS, span.toS) };
    } else outside.push(...r.statements);
  }
  const ins = sumDeltas(inside);
  const outs = new Map(sumDeltas(outside).map((d) => [d.queryid, d]));
  const total = ins.reduce((s, d) => s + d.total_exec_ms, 0);
  const statements = ins.slice(0, limit).map((d) => {
    const out = outs.get(d.queryid);
    return { ...d, share: total > 0 ? Math.round((d.total_exec_ms / total) * 1000) / 1000 : 0, mean_outside_ms: out?.mean_exec_ms ?? null, calls_outside: out?.calls ?? 0 };
  });
  const log = o.log.filter((l) => inAny(l.t_s, windows)).sort((a, b) => b.duration_ms - a.duration_ms).slice(0, limit * 2);
  return { available: ok.length > 1, covered, statements, log };
};

/** Slow statements of a run directory's windows. */
export const slowQueriesIn = async (runDir: string, windows: readonly Span[], limit = 5): Promise<SlowQueries> => slowQueriesFrom(await loadObserved(runDir), windows, limit);

