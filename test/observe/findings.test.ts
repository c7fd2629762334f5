import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeCapacity, peakMean, type CapacitySecond } from '../../src/observe/capacity.js';
import { capacity, databaseSection, loadObserved, planChanges, planRegressionBreaksFrom, slowQueriesFrom } from '../../src/observe/findings.js';
import type { ObservedScrapeRecord, ObserveMeta, PlanRecord, StatementDelta, StatementsRecord } from '../../src/observe/files.js';
import type { EventRecord } from '../../src/run/format.js';
import { window, writeRunDir } from '../helpers/rundir.js';

const sec = (t_s: number, rps: number, over: Partial<CapacitySecond> = {}): CapacitySecond => ({
  t_s, offeredRps: rps, completedRps: rps, poolInUse: null, poolWaiting: null, poolSize: null, dbBusy: null, ...over,
});

describe("capacity (Little's law)", () => {
  it('measures the hold time from calm pool seconds and scales the peak', () => {
    // 20 ms per request: in_use = rps × 0.02; the pool of 10 saturates at 500 rps
    const seconds = [
      ...Array.from({ length: 20 }, (_, t) => sec(t, 100, { poolInUse: 2, poolWaiting: 0, poolSize: 10 })),
      ...Array.from({ length: 10 }, (_, t) => sec(20 + t, 300, { poolInUse: 6, poolWaiting: 0, poolSize: 10 })),
      ...Array.from({ length: 5 }, (_, t) => sec(30 + t, 700, { completedRps: 500, poolInUse: 10, poolWaiting: 37, poolSize: 10 })),
    ];
    const c = computeCapacity({ seconds, statementsExecMs: null, requests: 0, instances: 1, maxConnections: 100 })!;
    expect(c.hold_source).toBe('pool-gauges');
    expect(c.hold_ms).toBeCloseTo(20, 6);
    expect(c.peak_rps).toBe(700);
    expect(c.needed_at_peak).toBe(14);
    expect(c.needed_at_3x).toBe(42);
    expect(c.configured).toBe(10);
    expect(c.sentence).toBe("At the run's peak of 700 rps each request held a connection for ~20 ms (from the pool gauges), so ~14 connections are busy (L = λW); at 3x the peak (2,100 rps) this needs ~42 connections; 1 instance x 10 = 10 are configured, so the pool will queue at 3x (the server allows 100).");
  });

  it('says the hold time grew when the pool was full, instead of projecting the calm one to 3x', () => {
    // 6 ms per request with room; full, the pool of 4 completes only 150 rps: 4 / 150 = 26.7 ms each
    const seconds = [
      ...Array.from({ length: 20 }, (_, t) => sec(t, 100, { poolInUse: 0.6, poolWaiting: 0, poolSize: 4 })),
      ...Array.from({ length: 10 }, (_, t) => sec(20 + t, 290, { completedRps: 150, poolInUse: 4, poolWaiting: 300, poolSize: 4 })),
    ];
    const c = computeCapacity({ seconds, statementsExecMs: null, requests: 0, instances: 1, maxConnections: null })!;
    expect(c.hold_ms).toBeCloseTo(6, 6);
    expect(c.hold_full_ms).toBeCloseTo(26.667, 2);
    expect(c.full_seconds).toBe(10);
    expect(c.full_completed_rps).toBe(150);
    expect(c.hold_grew).toBe(true);
    expect(c.sentence).toBe("At the run's peak of 290 rps, at the ~6.00 ms each request held a connection when the pool had room (from the pool gauges), ~2 connections would be busy (L = λW); but while the pool was full (10 s) each request held one ~27 ms (4.4x) and ~150 rps completed: what runs behind the pool slowed down under load, so more connections alone may not help (see the slow queries and plans); 1 instance x 4 = 4 are configured.");
    // A full pool that holds connections no longer than a calm one (the first test) keeps the projection.
    const steady = [
      ...Array.from({ length: 20 }, (_, t) => sec(t, 100, { poolInUse: 2, poolWaiting: 0, poolSize: 10 })),
      ...Array.from({ length: 5 }, (_, t) => sec(20 + t, 700, { completedRps: 500, poolInUse: 10, poolWaiting: 37, poolSize: 10 })),
    ];
    const k = computeCapacity({ seconds: steady, statementsExecMs: null, requests: 0, instances: 1, maxConnections: null })!;
    expect(k.hold_full_ms).toBeCloseTo(20, 6);
    expect(k.hold_grew).toBe(false);
    expect(k.sentence).toMatch(/at 3x the peak/);
  });

  it('with several instances, counts gauges as one copy and configures N x size', () => {
    // 4 instances share 400 rps; one copy's gauge shows 100 rps × 25 ms = 2.5 in use
    const seconds = Array.from({ length: 10 }, (_, t) => sec(t, 400, { poolInUse: 2.5, poolWaiting: 0, poolSize: 20 }));
    const c = computeCapacity({ seconds, statementsExecMs: null, requests: 0, instances: 4, maxConnections: null })!;
    expect(c.hold_ms).toBeCloseTo(25, 6);
    expect(c.needed_at_3x).toBe(30);
    expect(c.sentence).toMatch(/4 instances x 20 = 80 are configured\.$/);
  });

  it('falls back to pg_stat_activity, then to pg_stat_statements execution time, and gives up without either', () => {
    const act = Array.from({ length: 10 }, (_, t) => sec(t, 200, { dbBusy: 3 }));
    expect(computeCapacity({ seconds: act, statementsExecMs: null, requests: 0, instances: 1, maxConnections: null })).toMatchObject({ hold_source: 'pg-activity', hold_ms: 15 });
    const bare = Array.from({ length: 10 }, (_, t) => sec(t, 200));
    const st = computeCapacity({ seconds: bare, statementsExecMs: 8000, requests: 2000, instances: 1, maxConnections: null })!;
    expect(st).toMatchObject({ hold_source: 'pg-statements', hold_ms: 4, configured: null });
    expect(st.sentence).toMatch(/pool size is unknown/);
    expect(computeCapacity({ seconds: bare, statementsExecMs: null, requests: 2000, instances: 1, maxConnections: null })).toBeNull();
  });

  it('takes the peak as the highest 5-second mean, not one noisy second', () => {
    expect(peakMean([1, 1, 100, 1, 1, 1, 1, 50, 50, 50, 50, 50, 1])).toEqual({ value: 50, at: 7 });
    expect(peakMean([3, 9])).toEqual({ value: 6, at: 0 });
  });
});

const plan = (t_s: number, label: string, fingerprint: string, shape: string, extra: Partial<PlanRecord> = {}): PlanRecord => ({
  t_s, label, source: 'plans', query: 'pending-orders', queryid: null, bucket: 'biggest', tenant: 't1', tenant_rows: 18000, ok: true, error: null,
  analyze: label !== 'check', fingerprint, shape, tree: [shape], planning_ms: 0.1, execution_ms: shape.startsWith('Seq') ? 120 : 0.4, blocks: null, rows_examined: null, flags: [], plan: null, ...extra,
});
const ev = (action: string, t_s: number, durS: number): EventRecord => ({ t_s, action, kind: 'http', start_ms: t_s * 1000, end_ms: (t_s + durS) * 1000, ok: true, status: 200, output: '', error: null });

describe('plan regressions', () => {
  it('turn a fingerprint change into a plan-regression break attributed to the event before it', () => {
    const plans = [
      plan(0, 'start', 'aaaa', 'Index Scan using orders_status_idx on orders'),
      plan(0, 'start', 'cccc', 'Index Scan using orders_tenant_idx on orders', { bucket: 'median', tenant: 't9', tenant_rows: 300 }),
      plan(20, 'event:deploy', 'aaaa', 'Index Scan using orders_status_idx on orders'),
      plan(45.6, 'event:migrate', 'bbbb', 'Seq Scan on orders'),
      plan(45.7, 'event:migrate', 'dddd', 'Seq Scan on orders', { bucket: 'median', tenant: 't9', tenant_rows: 300 }),
      plan(90, 'end', 'bbbb', 'Seq Scan on orders'),
      plan(90, 'slowest', 'eeee', 'Seq Scan on x', { source: 'slowest', query: 'q1' }),
    ];
    expect(planChanges(plans).map((c) => `${c.bucket}:${c.before.fingerprint}>${c.after.fingerprint}`)).toEqual(['biggest:aaaa>bbbb', 'median:cccc>dddd']);
    const breaks = planRegressionBreaksFrom({ plans, events: [ev('deploy', 19, 0.5), ev('migrate', 45, 0.5)] });
    expect(breaks).toHaveLength(1);
    const b = breaks[0]!;
    expect(b).toMatchObject({ kind: 'plan-regression', endpoint: null, t_s: 45 });
    expect(b.evidence).toMatchObject({ query: 'pending-orders', before: 'Index Scan using orders_status_idx on orders', after: 'Seq Scan on orders', before_ms: 0.4, after_ms: 120, event: { action: 'migrate', t_s: 45 } });
    expect(b.summary).toBe('The plan of pending-orders for the biggest tenant (t1, 18,000 rows) (also median) changed after the migrate event at 45 s: Index Scan using orders_status_idx on orders became Seq Scan on orders; execution 0.40 ms → 120 ms.');
  });

  it('are not breaks when the new plan is not slower', async () => {
    const { harmlessPlanChanges } = await import('../../src/observe/findings.js');
    const faster = [plan(0, 'start', 'a', 'Seq Scan on orders'), plan(30, 'event:analyze', 'b', 'Index Scan using i on orders')];
    expect(planRegressionBreaksFrom({ plans: faster, events: [] })).toEqual([]);
    expect(harmlessPlanChanges(faster)).toHaveLength(1);
    // by work when rows were counted: the same time, eight times the rows, is a regression; the reverse is not
    const work = (a: number, b: number, msA = 18, msB = 19) => [plan(0, 'start', 'a', 'P', { rows_examined: a, execution_ms: msA }), plan(8, 'event:migrate', 'b', 'Q', { rows_examined: b, execution_ms: msB })];
    expect(planRegressionBreaksFrom({ plans: work(20_069, 154_355), events: [] })[0]?.summary).toMatch(/execution 18 ms → 19 ms, 20,069 → 154,355 rows examined\.$/);
    expect(planRegressionBreaksFrom({ plans: work(154_355, 20_069), events: [] })).toEqual([]);
    expect(planRegressionBreaksFrom({ plans: work(10, 90), events: [] })).toEqual([]);
    // …or clearly more time for the same rows (a sort that spills)
    expect(planRegressionBreaksFrom({ plans: work(5000, 5000, 10, 40), events: [] })).toHaveLength(1);
    expect(planRegressionBreaksFrom({ plans: work(5000, 5000, 10, 16), events: [] })).toEqual([]);
    // untimed (plain EXPLAIN only): reported, since it cannot be shown harmless
    const untimed = [plan(0, 'check', 'a', 'X', { execution_ms: null }), plan(5, 'check', 'b', 'Y', { execution_ms: null })];
    expect(planRegressionBreaksFrom({ plans: untimed, events: [] })).toHaveLength(1);
  });

  it('find no break when plans stay the same, and report a flip seen by a re-check at its time', () => {
    expect(planRegressionBreaksFrom({ plans: [plan(0, 'start', 'a', 'X'), plan(50, 'end', 'a', 'X')], events: [] })).toEqual([]);
    const flip = [plan(0, 'start', 'a', 'X'), plan(25, 'check', 'a', 'X'), plan(30, 'check', 'b', 'Y'), plan(31, 'check', 'b', 'Y', { analyze: true, execution_ms: 9 })];
    // an event long before the last check that still saw the old plan is not the cause
    const b = planRegressionBreaksFrom({ plans: flip, events: [ev('deploy', 5, 1)] });
    expect(b[0]).toMatchObject({ t_s: 30, evidence: { event: null, after_ms: 9, last_before_s: 25, first_after_s: 30 } });
    // one between the two checks is
    expect(planRegressionBreaksFrom({ plans: flip, events: [ev('migrate', 27, 1)] })[0]).toMatchObject({ t_s: 27, evidence: { event: { action: 'migrate' } } });
  });
});

const delta = (queryid: string, query: string, calls: number, total: number): StatementDelta => ({
  queryid, query, calls, total_exec_ms: total, mean_exec_ms: total / calls, total_plan_ms: 0, rows: calls, shared_blks_hit: 0, shared_blks_read: 0, temp_blks_written: 0,
});
const line = (t_s: number, ...statements: StatementDelta[]): StatementsRecord => ({ t_s, label: 'tick', ok: true, error: null, dealloc: 0, reset: false, statements });

describe('slow queries in windows', () => {
  it('sum the snapshot intervals overlapping the windows and compare with the rest of the run', () => {
    const statements = [
      line(0), line(2, delta('1', 'SELECT fast', 100, 50)), line(4, delta('1', 'SELECT fast', 100, 50), delta('2', 'SELECT orders', 10, 20)),
      line(6, delta('2', 'SELECT orders', 10, 3000), delta('1', 'SELECT fast', 100, 60)), line(8, delta('2', 'SELECT orders', 10, 2000)), line(10, delta('2', 'SELECT orders', 10, 20)),
    ];
    const r = slowQueriesFrom({ statements, log: [] }, [{ fromS: 4.5, toS: 7.5 }]);
    expect(r.covered).toEqual({ fromS: 4, toS: 8 });
    expect(r.statements[0]).toMatchObject({ queryid: '2', calls: 20, total_exec_ms: 5000, mean_exec_ms: 250, mean_outside_ms: 2, calls_outside: 20 });
    expect(r.statements[0]!.share).toBeCloseTo(5000 / 5060, 3);
    expect(slowQueriesFrom({ statements: [], log: [] }, [{ fromS: 0, toS: 1 }]).available).toBe(false);
  });
});

describe('run directory files', () => {
  it('load into a database section and a capacity estimate', async () => {
    const windows = Array.from({ length: 12 }, (_, t) => window(t, 'list', new Array<number>(100).fill(5)));
    const dir = writeRunDir({ windows });
    const meta: ObserveMeta = { prometheus: { url: 'http://127.0.0.1/metrics', interval_ms: 1000, pool: { in_use: 'pool_in_use', size: 'pool_size' } }, postgres: null, instances: 2, warnings: ['w'] };
    writeFileSync(join(dir, 'observe.json'), JSON.stringify(meta));
    const scrapes: ObservedScrapeRecord[] = Array.from({ length: 12 }, (_, t) => ({ t_s: t + 0.5, ok: true, error: null, values: { 'pool_in_use{pool="a"}': 1, pool_size: 10 }, duration_ms: 2 }));
    writeFileSync(join(dir, 'metrics.ndjson'), scrapes.map((s) => JSON.stringify(s)).join('\n'));
    const c = await capacity(dir);
    // 2 instances: each copy sees 50 rps with 1 connection in use → 20 ms
    expect(c).toMatchObject({ hold_ms: 20, instances: 2, configured: 20, peak_rps: 100, needed_at_3x: 6 });
    expect((await capacity(dir, 1))?.hold_ms).toBe(10);
    writeFileSync(join(dir, 'pg-activity.ndjson'), '{"t_s":0,"ok":true,"error":null,"total":1,"active":1,"idle":0,"idle_in_transaction":0,"waiting_lock":0,"max_active_ms":0,"max_xact_ms":0,"by_application":{}}\n{"t_s":1,"ok":tr');
    const section = databaseSection(await loadObserved(dir));
    expect(section?.warnings).toEqual(['w', 'pg-activity.ndjson:2: the last line is cut short (the run was killed while writing it); it is left out']);
    expect(section?.activity?.active.value).toBe(1);
    expect(section?.statements.available).toBe(false);
    // The same policy as the run's own files: damage anywhere but a torn last line is an error naming the file and line.
    writeFileSync(join(dir, 'pg-activity.ndjson'), 'not json\n{"t_s":0,"ok":true,"error":null,"total":1,"active":1,"idle":0,"idle_in_transaction":0,"waiting_lock":0,"max_active_ms":0,"max_xact_ms":0,"by_application":{}}\n');
    await expect(loadObserved(dir)).rejects.toMatchObject({ code: 'PS_RUN_DAMAGED', problems: [{ file: join(dir, 'pg-activity.ndjson'), line: 1 }] });
  });
});

describe('diagnosis steps from the observers', () => {
  const observed = (over: Partial<Awaited<ReturnType<typeof loadObserved>>> = {}) => ({
    meta: { prometheus: null, postgres: { server_version: '15', max_connections: 100, statements: true, log: null }, instances: 1, warnings: [] },
    scrapes: [], activity: [], statements: [], plans: [], log: [], events: [], offered: [], completed: [], problems: [], ...over,
  });
  it('step 2 names the statement that took the degraded windows and compares it with the rest of the run', async () => {
    const { slowQueriesFinding } = await import('../../src/observe/diagnosis.js');
    const statements = [line(0), line(2, delta('1', 'SELECT fast', 100, 50)), line(4, delta('2', 'SELECT * FROM orders WHERE tenant_id = $1', 10, 3000), delta('1', 'SELECT fast', 100, 60)), line(6, delta('2', 'SELECT * FROM orders WHERE tenant_id = $1', 10, 20))];
    const f = slowQueriesFinding(observed({ statements }), [{ fromS: 2.5, toS: 3.5 }])!;
    expect(f.status).toBe('found');
    expect(f.summary).toBe('In the degraded windows (2–4 s) (statement snapshots 2–4 s), `SELECT * FROM orders WHERE tenant_id = $1` took 98% of the database time there: 10 calls, mean 300 ms (2.00 ms outside them). Next: `SELECT fast` (mean 0.60 ms).');
    expect(slowQueriesFinding(observed({ meta: null }), [])).toBeNull();
    const off = observed();
    off.meta!.postgres!.statements = false;
    expect(slowQueriesFinding(off, [{ fromS: 0, toS: 1 }])).toMatchObject({ status: 'not-observed', how_to_enable: expect.stringMatching(/shared_preload_libraries/) as unknown });
  });

  it('step 5 leads with a plan change, else the flagged plans of the slowest queries', async () => {
    const { plansFinding, poolNote } = await import('../../src/observe/diagnosis.js');
    const flagged = plan(90, 'slowest', 'eeee', 'Seq Scan on orders', { source: 'slowest', query: 'q42', bucket: 'fixed', flags: [{ kind: 'seq-scan', node: 'Seq Scan on orders', message: 'sequential scan of a 200,000-row table' }] });
    const f = plansFinding(observed({ plans: [flagged] }))!;
    expect(f).toMatchObject({ status: 'found' });
    expect(f.summary).toBe('q42: Seq Scan on orders, 120 ms — sequential scan of a 200,000-row table.');
    // A misestimate that carries up the tree (Aggregate ← Sort ← Scan, the same numbers) is said once.
    const est = (node: string) => ({ kind: 'estimate' as const, node, message: 'estimated 105 rows, got 0: off by 105x' });
    const carried = plan(90, 'slowest', 'ffff', 'Aggregate', { source: 'slowest', query: 'q7', bucket: 'fixed', flags: [est('Aggregate'), est('Sort'), est('Bitmap Heap Scan on orders')] });
    expect(plansFinding(observed({ plans: [carried] }))!.summary).toBe('q7: Aggregate, 0.40 ms — estimated 105 rows, got 0: off by 105x.');
    const flip = plansFinding(observed({ plans: [plan(0, 'start', 'a', 'Index Scan using i on orders'), plan(50, 'end', 'b', 'Seq Scan on orders')] }))!;
    expect(flip.summary).toMatch(/^The plan of pending-orders for the biggest tenant .* changed at 50 s/);
    expect(plansFinding(observed())).toMatchObject({ status: 'not-observed' });
    const act = { t_s: 3.2, ok: true, error: null, total: 12, active: 9, idle: 1, idle_in_transaction: 2, waiting_lock: 3, max_active_ms: 0, max_xact_ms: 0, by_application: {} };
    expect(poolNote(observed({ activity: [act] }), [{ fromS: 3, toS: 4 }], null)).toBe('pg_stat_activity in those windows: up to 9 active, 2 idle in transaction and 3 waiting on locks (12 connections).');
  });
});

describe('database timelines', () => {
  it('give pg_stat_activity per second and database time per snapshot interval', async () => {
    const { activityTimeline, statementsTimeline } = await import('../../src/observe/findings.js');
    const a = (t_s: number, active: number) => ({ t_s, ok: true, error: null, total: active + 1, active, idle: 1, idle_in_transaction: 0, waiting_lock: 0, max_active_ms: 0, max_xact_ms: 0, by_application: {} });
    expect(activityTimeline([a(0.1, 2), a(0.6, 5), a(1.2, 1)]).map((r) => [r.t_s, r.active])).toEqual([[0, 5], [1, 1]]);
    const t = statementsTimeline([line(0), line(2, delta('1', 'q', 100, 500)), line(4, delta('2', 'r', 10, 40), delta('1', 'q', 10, 2))]);
    expect(t).toEqual([
      { from_s: 0, to_s: 2, exec_ms_per_s: 250, calls_per_s: 50, top_queryid: '1' },
      { from_s: 2, to_s: 4, exec_ms_per_s: 21, calls_per_s: 10, top_queryid: '2' },
    ]);
  });
});

describe('statement text in summaries', () => {
  it('keeps FROM and WHERE visible when the select list is long', async () => {
    const { shortSql } = await import('../../src/observe/diagnosis.js');
    expect(shortSql('SELECT id::text AS id, customer_id, status, created_at, total::float8 AS total FROM orders WHERE tenant_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT $3'))
      .toBe('SELECT … FROM orders WHERE tenant_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT $3');
    expect(shortSql('SELECT 1')).toBe('SELECT 1');
  });
});
