/**
 * The observe stage's files in the run directory, beside `metrics.ndjson`
 * (src/run/format.ts `ScrapeRecord`). The `pg-` files are also what the
 * MySQL/MariaDB observer (`observe.mysql`, mysql.ts) writes, in the same
 * record forms (see mysql-stats.ts for how its counters map). Every file is optional: an observer that
 * is not configured writes nothing, and readers treat a missing file as "not
 * observed". Times are seconds since the run's time zero (`t_s`, fractional),
 * on the engine's clock. Everything written has passed through `redactDeep`.
 *
 *   metrics.ndjson        ScrapeRecord (+ `duration_ms`): one line per Prometheus scrape.
 *                         `values` keys are `name` or `name{label="v",…}` with labels sorted.
 *   promql.ndjson         ObservedScrapeRecord lines read from a Prometheus server with
 *                         query_range over the run's window, one per step (`duration_ms` 0).
 *   pg-activity.ndjson    ActivityRecord: one line per pg_stat_activity poll (each second):
 *                         client connections of the observed database by state, those
 *                         waiting on locks, and the same per application_name.
 *   pg-statements.ndjson  StatementsRecord: one line per pg_stat_statements snapshot
 *                         (`start`, every few seconds `tick`, `event:<action>` after each
 *                         profile event, `end`). Each line holds the **deltas since the
 *                         previous line** for the statements that ran in between (the
 *                         `start` line is the baseline and lists none). Summing the
 *                         lines gives the run's deltas; a line covers (previous t_s, t_s].
 *   pg-plans.ndjson       PlanRecord: one line per EXPLAIN: the scenario's `plans:` per
 *                         tenant-size bucket at `start`, after each event and at `end`
 *                         (with ANALYZE), cheap fingerprint re-checks in between (without
 *                         ANALYZE), and the slowest statements of the run at `end`.
 *   pg-log.ndjson         LogRecord: `log_min_duration_statement` and `auto_explain`
 *                         entries read from the server log (`observe.postgres.log`).
 *   observe.json          ObserveMeta: what was observed, with which settings (pool
 *                         gauge names, `--instances`, server version, max_connections)
 *                         and the warnings raised (missing extension, failed scrapes).
 */
import type { ScrapeRecord } from '../run/format.js';

export { OBSERVE_FILES } from '../run/format.js';

/** A Prometheus scrape as the observer writes it: the run format's record plus how long it took. */
export interface ObservedScrapeRecord extends ScrapeRecord {
  /** Wall time of the HTTP request, ms (t_s is its midpoint). */
  duration_ms: number;
}

/** Connection counts in one state breakdown. */
export interface ActivityCounts {
  /** Client backends (all states). */
  total: number;
  active: number;
  idle: number;
  /** `idle in transaction` and `idle in transaction (aborted)`: connections held by an open transaction. */
  idle_in_transaction: number;
  /** Backends whose `wait_event_type` is `Lock` (heavyweight lock waits). */
  waiting_lock: number;
}

export interface ActivityRecord extends ActivityCounts {
  t_s: number;
  ok: boolean;
  error: string | null;
  /** Longest-running active statement and open transaction, ms (0 when none). */
  max_active_ms: number;
  max_xact_ms: number;
  /** The same counts per `application_name` (`""` for unnamed clients). */
  by_application: Record<string, ActivityCounts>;
}

/** Per-statement counter deltas over one interval (PG13+ names; times in ms). */
export interface StatementDelta {
  /** pg_stat_statements queryid as a decimal string (bigint). */
  queryid: string;
  /** Normalised text (`$1` for constants), at most 2,000 characters. */
  query: string;
  calls: number;
  total_exec_ms: number;
  /** Mean over the interval's calls (total_exec_ms / calls). */
  mean_exec_ms: number;
  total_plan_ms: number;
  rows: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_written: number;
}

export interface StatementsRecord {
  t_s: number;
  /** `start`, `tick`, `event:<action>` or `end`. */
  label: string;
  ok: boolean;
  error: string | null;
  /** Entries evicted from pg_stat_statements since the previous line (`pg_stat_statements_info.dealloc`, PG14+), or null when unknown. */
  dealloc: number | null;
  /** True when the statistics were reset in between: the deltas are then counts since the reset. */
  reset: boolean;
  /** Statements that ran in (previous t_s, t_s], most total time first. */
  statements: StatementDelta[];
}

/** Tenant-size buckets a plan is fingerprinted for (docs/algorithms.md §9); `fixed` when the SQL names no tenant. */
export const PLAN_BUCKETS = ['biggest', 'median', 'empty', 'fixed'] as const;
export type PlanBucket = (typeof PLAN_BUCKETS)[number];

import type { PlanFlag } from '../analyze/breaks.js';

export type { PlanFlag };

export interface PlanRecord {
  t_s: number;
  /** `start`, `check` (periodic re-check), `event:<action>`, `end`, `slowest`. */
  label: string;
  /** `plans` for the scenario's critical queries, `slowest` for the run's slowest statements. */
  source: 'plans' | 'slowest';
  /** The `plans:` entry's name, or `q<queryid>` for a statement from pg_stat_statements. */
  query: string;
  queryid: string | null;
  bucket: PlanBucket;
  /** The tenant the parameters were filled from, and its rows, when there is one. */
  tenant: string | null;
  tenant_rows: number | null;
  ok: boolean;
  /** Why there is no plan (refused by the read-only guard, parameters unknown, SQL error). */
  error: string | null;
  analyze: boolean;
  fingerprint: string | null;
  /** One line, e.g. `Limit → Index Scan using orders_tenant_idx on orders`. */
  shape: string | null;
  /** The plan as an indented tree, one node per line. */
  tree: string[];
  planning_ms: number | null;
  execution_ms: number | null;
  /** Buffers the execution touched (shared hit + read, temp read + written, at the top node, which counts its children). Null without ANALYZE. */
  blocks: number | null;
  /**
   * Rows the plan examined: for each node reading a table, rows returned plus
   * rows its filter or recheck removed, over all loops. The plan's work, much
   * steadier than its time. Null without ANALYZE.
   */
  rows_examined: number | null;
  flags: PlanFlag[];
  /** The EXPLAIN JSON's top plan node (only for ANALYZE runs; null otherwise). */
  plan: unknown;
}

export interface LogRecord {
  t_s: number;
  /** True when t_s came from the log line's timestamp; false when from the time it was read. */
  timestamped: boolean;
  kind: 'duration' | 'auto_explain';
  duration_ms: number;
  /** The statement text (for `duration` entries; auto_explain entries carry `Query Text` when logged). */
  statement: string | null;
  /** Parameters logged on a DETAIL line, as written by the server. */
  parameters: string | null;
  /** For auto_explain entries. */
  fingerprint: string | null;
  shape: string | null;
}

/** What observe.json says about a Prometheus server read with query_range (`observe.prometheus_server`). */
export interface PrometheusServerMeta {
  /** The server URL, redacted. */
  url: string;
  step_ms: number;
  /** The PromQL of each pool gauge (`in_use`, `waiting`, `size`). */
  queries: Record<string, string>;
  /** The names the results are recorded under in promql.ndjson (`promql:pool_in_use`, …). */
  pool: Record<string, string>;
  /** Distinct `instance` labels of the results (the service's instances), or null when the series carry none. */
  instances: string[] | null;
  /** Why the window could not be read (null when it was). */
  error: string | null;
}

/** What observe.json says about the slow query log (`mysql.slow_log`). */
export interface SlowLogMeta {
  /** True when the entries were read from `mysql.slow_log`. */
  read: boolean;
  /** `slow_query_log`, `log_output` and `long_query_time` (ms) as the server reported them at the start. */
  enabled: boolean;
  output: string;
  long_query_time_ms: number | null;
  /** Why it was not read (null when it was). */
  reason: string | null;
  /** Entries of the run's window kept (null when not read). */
  entries: number | null;
}

export interface ObserveMeta {
  prometheus: { url: string; interval_ms: number; pool: Record<string, string> | null } | null;
  /** Absent in run directories written before the server form existed. */
  prometheus_server?: PrometheusServerMeta | null;
  postgres: {
    server_version: string | null;
    max_connections: number | null;
    statements: boolean;
    log: string | null;
  } | null;
  /**
   * The MySQL/MariaDB observer (`observe.mysql`): the server, whether statement
   * digests answered, and the slow query log (absent before it was read). Absent before it existed.
   */
  mysql?: { server_version: string | null; statements: boolean; slow_log?: SlowLogMeta } | null;
  /** `--instances`: copies of the service behind one database (capacity math). */
  instances: number;
  /** Warnings for people (missing extension with how to enable it, failures). */
  warnings: string[];
  /** Why no PostgreSQL could be observed in this run when the reason is known (the demo on PGlite); else absent. */
  postgres_off?: string;
}
