/**
 * Loading into a real PostgreSQL (the throwaway server of `npm run ci`):
 * expected counts per tenant and id ranges as the manifest says, keys,
 * indexes and ANALYZE done, refusal to load into non-empty tables unless
 * replace, empty existing tables filled as they are.
 */
import pg from 'pg';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, loadIntoPostgres, postgresSink, prepareDataset, writeDataset } from '../../src/data/index.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { InputError, RunError } from '../../src/core/errors.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { createTestDatabase, skipWithoutPg } from '../helpers/pg.js';
import type { Manifest } from '../../src/data/manifest.js';

const SAAS = join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml');

// Every column kind and every type the binary COPY encoder writes, with NULLs, negatives, big and tiny numbers.
const TYPES = `name: types
data:
  tenant_table: orgs
  tables:
    orgs:
      rows: 40
      columns:
        id: { id: uuid }
        name: { faker: company.name, type: "varchar(200)" }
        since: { timestamp: { at: signup } }
        day: { timestamp: { at: signup }, type: date }
        local: { timestamp: { at: signup - 90m }, type: timestamp }
    items:
      rows: 6000
      per_tenant: { zipf: 1 }
      columns:
        id: { id: sequential, start: 5 }
        org_id: { ref: orgs }
        small: { number: uniform, min: -300, max: 300, type: smallint }
        mid: { number: normal, mean: 0, sd: 100000, type: integer }
        big: { number: lognormal, median: 1000000, sigma: 6, decimals: 4 }
        neg: { number: normal, mean: 0, sd: 0.01, decimals: 5, nulls: 10% }
        cents: { number: uniform, min: -2, max: 2, decimals: 2 }
        ratio: { number: uniform, min: 0, max: 1, decimals: 3, type: double precision }
        r4: { number: uniform, min: 0, max: 1, decimals: 2, type: real }
        flag: { choice: { "true": 1, "false": 1 }, type: boolean }
        price: { faker: commerce.price }
        n: { faker: number.int, args: { min: -5, max: 5 } }
        f: { faker: number.float, args: { min: 0, max: 1, fractionDigits: 3 } }
        ok: { faker: datatype.boolean }
        when: { faker: date.past, args: { refDate: "2025-01-01T00:00:00Z" } }
        uniq: { faker: internet.email, unique: true }
        tag: { constant: "tab\\there, \\"quoted\\"", nulls: 30% }
        zero: { constant: 0 }
        parent: { ref: items, nulls: 20% }
`;

describe.skipIf(skipWithoutPg())('loading into PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let client: pg.Client;
  const dirs: string[] = [];
  const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => (await client.query<R>(sql, params)).rows;

  beforeAll(async () => {
    db = await createTestDatabase('ps_data');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  let manifest: Manifest;
  it('loads the default scenario with the expected counts per tenant and id ranges', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ps-pg-'));
    dirs.push(out);
    manifest = await loadIntoPostgres(SAAS, { url: db.url, out, scale: 0.2, seed: 3 });
    expect(manifest.format).toBe('postgres');
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'schema.sql']);
    expect(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))).toEqual(manifest);
    for (const [table, rows] of Object.entries(manifest.tables)) {
      expect((await q<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n, table).toBe(String(rows));
    }
    const perTenant = await q<{ tenant_id: string; n: string; lo: string; hi: string }>(
      'SELECT tenant_id, count(*) AS n, min(id) AS lo, max(id) AS hi FROM orders GROUP BY tenant_id',
    );
    const got = new Map(perTenant.map((r) => [r.tenant_id, r]));
    for (const t of manifest.tenants) {
      const r = got.get(t.id);
      const [first, count] = t.ranges?.orders ?? [0, 0];
      expect([Number(r?.n ?? 0), Number(r?.lo ?? first), Number(r?.hi ?? first + count - 1)], `tenant ${t.id}`).toEqual([t.rows, first, first + count - 1]);
    }
    // Every order's customer is an account of the same tenant.
    expect((await q<{ n: string }>('SELECT count(*) AS n FROM orders o JOIN accounts a ON a.id = o.customer_id WHERE a.tenant_id <> o.tenant_id'))[0]?.n).toBe('0');
    expect((await q<{ n: string }>('SELECT count(*) AS n FROM orders o LEFT JOIN accounts a ON a.id = o.customer_id WHERE a.id IS NULL'))[0]?.n).toBe('0');
    // The biggest tenant is ~250x the median, as the manifest says.
    const big = await q<{ n: string }>('SELECT count(*) AS n FROM orders GROUP BY tenant_id ORDER BY 1 DESC LIMIT 1');
    expect(Number(big[0]?.n)).toBe(manifest.summary?.max);
  });

  it('creates primary keys and the declared indexes, and ANALYZEs every table', async () => {
    const idx = await q<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
    expect(idx.map((i) => i.indexname)).toEqual([
      'accounts_pkey', 'accounts_tenant_id_idx', 'orders_created_at_idx', 'orders_pkey', 'orders_tenant_id_idx', 'tenants_pkey',
    ]);
    const pks = await q<{ conname: string }>("SELECT conname FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace ORDER BY 1");
    expect(pks.map((p) => p.conname)).toEqual(['accounts_pkey', 'orders_pkey', 'tenants_pkey']);
    const stats = await q<{ relname: string; analyzed: boolean }>(
      "SELECT relname, last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    expect(stats).toEqual([{ relname: 'accounts', analyzed: true }, { relname: 'orders', analyzed: true }, { relname: 'tenants', analyzed: true }]);
    const types = await q<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position",
    );
    expect(types.map((t) => `${t.column_name} ${t.data_type}${t.is_nullable === 'NO' ? ' not null' : ''}`)).toEqual([
      'id bigint not null', 'tenant_id bigint not null', 'customer_id bigint not null', 'status text not null',
      'created_at timestamp with time zone not null', 'total numeric not null',
    ]);
  });

  it('refuses to load into tables that hold rows, and leaves them alone', async () => {
    const err = await loadIntoPostgres(SAAS, { url: db.url, scale: 0.05, seed: 4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('PS_PG_NOT_EMPTY');
    expect((err as InputError).message).toMatch(/^--to: tables tenants, accounts, orders in 127\.0\.0\.1:\d+\/ps_data_\w+ already have rows; prodshape loads only into missing or empty tables$/);
    expect((err as InputError).hint).toBe('pass --replace to drop and recreate tenants, accounts, orders');
    expect((await q<{ n: string }>('SELECT count(*) AS n FROM orders'))[0]?.n).toBe(String(manifest.tables.orders));
  });

  it('replaces them when asked, and writes files too when a format is given', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ps-pg-'));
    dirs.push(out);
    const { manifest: m2, files } = await generate(SAAS, { to: db.url, replace: true, out, format: 'csv', scale: 0.05, seed: 4 });
    expect(files).toEqual({ tenants: 'tenants.csv', accounts: 'accounts.csv', orders: 'orders.csv' });
    expect((await q<{ n: string }>('SELECT count(*) AS n FROM orders'))[0]?.n).toBe(String(m2.tables.orders));
    const csvLines = (await readFile(join(out, 'orders.csv'), 'utf8')).trim().split('\n').length - 1;
    expect(csvLines).toBe(m2.tables.orders);
  });

  it('fills existing empty tables as they are (columns in another order, the user\'s own index kept)', async () => {
    await client.query('DROP TABLE IF EXISTS tenants, accounts, orders');
    await client.query('CREATE TABLE tenants (created_at timestamptz, plan text, name text, id bigint PRIMARY KEY, extra text DEFAULT $$x$$)');
    await client.query('CREATE INDEX tenants_plan ON tenants (plan)');
    const m = await loadIntoPostgres(SAAS, { url: db.url, scale: 0.05, seed: 4 });
    expect((await q<{ n: string; extra: string }>('SELECT count(*) AS n, min(extra) AS extra FROM tenants'))[0]).toEqual({ n: String(m.tables.tenants), extra: 'x' });
    const idx = await q<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'tenants' ORDER BY 1");
    expect(idx.map((i) => i.indexname)).toEqual(['tenants_pkey', 'tenants_plan']);
  });

  it('stores the same values with binary COPY as with CSV, for every column type', async () => {
    const other = await createTestDatabase('ps_csv');
    try {
      const ds = await prepareDataset(parseScenario(TYPES, '/tmp/types.yaml'), { seed: 8 });
      expect(ds.tables.every((t) => t.binRow !== null)).toBe(true);
      await writeDataset(ds, [postgresSink({ url: db.url, replace: true })]);
      await writeDataset(ds, [postgresSink({ url: other.url, binary: false })]);
      const c2 = new pg.Client({ connectionString: other.url });
      await c2.connect();
      try {
        for (const t of ['orgs', 'items']) {
          const sql = `SELECT to_jsonb(x)::text AS row FROM ${t} x ORDER BY id`;
          const a = (await client.query<{ row: string }>(sql)).rows.map((r) => r.row);
          const b = (await c2.query<{ row: string }>(sql)).rows.map((r) => r.row);
          expect(a.length).toBe(ds.tables.find((x) => x.name === t)?.plan.rows);
          const diff = a.filter((row, k) => row !== b[k]);
          expect(diff.slice(0, 3), t).toEqual([]);
        }
        const types = await client.query<{ t: string }>("SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) AS t FROM pg_attribute WHERE attrelid = 'items'::regclass AND attnum > 0");
        expect(types.rows[0]?.t).toBe('bigint,uuid,smallint,integer,numeric,numeric,numeric,double precision,real,boolean,text,bigint,double precision,boolean,timestamp with time zone,text,text,bigint,bigint');
      } finally {
        await c2.end();
      }
    } finally {
      await other.drop();
    }
  });

  it('fails with exit code 3 when the server cannot be reached', async () => {
    const err = await loadIntoPostgres(SAAS, { url: 'postgres://u:sekrit@127.0.0.1:1/none', scale: 0.05 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunError);
    expect((err as RunError).exitCode).toBe(3);
    expect((err as RunError).message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/none: /);
    expect((err as RunError).message).not.toContain('sekrit');
  });
});
