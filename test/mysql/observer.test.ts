/**
 * The MySQL/MariaDB observer inside a real `prodshape replay` (built CLI):
 * saas-orders loaded into a throwaway MariaDB with `generate --to mysql://`,
 * a tiny service on 127.0.0.1 whose every request runs one mysql2 query on
 * the tenant's orders, and a scenario with `observe.mysql.url` (from the
 * environment) and two `plans:` queries. report.json's database section must
 * hold the service's statement from performance_schema's digests with calls,
 * the processlist counts and the plans per tenant bucket with ANALYZE's
 * figures; the password must appear in no file of the run. Mid-run the test
 * flips a plan (most orders become pending, then ANALYZE TABLE: the status
 * index gives way to a full scan), which the observer's periodic re-check
 * must catch as a `plan-regression` break naming the query; and with the
 * slow query log on into `mysql.slow_log` (`long_query_time` 0.1 s), the
 * service's planted `SLEEP(0.2)` SELECT must reach the report's log section;
 * with the log going to a FILE only, observe.json must say so and the run go on.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { mariadbBinaries, startMariadb, tearDown, type MariadbTestServer } from '../helpers/mariadb-server.js';

const found = mariadbBinaries();
const PASSWORD = 'Observe-Pw-4471';
const SERVICE_SQL = 'SELECT id, total FROM orders WHERE tenant_id = ? ORDER BY created_at DESC LIMIT 10';
/** Run by one request in 20: a planted slow statement (0.2 s, over the 0.1 s long_query_time). */
const SLOW_SQL = 'SELECT SLEEP(0.2) AS planted_slow, COUNT(*) AS n FROM orders WHERE tenant_id = ?';
const PENDING_SQL = "SELECT id, total FROM orders WHERE status = 'pending'";
/** Plans harmlessly, but executing it would take a user lock: EXPLAINed, never ANALYZEd. */
const LOCK_SQL = "SELECT GET_LOCK('observer-held', 0) AS l FROM orders WHERE id = 1";
/** Requests the service has seen when the test flips the pending-orders plan (about 2.4 s into the run at 25/s). */
const FLIP_AFTER = 60;

interface Report {
  diagnosis: { id: string; status: string; summary: string }[];
  database?: {
    statements: { available: boolean; top_by_total: { query: string; calls: number; total_exec_ms: number }[] };
    activity: { total: { value: number } } | null;
    plans: { query: string; bucket: string; ok: boolean; shape: string | null; error: string | null; execution_ms: number | null }[];
    log: { entries: number; slowest: { kind: string; duration_ms: number; statement: string | null }[] };
    warnings: string[];
  } | null;
  breaks: { kind: string; summary: string; evidence: { query?: string; before?: string; after?: string } }[];
}

describe.skipIf(found.bin === null)(`MySQL observer in a replay (built CLI)${found.skip === null ? '' : ` (skipped: ${found.skip})`}`, () => {
  let server: MariadbTestServer;
  let url: string;
  let root: mysql.Connection;
  let pool: mysql.Pool;
  let http: Server;
  let base: string;
  let work: string;
  let seen = 0;
  let flip: Promise<unknown> | null = null;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-mysql-observer-'));
    server = await startMariadb(found.bin!);
    root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    for (const sql of ['CREATE DATABASE shop', `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`, "GRANT ALL ON *.* TO 'app'@'127.0.0.1'"]) await root.query(sql);
    url = `mysql://app:${PASSWORD}@127.0.0.1:${server.port}/shop`;
    const gen = await runCli(['generate', '--scenario', 'saas-orders', '--to', url, '--out', join(work, 'data'), '--scale', '0.05'], { timeoutMs: 90_000 });
    expect(gen.code, gen.stderr).toBe(0);
    // The plan to flip: an index on status, chosen while 3% of the orders are pending.
    // Statistics change only by ANALYZE TABLE (no background recalculation moving a borderline plan mid-run).
    for (const sql of ['CREATE INDEX orders_status_idx ON shop.orders (status)', 'ALTER TABLE shop.orders STATS_AUTO_RECALC = 0', 'ANALYZE TABLE shop.orders']) await root.query(sql);
    // The slow query log into mysql.slow_log; sessions opened from now on log statements over 0.1 s.
    await root.query("SET GLOBAL slow_query_log = ON, log_output = 'TABLE', long_query_time = 0.1");
    pool = mysql.createPool({ host: '127.0.0.1', port: server.port, user: 'app', password: PASSWORD, database: 'shop', connectionLimit: 4 });
    http = createServer((req, res) => {
      const tenant = /^\/tenants\/([^/?]+)\//.exec(req.url ?? '')?.[1];
      if (tenant === undefined) return void res.writeHead(404).end();
      seen++;
      if (seen === FLIP_AFTER) {
        flip = root.query("UPDATE shop.orders SET status = 'pending' WHERE id % 10 <> 0").then(() => root.query('ANALYZE TABLE shop.orders'));
      }
      pool.query(seen % 20 === 0 ? SLOW_SQL : SERVICE_SQL, [decodeURIComponent(tenant)]).then(
        ([rows]) => res.end(JSON.stringify((rows as unknown[]).length)),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }, 180_000);
  afterAll(async () => {
    await new Promise((r) => http?.close(r));
    await tearDown(server, work, root, pool);
  });

  it('puts the digests, the processlist, the ANALYZEd plans, a mid-run plan flip and the slow log into the report, and the password nowhere', async () => {
    const saas = await readFile(join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml'), 'utf8');
    const scenario = join(work, 'observed.yaml');
    await writeFile(scenario, `${saas.trimEnd()}

observe:
  mysql:
    url: \${SHOP_DB_URL}
plans:
  - name: tenant-orders
    sql: ${JSON.stringify(SERVICE_SQL)}
    params: ["{tenant}"]
  - name: pending-orders
    sql: ${JSON.stringify(PENDING_SQL)}
  - name: user-lock
    sql: ${JSON.stringify(LOCK_SQL)}
`);
    const profile = join(work, 'eight.yaml');
    // 12 s: the observer re-checks plans every 5 s, so the flip (~2.4 s in) is seen at 5 s or 10 s.
    await writeFile(profile, 'name: twelve\narrival: poisson\nstages:\n  - { duration: 12s, rate: 25 }\n');
    const out = join(work, 'run');
    const run = await runCli(['replay', '--scenario', scenario, '--profile', profile, '--target', base, '--out', out, '--data', join(work, 'data'), '--seed', '7'], {
      env: { SHOP_DB_URL: url }, timeoutMs: 90_000,
    });
    expect([0, 2], `${run.stdout}\n${run.stderr}`).toContain(run.code);
    expect(flip, 'the service saw too few requests to flip the plan').not.toBeNull();
    await flip;
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);

    const observe = JSON.parse(await readFile(join(out, 'observe.json'), 'utf8')) as { mysql?: { server_version: string; statements: boolean }; warnings: string[] };
    expect(observe.mysql).toMatchObject({
      server_version: expect.stringMatching(/^MariaDB \d+\.\d+$/) as unknown, statements: true,
      slow_log: { enabled: true, output: 'TABLE', long_query_time_ms: 100, read: true, reason: null },
    });

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);
    const db = report.database;
    expect(db?.statements.available, JSON.stringify(observe.warnings)).toBe(true);
    const top = db?.statements.top_by_total ?? [];
    expect(top.every((s) => s.calls > 0)).toBe(true);
    const service = top.find((s) => /FROM `orders` WHERE `tenant_id` = \?/.test(s.query) && !/planted_slow/.test(s.query));
    expect(service, JSON.stringify(top.map((s) => s.query))).toBeDefined();
    // 12 s at 25/s, 19 in 20 of them this statement, less those before the first snapshot and after the last: most of ~285.
    expect(service!.calls).toBeGreaterThan(150);
    expect(service!.total_exec_ms).toBeGreaterThan(0);
    // No statement of the observer's own (performance_schema, processlist, EXPLAIN) is counted.
    expect(top.filter((s) => /performance_schema|information_schema|EXPLAIN|ANALYZE FORMAT|slow_log|prodshape_guard/i.test(s.query))).toEqual([]);
    // The service's pool connections are seen by the processlist poll.
    expect(db?.activity?.total.value).toBeGreaterThan(0);
    const plans = (db?.plans ?? []).filter((p) => p.query === 'tenant-orders');
    expect(plans.map((p) => p.bucket).sort()).toEqual(['biggest', 'empty', 'median']);
    for (const p of plans) {
      expect(p.ok, p.error ?? '').toBe(true);
      expect(p.shape).toMatch(/on orders/);
      // ANALYZE FORMAT=JSON ran (read-only): the plan carries its execution time.
      expect(p.execution_ms, p.query).not.toBeNull();
    }
    const analyzed = (await readFile(join(out, 'pg-plans.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { query: string; label: string; analyze: boolean; rows_examined: number | null; shape: string | null });
    const startPending = analyzed.find((p) => p.query === 'pending-orders' && p.label === 'start');
    expect(startPending).toMatchObject({ analyze: true, shape: 'ref using orders_status_idx on orders' });
    // 3% of 9,200 orders are pending: the index reads about 276 rows.
    expect(startPending?.rows_examined).toBeGreaterThan(100);
    expect(startPending?.rows_examined).toBeLessThan(1000);

    // The user-lock plan: EXPLAINed only (one warning), and no lock left behind.
    const locked = analyzed.filter((p) => p.query === 'user-lock');
    expect(locked.length).toBeGreaterThan(0);
    expect(locked.every((p) => !p.analyze && p.shape === 'const using PRIMARY on orders'), JSON.stringify(locked)).toBe(true);
    expect(observe.warnings.filter((w) => /plan user-lock is EXPLAINed but not ANALYZEd: refused: not ANALYZEd: it calls get_lock\(\)/.test(w))).toHaveLength(1);
    const [lock] = await root.query("SELECT IS_FREE_LOCK('observer-held') AS free");
    expect(Number((lock as { free: number }[])[0]?.free)).toBe(1);

    // The flip became a plan-regression break naming the query, from the index to a full scan.
    const pr = report.breaks.find((b) => b.kind === 'plan-regression');
    expect(pr, JSON.stringify(report.breaks.map((b) => b.summary))).toBeDefined();
    expect(pr!.evidence).toMatchObject({ query: 'pending-orders', before: 'ref using orders_status_idx on orders', after: 'ALL on orders' });
    expect(pr!.summary).toMatch(/The plan of pending-orders changed at \d+ s/);
    expect(report.breaks.filter((b) => b.kind === 'plan-regression' && b.evidence.query !== 'pending-orders')).toEqual([]);

    // The planted slow statement, from mysql.slow_log; none of the observer's own statements.
    const slow = db?.log.slowest ?? [];
    expect(db?.log.entries, JSON.stringify(observe.warnings)).toBeGreaterThan(0);
    const planted = slow.filter((l) => /planted_slow/.test(l.statement ?? ''));
    expect(planted.length).toBeGreaterThan(0);
    for (const l of planted) {
      expect(l.kind).toBe('duration');
      // SLEEP(0.2) takes at least 200 ms (a lower bound only: a busy machine makes it longer).
      expect(l.duration_ms).toBeGreaterThanOrEqual(199);
    }
    expect(slow.filter((l) => /EXPLAIN|ANALYZE|performance_schema|slow_log/i.test(l.statement ?? ''))).toEqual([]);

    // Diagnosis steps 2 and 5 read the same records: observed, not "the observer was not on".
    const step = (id: string) => report.diagnosis.find((d) => d.id === id);
    expect(step('slow-queries')?.status, step('slow-queries')?.summary).not.toBe('not-observed');
    expect(step('slow-queries')?.summary).toMatch(/`orders`/);
    expect(step('plans')?.status, step('plans')?.summary).not.toBe('not-observed');
    // The plans step leads with the regression.
    expect(step('plans')?.summary).toMatch(/pending-orders/);

    for (const f of await readdir(out)) {
      const text = await readFile(join(out, f), 'utf8');
      expect(text.includes(PASSWORD), f).toBe(false);
    }

    // The slow log to a FILE only: observe.json says so, the run goes on, no log entries.
    await root.query("SET GLOBAL log_output = 'FILE'");
    const fileOut = join(work, 'run-file-log');
    await writeFile(profile, 'name: two\narrival: poisson\nstages:\n  - { duration: 2s, rate: 10 }\n');
    const second = await runCli(['replay', '--scenario', scenario, '--profile', profile, '--target', base, '--out', fileOut, '--data', join(work, 'data'), '--seed', '8'], {
      env: { SHOP_DB_URL: url }, timeoutMs: 60_000,
    });
    expect([0, 2], `${second.stdout}\n${second.stderr}`).toContain(second.code);
    const meta2 = JSON.parse(await readFile(join(fileOut, 'observe.json'), 'utf8')) as { mysql?: { slow_log?: { read: boolean; reason: string | null } } };
    expect(meta2.mysql?.slow_log?.read).toBe(false);
    expect(meta2.mysql?.slow_log?.reason).toMatch(/goes to FILE \(log_output\), which prodshape does not read/);
    expect((await readdir(fileOut)).includes('pg-log.ndjson')).toBe(false);
  }, 150_000);
});
