/**
 * pg_stat_statements: snapshots of the cumulative counters of the observed
 * database (PG13+ column names; PG12 `total_time` is read as exec time), and
 * the pure arithmetic on them: deltas between snapshots keyed on
 * (userid, queryid, toplevel) as docs/algorithms.md §9 says, the per-run sums, and the
 * top lists by total and by mean time. Only top-level statements are counted
 * (PG14+), so a function's inner statements are not counted twice, and the
 * observer's own statements (marked, see explain.ts) are left out.
 */
import type pg from 'pg';
import type { StatementDelta, StatementsRecord } from './files.js';
import { OBSERVER_MARK } from './explain.js';
import { round3 } from '../core/round.js';

/** Cumulative counters of one pg_stat_statements entry. */
export interface StatementCounters {
  /** `userid:queryid:toplevel`. */
  key: string;
  queryid: string;
  calls: number;
  total_exec_ms: number;
  total_plan_ms: number;
  rows: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_written: number;
}

export interface StatementsSnapshot {
  counters: Map<string, StatementCounters>;
  /** pg_stat_statements_info.dealloc (PG14+), else null. */
  dealloc: number | null;
  /** pg_stat_statements_info.stats_reset as text (PG14+), else null. */
  statsReset: string | null;
}

/** How to enable pg_stat_statements, for the warning when it is missing. */
export const ENABLE_STATEMENTS_HINT =
  "to enable it: add pg_stat_statements to shared_preload_libraries in postgresql.conf (shared_preload_libraries = 'pg_stat_statements'), restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in the observed database";

/** The snapshot query for a server version (`server_version_num`). */
export const snapshotSql = (versionNum: number): string => {
  const pg13 = versionNum >= 130000;
  const pg14 = versionNum >= 140000;
  return `${OBSERVER_MARK} SELECT userid::text || ':' || queryid::text || ':' || ${pg14 ? 'toplevel::text' : "'t'"} AS key, queryid::text AS queryid,
  calls, ${pg13 ? 'total_exec_time' : 'total_time'} AS total_exec, ${pg13 ? 'total_plan_time' : '0'} AS total_plan, rows,
  shared_blks_hit, shared_blks_read, temp_blks_written
FROM pg_stat_statements(false)
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL${pg14 ? ' AND toplevel' : ''}`;
};

/** Takes one snapshot (throws on SQL errors; the caller records them). */
export const takeSnapshot = async (client: pg.ClientBase, versionNum: number): Promise<StatementsSnapshot> => {
  const res = await client.query<Record<string, string | number>>(snapshotSql(versionNum));
  const counters = new Map<string, StatementCounters>();
  for (const r of res.rows) {
    const key = String(r.key);
    counters.set(key, {
      key, queryid: String(r.queryid), calls: Number(r.calls), total_exec_ms: Number(r.total_exec), total_plan_ms: Number(r.total_plan),
      rows: Number(r.rows), shared_blks_hit: Number(r.shared_blks_hit), shared_blks_read: Number(r.shared_blks_read), temp_blks_written: Number(r.temp_blks_written),
    });
  }
  let dealloc: number | null = null;
  let statsReset: string | null = null;
  if (versionNum >= 140000) {
    const info = await client.query<{ dealloc: string; stats_reset: string }>(`${OBSERVER_MARK} SELECT dealloc::text, stats_reset::text FROM pg_stat_statements_info`);
    dealloc = info.rows[0] === undefined ? null : Number(info.rows[0].dealloc);
    statsReset = info.rows[0]?.stats_reset ?? null;
  }
  return { counters, dealloc, statsReset };
};

/**
 * Query texts for queryids (normalised text from pg_stat_statements), at most
 * `maxChars` each. A statement the observer EXPLAIN ANALYZEs shares its queryid
 * with the application's (the nested execution, toplevel = false, carries the
 * EXPLAIN text with the observer's mark): the top-level entry's text is taken,
 * and a text without the mark before one with it.
 */
export const fetchTexts = async (client: pg.ClientBase, queryids: string[], versionNum: number, maxChars = 2000): Promise<Map<string, string>> => {
  const out = new Map<string, string>();
  if (queryids.length === 0) return out;
  const res = await client.query<{ queryid: string; query: string }>(
    `${OBSERVER_MARK} SELECT DISTINCT ON (queryid) queryid::text, left(query, ${maxChars}) AS query FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid = ANY($1::bigint[])
     ORDER BY queryid, ${versionNum >= 140000 ? 'toplevel DESC, ' : ''}(strpos(query, '${OBSERVER_MARK.replace(/'/g, "''")}') > 0)`,
    [queryids],
  );
  for (const r of res.rows) out.set(r.queryid, r.query);
  return out;
};

/**
 * The observer's own statements once PostgreSQL 18's pg_stat_statements has
 * stored their text without the leading mark (it keeps the statement from its
 * first token): its reads of the statistics views and of table sizes. An
 * application's own query of pg_stat_activity is left out with them.
 */
const OWN_STATEMENT = /\bFROM pg_stat_(?:statements|statements_info|activity)\b|^SELECT relname, max\(greatest\(reltuples, /;

/** True for the observer's own statements (left out of every delta). */
export const isObserverStatement = (text: string): boolean => text.includes(OBSERVER_MARK) || OWN_STATEMENT.test(text);

/**
 * Counter deltas from `prev` to `cur`, per queryid, for the statements that ran
 * in between (calls went up). An entry that is new, or whose calls went down
 * (evicted and back, or a reset), counts from zero. Texts come from `texts`
 * (queryid → text); ids in `ignore` are left out. Most total time first.
 */
export const diffSnapshots = (
  prev: StatementsSnapshot | null,
  cur: StatementsSnapshot,
  texts: ReadonlyMap<string, string>,
  ignore: ReadonlySet<string> = new Set(),
): StatementDelta[] => {
  const byQuery = new Map<string, StatementDelta>();
  for (const c of cur.counters.values()) {
    if (ignore.has(c.queryid)) continue;
    const p = prev?.counters.get(c.key);
    const base = p !== undefined && p.calls <= c.calls ? p : null;
    const calls = c.calls - (base?.calls ?? 0);
    if (calls <= 0) continue;
    const d = byQuery.get(c.queryid) ?? {
      queryid: c.queryid, query: texts.get(c.queryid) ?? '', calls: 0, total_exec_ms: 0, mean_exec_ms: 0,
      total_plan_ms: 0, rows: 0, shared_blks_hit: 0, shared_blks_read: 0, temp_blks_written: 0,
    };
    d.calls += calls;
    d.total_exec_ms += c.total_exec_ms - (base?.total_exec_ms ?? 0);
    d.total_plan_ms += c.total_plan_ms - (base?.total_plan_ms ?? 0);
    d.rows += c.rows - (base?.rows ?? 0);
    d.shared_blks_hit += c.shared_blks_hit - (base?.shared_blks_hit ?? 0);
    d.shared_blks_read += c.shared_blks_read - (base?.shared_blks_read ?? 0);
    d.temp_blks_written += c.temp_blks_written - (base?.temp_blks_written ?? 0);
    byQuery.set(c.queryid, d);
  }
  return [...byQuery.values()]
    .map((d) => ({ ...d, total_exec_ms: round3(d.total_exec_ms), total_plan_ms: round3(d.total_plan_ms), mean_exec_ms: round3(d.total_exec_ms / d.calls) }))
    .sort((a, b) => b.total_exec_ms - a.total_exec_ms);
};

/** Sums deltas (from several StatementsRecord lines) per queryid; means recomputed from the sums. */
export const sumDeltas = (deltas: Iterable<StatementDelta>): StatementDelta[] => {
  const by = new Map<string, StatementDelta>();
  for (const d of deltas) {
    const s = by.get(d.queryid);
    if (s === undefined) {
      by.set(d.queryid, { ...d });
      continue;
    }
    s.calls += d.calls;
    s.total_exec_ms += d.total_exec_ms;
    s.total_plan_ms += d.total_plan_ms;
    s.rows += d.rows;
    s.shared_blks_hit += d.shared_blks_hit;
    s.shared_blks_read += d.shared_blks_read;
    s.temp_blks_written += d.temp_blks_written;
    if (s.query === '') s.query = d.query;
  }
  return [...by.values()]
    .map((d) => ({ ...d, total_exec_ms: round3(d.total_exec_ms), total_plan_ms: round3(d.total_plan_ms), mean_exec_ms: d.calls > 0 ? round3(d.total_exec_ms / d.calls) : 0 }))
    .sort((a, b) => b.total_exec_ms - a.total_exec_ms);
};

/** The run's deltas: every line's statements summed. */
export const runDeltas = (records: readonly StatementsRecord[]): StatementDelta[] => sumDeltas(records.flatMap((r) => r.statements));

/** Top `n` by total time and by mean time (mean among statements called at least `minCalls` times). */
export const topStatements = (deltas: readonly StatementDelta[], n = 10, minCalls = 1): { byTotal: StatementDelta[]; byMean: StatementDelta[] } => ({
  byTotal: [...deltas].sort((a, b) => b.total_exec_ms - a.total_exec_ms).slice(0, n),
  byMean: deltas.filter((d) => d.calls >= minCalls).sort((a, b) => b.mean_exec_ms - a.mean_exec_ms).slice(0, n),
});
