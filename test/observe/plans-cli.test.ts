/**
 * `prodshape plans snapshot|check`, end to end through the built CLI against
 * real PostgreSQL: a snapshot matches itself (exit 0), survives stale
 * statistics (recipe B of docs/algorithms.md §9 keeps the Index Scan until ANALYZE), and
 * after ANALYZE the check fails with exit 2 and a diff naming the query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import { CLI, ensureBuilt } from '../helpers/cli.js';


const cli = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe.skipIf(skipWithoutPg())('prodshape plans (built CLI)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let c: pg.Client;
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-plans-'));
  const file = join(dir, 'plans.json');
  const scenarioFile = join(dir, 'tickets.yaml');
  let secretUrl = '';

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase('plans');
    c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('SELECT setseed(0.42)');
    await c.query(`CREATE TABLE tickets (id bigserial PRIMARY KEY, tenant_id int NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL, payload text)
      WITH (fillfactor = 45, autovacuum_enabled = false)`);
    await c.query(`INSERT INTO tickets (tenant_id, status, created_at, payload)
      SELECT floor(pow(100, random()))::int, CASE WHEN random() < 0.995 THEN 'done' ELSE 'failed' END,
             timestamptz '2024-01-01' + g * interval '30 seconds', repeat('x', 60) FROM generate_series(1, 50000) g`);
    await c.query('CREATE INDEX ON tickets (status)');
    await c.query('CREATE INDEX ON tickets (tenant_id, created_at)');
    await c.query('VACUUM ANALYZE tickets');
    const sizes = await c.query<{ id: string; rows: string }>('SELECT tenant_id::text AS id, count(*)::text AS rows FROM tickets GROUP BY 1');
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'manifest.json'), JSON.stringify({ seed: 1, scenario: 'tickets', tables: { tickets: 50000 }, tenants: sizes.rows.map((r) => ({ id: r.id, rows: Number(r.rows) })) }));
    writeFileSync(scenarioFile, `name: tickets
tenants: { manifest: data/manifest.json }
observe:
  postgres: { url: "\${PS_PLANS_TEST_DB}" }
plans:
  - name: failed-tickets
    sql: SELECT * FROM tickets WHERE status = 'failed'
  - name: tenant-tickets
    sql: SELECT * FROM tickets WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 10
    params: ["{tenant}"]
`);
    const u = new URL(db.url);
    u.password = 'topsecretpw';
    secretUrl = u.toString();
  });
  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  it('snapshots, matches itself, survives stale statistics, and fails with a diff after ANALYZE flips the plan', async () => {
    const env = { PS_PLANS_TEST_DB: db.url };
    const snap = cli(['plans', 'snapshot', '--scenario', scenarioFile, '--file', file], env);
    expect(snap.stderr).toBe('');
    expect(snap.code).toBe(0);
    expect(snap.stdout).toMatch(/wrote 4 plan fingerprints/);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { plans: { query: string; bucket: string; shape: string }[] };
    expect(saved.plans.map((p) => `${p.query}:${p.bucket}`)).toEqual(['failed-tickets:fixed', 'tenant-tickets:biggest', 'tenant-tickets:median', 'tenant-tickets:empty']);
    expect(saved.plans[0]?.shape).toBe('Index Scan using tickets_status_idx on tickets');

    const same = cli(['plans', 'check', '--scenario', scenarioFile, '--file', file, '--db', secretUrl]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/all 4 plans match/);

    await c.query("UPDATE tickets SET status = 'failed' WHERE random() < 0.70");
    const stale = cli(['plans', 'check', '--scenario', scenarioFile, '--file', file], env);
    expect(stale.code, stale.stdout).toBe(0);

    await c.query('ANALYZE tickets');
    const flipped = cli(['plans', 'check', '--scenario', scenarioFile, '--file', file, '--db', secretUrl]);
    expect(flipped.code).toBe(2);
    expect(flipped.stdout).toMatch(/CHANGED {2}failed-tickets/);
    expect(flipped.stdout).toContain('- Index Scan using tickets_status_idx on tickets');
    expect(flipped.stdout).toContain('+ Seq Scan on tickets');
    expect(flipped.stdout).toMatch(/ok {7}tenant-tickets \(biggest tenant/);
    expect(flipped.stderr).toMatch(/1 plan changed: failed-tickets/);
    expect(flipped.stderr).toMatch(/hint: .*plans snapshot/);
    expect(flipped.stdout + flipped.stderr).not.toContain('topsecretpw');
  });

  it('exits 1 on bad input and 3 when the database cannot be reached', () => {
    const missing = cli(['plans', 'check', '--scenario', scenarioFile, '--file', join(dir, 'nope.json')], { PS_PLANS_TEST_DB: db.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the plans snapshot/);
    const noEnv = cli(['plans', 'snapshot', '--scenario', scenarioFile, '--file', file], { PS_PLANS_TEST_DB: '' });
    expect(noEnv.code).toBe(1);
    expect(noEnv.stderr).toMatch(/observe.postgres.url: \$\{PS_PLANS_TEST_DB\} is not set/);
    const down = cli(['plans', 'check', '--scenario', scenarioFile, '--file', file, '--db', 'postgres://x:pw12345@127.0.0.1:1/none']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot connect to PostgreSQL/);
    expect(down.stderr).not.toContain('pw12345');
    const bad = cli(['plans', 'frobnicate', '--scenario', scenarioFile, '--file', file]);
    expect(bad.code).toBe(1);
  });
});
