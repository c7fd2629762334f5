/**
 * MySQL/MariaDB statistics for the MySQL observer (mysql.ts), read into the
 * PostgreSQL observer's record forms so the findings and the report read them
 * unchanged:
 *  - `performance_schema.events_statements_summary_by_digest` of the observed
 *    schema → a StatementsSnapshot keyed on the digest (COUNT_STAR as calls,
 *    SUM_TIMER_WAIT in picoseconds as ms of execution, SUM_ROWS_SENT as rows;
 *    no planning time or buffer counters: 0), differenced with statements.ts;
 *  - `information_schema.PROCESSLIST` joined to `INNODB_TRX` → ActivityRows
 *    (a sleeping connection with an open InnoDB transaction is idle in
 *    transaction; a lock wait is waiting on a lock; the user stands for the
 *    application name, which MySQL does not have).
 * The row mappings are pure; the two polls are the I/O at the edge.
 */
import type mysql from 'mysql2/promise';
import { pinnedDbHost } from '../engine/db-host.js';
import type { ActivityRow } from './activity.js';
import type { StatementCounters, StatementsSnapshot } from './statements.js';

/** How to turn on what the statement deltas need, for the warning when it is off. */
export const ENABLE_DIGESTS_HINT =
  'to enable it: start the server with performance_schema=ON (my.cnf [mysqld] performance_schema=ON, then restart); the statements_digest consumer and the statement/% instruments are on by default';

/** Picoseconds (performance_schema timers) per millisecond. */
export const PS_PER_MS = 1e9;

/** One row of the digest summary as the poll reads it (numbers may come as strings: mysql2 big numbers). */
export interface DigestRow {
  digest: string | null;
  digest_text: string | null;
  count_star: string | number;
  sum_timer_wait: string | number;
  sum_rows_sent: string | number;
}

export const DIGEST_SQL = `SELECT DIGEST AS digest, DIGEST_TEXT AS digest_text, COUNT_STAR AS count_star, SUM_TIMER_WAIT AS sum_timer_wait, SUM_ROWS_SENT AS sum_rows_sent
FROM performance_schema.events_statements_summary_by_digest WHERE SCHEMA_NAME = DATABASE() AND DIGEST IS NOT NULL`;

/**
 * The observer's own statements as digested (comments are stripped from
 * digest texts, so they are told by what they read): the statistics views,
 * the EXPLAINs and ANALYZEs and their read-only transactions, session
 * settings, the reads of `mysql.slow_log` and `mysql.func`.
 */
const OWN_DIGEST = /\b(?:performance_schema|information_schema)\b|prodshape_guard|^\s*(?:EXPLAIN|ANALYZE FORMAT|SHOW|SET|START TRANSACTION|ROLLBACK)\b|@@|^SELECT VERSION \( \)|\bmysql`?\s*\.\s*`?(?:slow_log|func)\b/i;

/** True for a digest text of the observer's own statements (left out of every delta). */
export const isObserverDigest = (text: string): boolean => OWN_DIGEST.test(text);

/** The digest rows as a snapshot, with their texts (at most `maxChars` each). Pure. */
export const digestSnapshot = (rows: readonly DigestRow[], maxChars = 2000): { snap: StatementsSnapshot; texts: Map<string, string> } => {
  const counters = new Map<string, StatementCounters>();
  const texts = new Map<string, string>();
  for (const r of rows) {
    if (r.digest === null) continue;
    counters.set(r.digest, {
      key: r.digest, queryid: r.digest, calls: Number(r.count_star), total_exec_ms: Number(r.sum_timer_wait) / PS_PER_MS, total_plan_ms: 0,
      rows: Number(r.sum_rows_sent), shared_blks_hit: 0, shared_blks_read: 0, temp_blks_written: 0,
    });
    texts.set(r.digest, (r.digest_text ?? '').slice(0, maxChars));
  }
  return { snap: { counters, dealloc: null, statsReset: null }, texts };
};

/** Reads the digest summary of the connection's schema. */
export const pollDigests = async (c: mysql.Connection): Promise<DigestRow[]> => (await c.query(DIGEST_SQL))[0] as DigestRow[];

/** One connection of the observed schema as the processlist poll reads it. */
export interface ProcessRow {
  user: string | null;
  command: string;
  state: string | null;
  time_s: string | number | null;
  /** INNODB_TRX.trx_state of its open transaction (`RUNNING`, `LOCK WAIT`, …), or null when none. */
  trx_state: string | null;
  /** Age of its open transaction, ms, or null. */
  xact_ms: string | number | null;
}

/** Connections of the observed schema but those with the ids given (`?`), server threads left out. */
export const PROCESSLIST_SQL = `SELECT p.USER AS user, p.COMMAND AS command, p.STATE AS state, p.TIME AS time_s, t.trx_state AS trx_state,
  TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1000 AS xact_ms
FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
WHERE p.DB = DATABASE() AND p.ID NOT IN (?) AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')`;

/** A processlist row in pg_stat_activity's terms (activity.ts counts it). Pure. */
export const activityRowOf = (r: ProcessRow): ActivityRow => {
  const sleeping = r.command === 'Sleep';
  const waitingLock = !sleeping && (r.trx_state === 'LOCK WAIT' || /\block/i.test(r.state ?? ''));
  return {
    app: r.user ?? '',
    state: sleeping ? (r.trx_state === null ? 'idle' : 'idle in transaction') : 'active',
    wait_event_type: waitingLock ? 'Lock' : null,
    active_ms: sleeping || r.time_s === null ? null : Number(r.time_s) * 1000,
    xact_ms: r.xact_ms === null ? null : Number(r.xact_ms),
  };
};

/** Polls the processlist once, leaving out the connections `ownIds` (the observer's). */
export const pollProcesslist = async (c: mysql.Connection, ownIds: readonly number[]): Promise<ActivityRow[]> =>
  ((await c.query(PROCESSLIST_SQL, [ownIds.length === 0 ? [-1] : [...ownIds]]))[0] as ProcessRow[]).map(activityRowOf);

/** The MySQL/MariaDB observer connects to the checked address (see pinnedDbHost). */
export const pinnedMysqlHost = pinnedDbHost;
