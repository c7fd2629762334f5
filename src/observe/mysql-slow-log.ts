/**
 * The MySQL/MariaDB slow query log for the MySQL observer: when the server
 * logs slow statements to a table (`slow_query_log = ON`,
 * `log_output` including `TABLE`), the entries of the observed schema in the
 * run's window are read from `mysql.slow_log` once, at the end of the run
 * (a CSV table with no index: one read, not a poll), and written as
 * `duration` LogRecords, the form PostgreSQL's `log_min_duration_statement`
 * entries take, so the report's slow-queries step reads them unchanged. The
 * observer's own connections are left out. When the log is off, goes to a
 * FILE only, or the table cannot be read, observe.json says so and the run
 * goes on. `slowLogStatus` and `slowLogRecord` are pure.
 */
import type mysql from 'mysql2/promise';
import { round3 } from '../core/round.js';
import type { LogRecord, SlowLogMeta } from './files.js';

/** How to turn on the slow query log into a table, for the reason when it is off. */
export const ENABLE_SLOW_LOG_HINT =
  "to enable it: SET GLOBAL slow_query_log = ON, log_output = 'TABLE', long_query_time = 0.1 (or the same in my.cnf [mysqld]); the user needs SELECT on mysql.slow_log";

/** The slow log's settings as observe.json records them before the run; `reason` is set when it will not be read. Pure. */
export const slowLogStatus = (v: { on: unknown; output: unknown; long_s: unknown }): SlowLogMeta => {
  const enabled = Number(v.on) === 1;
  const output = typeof v.output === 'string' ? v.output.toUpperCase() : '';
  const long = Number(v.long_s);
  const base = { read: false, enabled, output, long_query_time_ms: Number.isFinite(long) ? round3(long * 1000) : null, entries: null };
  if (!enabled) return { ...base, reason: `slow_query_log is OFF: no slow-query log entries; ${ENABLE_SLOW_LOG_HINT}` };
  if (!output.split(',').includes('TABLE')) {
    return { ...base, reason: `the slow query log goes to ${output === '' ? 'no table' : output} (log_output), which prodshape does not read: set log_output = 'TABLE' (or 'FILE,TABLE') to have its entries in the report` };
  }
  return { ...base, reason: null };
};

/** One row of `mysql.slow_log` as `readSlowLog` selects it. */
export interface SlowLogRow {
  /** start_time as Unix seconds (with microseconds). */
  at_s: string | number;
  /** query_time in seconds (with microseconds). */
  query_s: string | number;
  sql_text: string | Buffer | null;
  thread_id: string | number | null;
}

/** A slow-log row as a `duration` LogRecord on the run's clock (`startedAtMs`: the run's time zero, Unix ms). Pure. */
export const slowLogRecord = (r: SlowLogRow, startedAtMs: number, maxChars = 2000): LogRecord => ({
  t_s: round3(Math.max(0, Number(r.at_s) * 1000 - startedAtMs) / 1000),
  timestamped: true,
  kind: 'duration',
  duration_ms: round3(Number(r.query_s) * 1000),
  statement: r.sql_text === null ? null : String(r.sql_text).slice(0, maxChars),
  parameters: null,
  fingerprint: null,
  shape: null,
});

export const SLOW_LOG_SQL = `SELECT UNIX_TIMESTAMP(start_time) AS at_s,
  HOUR(query_time) * 3600 + MINUTE(query_time) * 60 + SECOND(query_time) + MICROSECOND(query_time) / 1000000 AS query_s,
  sql_text, thread_id
FROM mysql.slow_log WHERE db = DATABASE() AND start_time >= FROM_UNIXTIME(?) AND start_time <= FROM_UNIXTIME(?) AND thread_id NOT IN (?)
ORDER BY start_time`;

/** The slow-log entries of the observed schema between `fromMs` and `toMs` (Unix ms), the connections `ownIds` left out. */
export const readSlowLog = async (c: mysql.Connection, fromMs: number, toMs: number, ownIds: readonly number[]): Promise<SlowLogRow[]> =>
  (await c.query(SLOW_LOG_SQL, [fromMs / 1000, toMs / 1000, ownIds.length === 0 ? [-1] : [...ownIds]]))[0] as SlowLogRow[];

/** The server's slow-log settings. */
export const slowLogSettings = async (c: mysql.Connection): Promise<SlowLogMeta> => {
  const [r] = await c.query('SELECT @@GLOBAL.slow_query_log AS on_, @@GLOBAL.log_output AS output, @@GLOBAL.long_query_time AS long_s');
  const row = (r as { on_: unknown; output: unknown; long_s: unknown }[])[0];
  return slowLogStatus({ on: row?.on_, output: row?.output, long_s: row?.long_s });
};
