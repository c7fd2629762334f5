/**
 * The PostgreSQL observer against the real server started by scripts/test-pg.sh
 * (pg_stat_statements and auto_explain preloaded): statement deltas attribute a
 * planted slow query, pg_stat_activity sees active / idle-in-transaction /
 * lock-waiting connections, the server log is read and attributed to seconds,
 * plan fingerprints are stable and flip with recipe B (docs/algorithms.md §9), and the
 * read-only guard holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { createObservers } from '../../src/observe/index.js';
import { changeIsSlower, loadObserved, planChanges, planRegressionBreaksFrom, slowQueriesFrom, databaseSection, harmlessPlanChanges } from '../../src/observe/findings.js';
import { runDeltas } from '../../src/observe/statements.js';
import { explainTarget, runExplain } from '../../src/observe/explain.js';
import { planTargets } from '../../src/observe/params.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import type { ActivityRecord, LogRecord } from '../../src/observe/files.js';
import { eventRecord, sleep, testContext } from './context.js';

const TICKETS = `
SELECT setseed(0.42);
CREATE TABLE tickets (id bigserial PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, payload text)
  WITH (fillfactor = 45, autovacuum_enabled = false);
INSERT INTO tickets (tenant_id, status, created_at, payload)
SELECT floor(pow(100, random()))::int, CASE WHEN random() < 0.995 THEN 'done' ELSE 'failed' END,
       timestamptz '2024-01-01' + g * interval '30 seconds', repeat('x', 60)
FROM generate_series(1, 50000) g;
CREATE INDEX ON tickets (status);
CREATE INDEX ON tickets (tenant_id);
VACUUM ANALYZE tickets;
CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g;
CREATE TABLE counters (n int); INSERT INTO counters VALUES (0);
CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS $$ UPDATE counters SET n = n + 1 RETURNING n $$
`;

const FAILED = "SELECT * FROM tickets WHERE status = 'failed'";

describe.skipIf(skipWithoutPg())('PostgreSQL observer', () => {
  let db: { url: string; drop: () => Promise<void> };
  const clients: pg.Client[] = [];
  const client = async (app: string): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: db.url, application_name: app });
    await c.connect();
    clients.push(c);
    return c;
  };
  const scenario = (extra = '') => parseScenario(`
name: observe-test
observe:
  postgres: { url: "\${PS_OBSERVE_TEST_URL}"${extra} }
plans:
  - name: failed-tickets
    sql: ${FAILED}
  - name: tenant-tickets
    sql: SELECT * FROM tickets WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10
    params: ["{tenant}"]
`);
  const manifest = { seed: 1, scenario: 't', tables: { tickets: 50000 }, tenants: [] as { id: string; rows: number }[] };

  beforeAll(async () => {
    db = await createTestDatabase('obs');
    process.env.PS_OBSERVE_TEST_URL = db.url;
    const c = await client('setup');
    for (const stmt of TICKETS.split(/;\n/).filter((x) => x.trim() !== '')) await c.query(stmt);
    const sizes = await c.query<{ id: string; rows: string }>('SELECT tenant_id::text AS id, count(*)::text AS rows FROM tickets GROUP BY 1');
    manifest.tenants = sizes.rows.map((r) => ({ id: r.id, rows: Number(r.rows) }));
    manifest.tenants.push({ id: '5000', rows: 0 });
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await db?.drop();
  });

  it('attributes a planted slow query, sees activity states and reads the server log', async () => {
    const app = await client('test-app');
    const holder = await client('test-holder');
    const waiter = await client('test-waiter');
    // Before the run: the slow query already has history that must not count.
    for (let i = 0; i < 4; i++) await app.query('SELECT pg_sleep($1)', [0.05]);
    const logFile = process.env.PRODSHAPE_TEST_PG_LOG;
    // Like the engine: time zero is fixed only once the observers are up.
    const ctx = testContext({ scenario: scenario(logFile ? ', log: "${PRODSHAPE_TEST_PG_LOG}"' : ''), manifest, lateZero: true });
    const [obs] = createObservers(ctx.scenario, { postgres: { statementsIntervalMs: 500, activityIntervalMs: 200, planCheckIntervalMs: 0 } });
    expect(obs?.name).toBe('postgres');
    await obs!.start(ctx);
    ctx.fixZero();
    await sleep(60);
    for (let i = 0; i < 200; i++) await app.query('SELECT name FROM items WHERE id = $1', [i + 1]);
    // the same statement the observer EXPLAIN ANALYZEs (a critical query): it shares the queryid with the nested execution
    for (let i = 0; i < 5; i++) await app.query(FAILED);
    await sleep(600);
    const slowFrom = ctx.nowMs() / 1000;
    for (let i = 0; i < 3; i++) await app.query('SELECT pg_sleep($1)', [0.3]);
    const slowTo = ctx.nowMs() / 1000;
    // An open transaction and a lock wait.
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
    const waiting = waiter.query('SELECT count(*) FROM items');
    await sleep(600);
    await holder.query('COMMIT');
    await waiting;
    // A logged statement and an auto_explain plan.
    await app.query("SET log_min_duration_statement = 0; SET auto_explain.log_min_duration = 0; SET auto_explain.log_format = 'json'");
    const logAt = ctx.nowMs() / 1000;
    await app.query("SELECT count(*) AS prodshape_log_probe FROM tickets WHERE status = 'failed'");
    await app.query('SET log_min_duration_statement = -1; SET auto_explain.log_min_duration = -1');
    await sleep(300);
    await obs!.stop();

    const o = await loadObserved(ctx.runDir);
    expect(o.statements[0]).toMatchObject({ label: 'start', t_s: 0 });
    // snapshots on the run's clock, every 500 ms from time zero
    const ticks = o.statements.filter((r) => r.label === 'tick');
    expect(ticks[0]!.t_s).toBeLessThan(0.2);
    for (const r of ticks.slice(1)) expect(Math.abs(r.t_s - Math.round(r.t_s * 2) / 2)).toBeLessThan(0.25);
    // statement deltas: the run's three slow calls, not the four before it
    const run = runDeltas(o.statements);
    const slow = run.find((d) => d.query.includes('pg_sleep'));
    expect(slow).toMatchObject({ calls: 3 });
    expect(slow!.total_exec_ms).toBeGreaterThanOrEqual(899);
    expect(slow!.total_exec_ms).toBeLessThan(2000);
    expect(slow!.mean_exec_ms).toBeGreaterThanOrEqual(299);
    expect(run.find((d) => d.query.includes('FROM items WHERE id'))).toMatchObject({ calls: 200, rows: 200 });
    expect(run.find((d) => d.query === 'SELECT * FROM tickets WHERE status = $1')).toMatchObject({ calls: 5 });
    expect(run.some((d) => /prodshape-observer|pg_stat_activity|pg_stat_statements/.test(d.query))).toBe(false);
    const section = databaseSection(o);
    expect(section?.statements.top_by_mean[0]?.query).toMatch(/pg_sleep/);
    // attributed to the right windows
    const inSlow = slowQueriesFrom(o, [{ fromS: slowFrom, toS: slowTo }]);
    expect(inSlow.statements[0]?.query).toMatch(/pg_sleep/);
    const early = slowQueriesFrom(o, [{ fromS: 0, toS: 0.3 }]);
    expect(early.statements.some((d) => d.query.includes('pg_sleep'))).toBe(false);
    // activity
    const byApp = (a: ActivityRecord, name: string) => a.by_application[name];
    expect(o.activity.some((a) => (byApp(a, 'test-app')?.active ?? 0) >= 1 && a.t_s >= slowFrom - 0.3 && a.t_s <= slowTo + 0.3)).toBe(true);
    expect(o.activity.some((a) => (byApp(a, 'test-holder')?.idle_in_transaction ?? 0) >= 1)).toBe(true);
    expect(o.activity.some((a) => a.waiting_lock >= 1 && (byApp(a, 'test-waiter')?.waiting_lock ?? 0) >= 1)).toBe(true);
    expect(o.activity.every((a) => a.by_application['prodshape-observer'] === undefined)).toBe(true);
    expect(o.meta?.postgres?.statements).toBe(true);
    // the server log
    if (logFile) {
      const probe = o.log.filter((l: LogRecord) => (l.statement ?? '').includes('prodshape_log_probe'));
      const dur = probe.find((l) => l.kind === 'duration');
      const plan = probe.find((l) => l.kind === 'auto_explain');
      expect(dur?.timestamped).toBe(true);
      expect(Math.abs((dur?.t_s ?? -99) - logAt)).toBeLessThan(1);
      expect(plan?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(plan?.shape).toMatch(/tickets/);
    }
    expect(readFileSync(join(ctx.runDir, 'observe.json'), 'utf8')).not.toContain(db.url);
  });

  it('fingerprints are stable across runs and tenants of one bucket, and flip with stale statistics then ANALYZE', async () => {
    const c = await client('test-plans');
    const plans = scenario().plans;
    const targets = plans.flatMap((p) => planTargets(p, manifest.tenants));
    expect(targets.map((t) => `${t.plan.name}:${t.bucket}`)).toEqual(['failed-tickets:fixed', 'tenant-tickets:biggest', 'tenant-tickets:median', 'tenant-tickets:empty']);
    const when = { t_s: 0, label: 't', source: 'plans' as const };
    const fp = async (i: number, analyze = true) => (await explainTarget(c, targets[i]!, when, { analyze })).fingerprint;
    for (let i = 0; i < targets.length; i++) {
      const a = await fp(i);
      expect(a, targets[i]!.bucket).toMatch(/^[0-9a-f]{16}$/);
      expect(await fp(i), 'same plan on a second run').toBe(a);
      expect(await fp(i, false), 'plain EXPLAIN has the same shape').toBe(a);
    }
    // two tenants of about the median's size share the fingerprint
    const sorted = manifest.tenants.filter((t) => t.rows > 0).sort((a, b) => b.rows - a.rows);
    const mid = Math.floor(sorted.length / 2);
    const fpTenant = async (id: string) => (await explainTarget(c, { ...targets[2]!, tenant: { id, rows: 0 }, params: [id] }, when, { analyze: true })).fingerprint;
    expect(await fpTenant(sorted[mid + 1]!.id)).toBe(await fpTenant(sorted[mid]!.id));
    // the biggest tenant's rows are far from the empty one's plan
    const empty = await explainTarget(c, targets[3]!, when, { analyze: true });
    expect(empty.ok).toBe(true);

    // Recipe B through the observer: UPDATE without ANALYZE keeps the plan; ANALYZE after the event flips it.
    const ctx = testContext({ scenario: scenario(), manifest });
    const [obs] = createObservers(ctx.scenario, { postgres: { planCheckIntervalMs: 0, statementsIntervalMs: 1000 } });
    await obs!.start(ctx);
    const t0 = ctx.nowMs();
    await c.query("UPDATE tickets SET status = 'failed' WHERE random() < 0.70");
    const touch = eventRecord(ctx, 'touch', t0);
    await obs!.onEvent!(touch);
    const t1 = ctx.nowMs();
    await c.query('ANALYZE tickets');
    const migrate = eventRecord(ctx, 'migrate', t1);
    await obs!.onEvent!(migrate);
    await obs!.stop();
    const o = await loadObserved(ctx.runDir);
    const failed = o.plans.filter((p) => p.query === 'failed-tickets' && p.source === 'plans');
    expect(failed.map((p) => p.label)).toEqual(['start', 'event:touch', 'event:migrate', 'end']);
    expect(failed[1]?.fingerprint, 'stale statistics: same plan').toBe(failed[0]?.fingerprint);
    expect(failed[2]?.fingerprint).not.toBe(failed[0]?.fingerprint);
    expect(failed[1]?.flags.some((f) => f.kind === 'estimate'), 'the stale estimate is flagged').toBe(true);
    // The change is placed after the migrate event. Against the stale plan on the new data (event:touch) the
    // Seq Scan is faster, so that comparison calls it harmless; against the plan at the start, it is a regression.
    const change = planChanges(o.plans).find((c) => c.query === 'failed-tickets');
    expect(change?.before.label).toBe('event:touch');
    expect(change?.after.label).toBe('event:migrate');
    expect(harmlessPlanChanges(o.plans).length).toBe(changeIsSlower(change!) === false ? 1 : 0);
    const fromStart = o.plans.filter((p) => p.label !== 'event:touch');
    const breaks = planRegressionBreaksFrom({ plans: fromStart, events: [touch, migrate] });
    const b = breaks.find((x) => x.evidence.query === 'failed-tickets');
    expect(b).toBeDefined();
    expect(b!.kind).toBe('plan-regression');
    expect(String(b!.evidence.before)).toMatch(/Index Scan using tickets_status_idx on tickets/);
    expect(String(b!.evidence.after)).toMatch(/Seq Scan on tickets/);
    expect(b!.summary).toMatch(/failed-tickets.*migrate/);
    expect(b!.t_s).toBeCloseTo(t1 / 1000, 1);
    // the slowest statements were EXPLAINed at the end
    expect(o.plans.some((p) => p.source === 'slowest')).toBe(true);
  });

  it('catches a flip between events with the periodic re-check', async () => {
    const c = await client('test-recheck');
    const ctx = testContext({ scenario: scenario(), manifest });
    const [obs] = createObservers(ctx.scenario, { postgres: { planCheckIntervalMs: 300 } });
    await obs!.start(ctx);
    await c.query("UPDATE tickets SET status = 'done'");
    // The flip happens when ANALYZE commits: after it was sent, and possibly before its reply reaches us
    // (a re-check can start and see the new plan in between, on a busy machine), so the check's time is
    // bounded below by the send and above by the reply plus the 300 ms interval (1.2 s given).
    const analyzeSentAt = ctx.nowMs() / 1000;
    await c.query('ANALYZE tickets');
    const flippedAt = ctx.nowMs() / 1000;
    await sleep(1200);
    await obs!.stop();
    const o = await loadObserved(ctx.runDir);
    const check = o.plans.find((p) => p.query === 'failed-tickets' && p.label === 'check' && p.analyze);
    expect(check?.analyze).toBe(true);
    expect(check?.shape).toMatch(/Index Scan|Bitmap/);
    expect(check!.t_s).toBeGreaterThanOrEqual(analyzeSentAt);
    expect(check!.t_s).toBeLessThan(flippedAt + 1.2);
    // back to the index: whether that is a regression depends on the timings (dead index entries can make it slow)
    const change = planChanges(o.plans).find((c) => c.query === 'failed-tickets')!;
    expect(change.after.label).toBe('check');
    const regression = changeIsSlower(change) !== false;
    expect(planRegressionBreaksFrom(o).map((x) => x.evidence.query)).toEqual(regression ? ['failed-tickets'] : []);
    expect(harmlessPlanChanges(o.plans).map((g) => g[0]?.query)).toEqual(regression ? [] : ['failed-tickets']);
  });

  it('never EXPLAIN ANALYZEs a data-modifying statement, and runs what it does inside a read-only transaction', async () => {
    const c = await client('test-guard');
    const when = { t_s: 0, label: 't', source: 'plans' as const };
    for (const sql of ['DELETE FROM items', 'WITH d AS (DELETE FROM items RETURNING *) SELECT count(*) FROM d', 'SELECT 1; DELETE FROM items']) {
      const r = await explainTarget(c, { plan: { name: 'x', sql, params: [] }, bucket: 'fixed', tenant: null, params: [], error: null }, when, { analyze: true });
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/^refused: /);
    }
    // passes the text guard, but the function is not built in: pg_proc says so before anything runs
    await expect(runExplain(c, 'SELECT bump()', [], { analyze: true })).rejects.toThrow(/refused: it calls public\.bump\(\), which is not built in/);
    const left = await c.query<{ items: string; n: number }>('SELECT (SELECT count(*) FROM items)::text AS items, (SELECT n FROM counters) AS n');
    expect(left.rows[0]).toEqual({ items: '1000', n: 0 });
    // the connection is usable afterwards (the transaction was rolled back)
    expect((await c.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('goes on without pg_stat_statements and says how to enable it', async () => {
    const admin = await client('test-noext');
    await admin.query('DROP EXTENSION IF EXISTS pg_stat_statements');
    try {
      const ctx = testContext({ scenario: scenario(), manifest });
      const [obs] = createObservers(ctx.scenario, { postgres: { planCheckIntervalMs: 0 } });
      await obs!.start(ctx);
      await sleep(300);
      await obs!.stop();
      const o = await loadObserved(ctx.runDir);
      expect(o.meta?.postgres?.statements).toBe(false);
      expect(o.meta?.warnings.join('\n')).toMatch(/shared_preload_libraries.*CREATE EXTENSION pg_stat_statements/);
      expect(o.activity.length).toBeGreaterThan(0);
      expect(o.plans.filter((p) => p.label === 'start').length).toBe(4);
    } finally {
      await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    }
  });

  it('records an unreachable server as a warning, not an error', async () => {
    const ctx = testContext();
    const [obs] = createObservers(null, { pgUrl: 'postgres://nobody:secretpw@127.0.0.1:1/none' });
    await obs!.start(ctx);
    await obs!.stop();
    const meta = readFileSync(join(ctx.runDir, 'observe.json'), 'utf8');
    expect(meta).toMatch(/cannot connect to PostgreSQL/);
    expect(meta).not.toContain('secretpw');
  });
});
