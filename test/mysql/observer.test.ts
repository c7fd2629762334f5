/**
 * The MySQL/MariaDB observer inside a real `prodshape replay` (built CLI):
 * saas-orders loaded into a throwaway MariaDB with `generate --to mysql://`,
 * a tiny service on 127.0.0.1 whose every request runs one mysql2 query on
 * the tenant's orders, and a scenario with `observe.mysql.url` (from the
 * environment) and a `plans:` query. report.json's database section must
 * hold the service's statement from performance_schema's digests with calls,
 * the processlist counts and the plans per tenant bucket; the password must
 * appear in no file of the run.
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

interface Report {
  diagnosis: { id: string; status: string; summary: string }[];
  database?: {
    statements: { available: boolean; top_by_total: { query: string; calls: number; total_exec_ms: number }[] };
    activity: { total: { value: number } } | null;
    plans: { query: string; bucket: string; ok: boolean; shape: string | null; error: string | null }[];
    warnings: string[];
  } | null;
}

describe.skipIf(found.bin === null)(`MySQL observer in a replay (built CLI)${found.skip === null ? '' : ` (skipped: ${found.skip})`}`, () => {
  let server: MariadbTestServer;
  let url: string;
  let root: mysql.Connection;
  let pool: mysql.Pool;
  let http: Server;
  let base: string;
  let work: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-mysql-observer-'));
    server = await startMariadb(found.bin!);
    root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    for (const sql of ['CREATE DATABASE shop', `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`, "GRANT ALL ON *.* TO 'app'@'127.0.0.1'"]) await root.query(sql);
    url = `mysql://app:${PASSWORD}@127.0.0.1:${server.port}/shop`;
    const gen = await runCli(['generate', '--scenario', 'saas-orders', '--to', url, '--out', join(work, 'data'), '--scale', '0.05'], { timeoutMs: 90_000 });
    expect(gen.code, gen.stderr).toBe(0);
    pool = mysql.createPool({ host: '127.0.0.1', port: server.port, user: 'app', password: PASSWORD, database: 'shop', connectionLimit: 4 });
    http = createServer((req, res) => {
      const tenant = /^\/tenants\/([^/?]+)\//.exec(req.url ?? '')?.[1];
      if (tenant === undefined) return void res.writeHead(404).end();
      pool.query(SERVICE_SQL, [decodeURIComponent(tenant)]).then(
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

  it('puts the digests, the processlist and the plans into the report, and the password nowhere', async () => {
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
`);
    const profile = join(work, 'eight.yaml');
    await writeFile(profile, 'name: eight\narrival: poisson\nstages:\n  - { duration: 8s, rate: 25 }\n');
    const out = join(work, 'run');
    const run = await runCli(['replay', '--scenario', scenario, '--profile', profile, '--target', base, '--out', out, '--data', join(work, 'data'), '--seed', '7'], {
      env: { SHOP_DB_URL: url }, timeoutMs: 90_000,
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);

    const observe = JSON.parse(await readFile(join(out, 'observe.json'), 'utf8')) as { mysql?: { server_version: string; statements: boolean }; warnings: string[] };
    expect(observe.mysql).toMatchObject({ server_version: expect.stringMatching(/^MariaDB \d+\.\d+$/) as unknown, statements: true });

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);
    const db = report.database;
    expect(db?.statements.available, JSON.stringify(observe.warnings)).toBe(true);
    const top = db?.statements.top_by_total ?? [];
    expect(top.every((s) => s.calls > 0)).toBe(true);
    const service = top.find((s) => /FROM `orders` WHERE `tenant_id` = \?/.test(s.query));
    expect(service, JSON.stringify(top.map((s) => s.query))).toBeDefined();
    // 8 s at 25/s, less the requests before the first snapshot and after the last: most of ~200.
    expect(service!.calls).toBeGreaterThan(100);
    expect(service!.total_exec_ms).toBeGreaterThan(0);
    // No statement of the observer's own (performance_schema, processlist, EXPLAIN) is counted.
    expect(top.filter((s) => /performance_schema|information_schema|EXPLAIN/i.test(s.query))).toEqual([]);
    // The service's pool connections are seen by the processlist poll.
    expect(db?.activity?.total.value).toBeGreaterThan(0);
    const plans = (db?.plans ?? []).filter((p) => p.query === 'tenant-orders');
    expect(plans.map((p) => p.bucket).sort()).toEqual(['biggest', 'empty', 'median']);
    for (const p of plans) {
      expect(p.ok, p.error ?? '').toBe(true);
      expect(p.shape).toMatch(/on orders/);
    }

    // Diagnosis steps 2 and 5 read the same records: observed, not "the observer was not on".
    const step = (id: string) => report.diagnosis.find((d) => d.id === id);
    expect(step('slow-queries')?.status, step('slow-queries')?.summary).not.toBe('not-observed');
    expect(step('slow-queries')?.summary).toMatch(/`orders`/);
    expect(step('plans')?.status, step('plans')?.summary).not.toBe('not-observed');
    expect(step('plans')?.summary).toMatch(/tenant-orders/);

    for (const f of await readdir(out)) {
      const text = await readFile(join(out, f), 'utf8');
      expect(text.includes(PASSWORD), f).toBe(false);
    }
  }, 150_000);
});
