/**
 * The observers inside a real `prodshape replay` (built CLI) against a small
 * local service on real PostgreSQL: a pg pool with its gauges on /metrics, an
 * endpoint reading one tenant's tickets, and a `migrate` action that makes
 * recipe B (docs/algorithms.md §9) happen mid-run (UPDATE, then ANALYZE). The run
 * directory gets the scrapes, pg_stat_activity, statement deltas and plans;
 * the plan change becomes a plan-regression break naming the query and the
 * event; the capacity math uses the pool gauges and `--instances`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { formatExposition } from '../../src/core/prom-text.js';
import { capacity, loadObserved, planRegressionBreaks, slowQueriesFrom } from '../../src/observe/findings.js';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';


describe.skipIf(skipWithoutPg())('observers in a replay (built CLI)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;
  let server: Server;
  let base = '';
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-obs-e2e-'));

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase('obse2e');
    pool = new pg.Pool({ connectionString: db.url, max: 4, application_name: 'ticket-service' });
    await pool.query('SELECT setseed(0.42)');
    await pool.query(`CREATE TABLE tickets (id bigserial PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, payload text)
      WITH (fillfactor = 45, autovacuum_enabled = false)`);
    await pool.query(`INSERT INTO tickets (tenant_id, status, created_at, payload)
      SELECT floor(pow(100, random()))::int, CASE WHEN random() < 0.995 THEN 'done' ELSE 'failed' END,
             timestamptz '2024-01-01' + g * interval '30 seconds', repeat('x', 60) FROM generate_series(1, 50000) g`);
    await pool.query('CREATE INDEX ON tickets (status)');
    await pool.query('CREATE INDEX ON tickets (tenant_id, created_at)');
    await pool.query('VACUUM ANALYZE tickets');
    const sizes = await pool.query<{ id: string; rows: string }>('SELECT tenant_id::text AS id, count(*)::text AS rows FROM tickets GROUP BY 1');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'manifest.json'), JSON.stringify({ seed: 1, scenario: 'tickets', tables: { tickets: 50000 }, tenants: sizes.rows.map((r) => ({ id: r.id, rows: Number(r.rows) })) }));

    const gauge = (name: string, help: string, value: number) => ({ name, help, type: 'gauge' as const, samples: [{ labels: {}, value }] });
    const scrape = (): string => formatExposition([
      gauge('app_db_pool_in_use', 'checked out', pool.totalCount - pool.idleCount),
      gauge('app_db_pool_waiting', 'waiting', pool.waitingCount),
      gauge('app_db_pool_size', 'max', 4),
    ]);
    server = createServer((req, res) => {
      const fail = (e: unknown) => res.writeHead(500).end(String(e));
      const m = /^\/tenants\/(\d+)\/tickets/.exec(req.url ?? '');
      if (m) {
        pool.query('SELECT * FROM tickets WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10', [m[1]]).then((r) => res.end(JSON.stringify(r.rows.length)), fail);
        pool.query("SELECT count(*) FROM tickets WHERE status = 'failed'").catch(fail);
      } else if (req.url === '/admin/migrate' && req.method === 'POST') {
        pool.query("UPDATE tickets SET status = 'failed' WHERE random() < 0.70").then(() => pool.query('ANALYZE tickets')).then(() => res.end('migrated'), fail);
      } else if (req.url === '/metrics') {
        res.end(scrape());
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'tickets.yaml'), `name: tickets
endpoints:
  - { name: list-tickets, path: "/tenants/{tenant}/tickets" }
actions:
  migrate: { http: POST /admin/migrate }
observe:
  prometheus: /metrics
  pool: { in_use: app_db_pool_in_use, waiting: app_db_pool_waiting, size: app_db_pool_size }
plans:
  - name: failed-tickets
    sql: SELECT count(*) FROM tickets WHERE status = 'failed'
  - name: tenant-tickets
    sql: SELECT * FROM tickets WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10
    params: ["{tenant}"]
`);
    writeFileSync(join(dir, 'steady-migrate.yaml'), 'name: steady-migrate\narrival: poisson\nstages:\n  - { duration: 8s, rate: 40 }\nevents:\n  - { at: 4s, action: migrate }\n');
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await pool?.end();
    await db?.drop();
  });

  it('writes the observe files and finds the plan regression after the migrate event', async () => {
    const out = join(dir, 'run');
    const args = [CLI, 'replay', '--scenario', join(dir, 'tickets.yaml'), '--profile', join(dir, 'steady-migrate.yaml'), '--target', base, '--out', out,
      '--data', join(dir, 'data'), '--pg', db.url, '--instances', '2', '--seed', '7'];
    let text = '';
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('exit', (c) => {
        if (c !== 0) console.error(text);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    // The observer's connections run one query at a time: node-postgres warns on the user's terminal when two overlap.
    expect(text).not.toMatch(/DeprecationWarning/);
    const o = await loadObserved(out);
    expect(o.meta?.instances).toBe(2);
    expect(o.meta?.postgres?.statements).toBe(true);
    expect(o.scrapes.filter((s) => s.ok).length).toBeGreaterThanOrEqual(7);
    expect(o.activity.some((a) => a.by_application['ticket-service'] !== undefined)).toBe(true);
    expect(o.statements.map((s) => s.label)).toContain('event:migrate');
    const breaks = await planRegressionBreaks(out);
    const b = breaks.find((x) => x.evidence.query === 'failed-tickets');
    expect(b, JSON.stringify(breaks)).toBeDefined();
    expect(b!.summary).toMatch(/failed-tickets .*migrate event at 4 s/);
    expect(String(b!.evidence.after)).toMatch(/Seq Scan on tickets/);
    // the UPDATE of the migration is in the statement deltas of its window
    const slow = slowQueriesFrom(o, [{ fromS: 3.5, toS: 6 }]);
    expect(slow.statements.some((s) => /UPDATE tickets/.test(s.query))).toBe(true);
    const cap = await capacity(out);
    expect(cap?.hold_source).toBe('pool-gauges');
    expect(cap?.configured).toBe(8);
    expect(cap?.sentence).toMatch(/2 instances x 4 = 8 are configured/);

    // report.json: the break, the diagnosis steps and the database section
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      breaks: { kind: string; evidence: Record<string, unknown>; summary: string }[];
      diagnosis: { id: string; status: string; summary: string }[];
      database?: { capacity: unknown; plans: unknown[] };
    };
    expect(reportSchemaErrors(report)).toEqual([]);
    const pr = report.breaks.find((x) => x.kind === 'plan-regression');
    expect(pr?.evidence.query).toBe('failed-tickets');
    const step = (id: string) => report.diagnosis.find((d) => d.id === id);
    expect(step('plans')).toMatchObject({ status: 'found', summary: expect.stringMatching(/failed-tickets/) as unknown });
    expect(step('slow-queries')?.status).not.toBe('not-observed');
    expect(step('pool')?.summary).toMatch(/2 instances x 4 = 8 are configured/);
    expect(report.database?.plans.length).toBeGreaterThan(0);
    // report.html: the Database section with the capacity sentence, statements and plans
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Database</h2>');
    expect(html).toMatch(/<p id="capacity"><b>Capacity.<\/b> At the run&#39;s peak of|<p id="capacity"><b>Capacity.<\/b> At the run's peak of/);
    expect(html).toMatch(/<table id="statements">.*SELECT count\(\*\) FROM tickets WHERE status = \$1/s);
    expect(html).toMatch(/<table id="plans">.*failed-tickets/s);
  });
});
