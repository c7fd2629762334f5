/**
 * pg_stat_activity, polled each second: the observed database's client
 * connections by state (active, idle, idle in transaction), those waiting on
 * heavyweight locks, the longest-running statement and transaction, and the
 * same counts per application_name, so pool and server saturation line up with
 * the latency timeline. The observer's own connections are left out.
 */
import type pg from 'pg';
import type { ActivityCounts, ActivityRecord } from './files.js';
import { OBSERVER_APP, OBSERVER_MARK } from './explain.js';

/** One backend as the poll reads it. */
export interface ActivityRow {
  app: string;
  state: string | null;
  wait_event_type: string | null;
  active_ms: number | null;
  xact_ms: number | null;
}

export const ACTIVITY_SQL = `${OBSERVER_MARK} SELECT coalesce(application_name, '') AS app, state, wait_event_type,
  (extract(epoch FROM clock_timestamp() - query_start) * 1000)::float8 AS active_ms,
  (extract(epoch FROM clock_timestamp() - xact_start) * 1000)::float8 AS xact_ms
FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND coalesce(application_name, '') <> '${OBSERVER_APP}'`;

const zero = (): ActivityCounts => ({ total: 0, active: 0, idle: 0, idle_in_transaction: 0, waiting_lock: 0 });

const count = (c: ActivityCounts, r: ActivityRow): void => {
  c.total++;
  if (r.state === 'active') c.active++;
  else if (r.state === 'idle') c.idle++;
  else if (r.state?.startsWith('idle in transaction')) c.idle_in_transaction++;
  if (r.wait_event_type === 'Lock') c.waiting_lock++;
};

/** Folds the poll's rows into one record (pure). */
export const aggregateActivity = (t_s: number, rows: readonly ActivityRow[]): ActivityRecord => {
  const rec: ActivityRecord = { t_s, ok: true, error: null, ...zero(), max_active_ms: 0, max_xact_ms: 0, by_application: {} };
  for (const r of rows) {
    count(rec, r);
    const app = (rec.by_application[r.app] ??= zero());
    count(app, r);
    if (r.state === 'active' && r.active_ms !== null) rec.max_active_ms = Math.max(rec.max_active_ms, Math.round(r.active_ms));
    if (r.xact_ms !== null) rec.max_xact_ms = Math.max(rec.max_xact_ms, Math.round(r.xact_ms));
  }
  return rec;
};

/** Polls once. */
export const pollActivity = async (client: pg.ClientBase): Promise<ActivityRow[]> =>
  (await client.query<ActivityRow>(ACTIVITY_SQL)).rows.map((r) => ({
    app: r.app, state: r.state, wait_event_type: r.wait_event_type,
    active_ms: r.active_ms === null ? null : Number(r.active_ms), xact_ms: r.xact_ms === null ? null : Number(r.xact_ms),
  }));

/** A failed poll, recorded as such. */
export const failedActivity = (t_s: number, error: string): ActivityRecord => ({
  t_s, ok: false, error, ...zero(), max_active_ms: 0, max_xact_ms: 0, by_application: {},
});
