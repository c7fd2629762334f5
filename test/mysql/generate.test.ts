/**
 * `generate --to mysql://…` against a throwaway MariaDB through the built
 * CLI: row counts equal the manifest, keys and declared indexes exist, a
 * non-empty table is refused (exit 1), `--replace` works, SIGINT while the
 * biggest table loads, while indexes are built and just before the swap
 * leaves the previous tables as they were, a SIGKILLed load's tables are
 * dropped by the next load, a public host is refused before any connection, and the
 * password appears in no output. The INSERT method (library option) stores
 * the same rows as LOAD DATA.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/data/index.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { mariadbBinaries, startMariadb, tearDown, type MariadbTestServer } from '../helpers/mariadb-server.js';

const found = mariadbBinaries();
const SAAS = join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml');
const TABLES = ['tenants', 'accounts', 'orders'] as const;
const SCALE = '0.1';
const PASSWORD = 'Sekret-Pw-4711';

/** Each table's rows and CHECKSUM TABLE, and every index as `table.index(columns)`. */
const snapshot = async (c: mysql.Connection): Promise<{ tables: Record<string, string>; indexes: string[] }> => {
  const tables: Record<string, string> = {};
  for (const t of TABLES) {
    const [n] = await c.query(`SELECT COUNT(*) AS n FROM ${t}`);
    const [sum] = await c.query(`CHECKSUM TABLE ${t}`);
    tables[t] = `${(n as { n: number }[])[0]?.n} rows, checksum ${String((sum as { Checksum: unknown }[])[0]?.Checksum)}`;
  }
  const [ix] = await c.query(`SELECT CONCAT(TABLE_NAME, '.', INDEX_NAME, '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), ')') AS d
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) GROUP BY TABLE_NAME, INDEX_NAME ORDER BY 1`, [TABLES]);
  return { tables, indexes: (ix as { d: string }[]).map((r) => r.d) };
};

const loadTables = async (c: mysql.Connection): Promise<string[]> => {
  const [rows] = await c.query("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'prodshape\\_load\\_%'");
  return (rows as { n: string }[]).map((r) => r.n);
};

describe.skipIf(found.bin === null)(`generate --to mysql:// (built CLI, throwaway MariaDB)${found.skip === null ? '' : ` (skipped: ${found.skip})`}`, () => {
  let server: MariadbTestServer;
  let url: string;
  let c: mysql.Connection;
  let work: string;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-mysql-gen-'));
    server = await startMariadb(found.bin!);
    const root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    for (const sql of ['CREATE DATABASE shop', 'CREATE DATABASE other', `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`, "GRANT ALL ON shop.* TO 'app'@'127.0.0.1'", "GRANT ALL ON other.* TO 'app'@'127.0.0.1'"]) await root.query(sql);
    await root.end();
    url = `mysql://app:${PASSWORD}@127.0.0.1:${server.port}/shop`;
    c = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'shop' });
  }, 120_000);
  afterAll(() => tearDown(server, work, c));

  it('loads the dataset: row counts equal the manifest, keys and declared indexes exist, statistics taken, no password in output', async () => {
    const out = join(work, 'first');
    const r = await runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--to', url, '--out', out, '--quiet'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/→ MySQL\/MariaDB in/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { tables: Record<string, number>; format: string };
    expect(manifest.format).toBe('mysql');
    const snap = await snapshot(c);
    for (const t of TABLES) expect(snap.tables[t]).toMatch(new RegExp(`^${manifest.tables[t]} rows`));
    expect(snap.indexes).toEqual(expect.arrayContaining([
      'accounts.PRIMARY(id)', 'orders.PRIMARY(id)', 'tenants.PRIMARY(id)',
      'orders.orders_tenant_id_idx(tenant_id)', 'orders.orders_created_at_idx(created_at)', 'accounts.accounts_tenant_id_idx(tenant_id)',
    ]));
    // ANALYZE TABLE ran: InnoDB's persistent statistics hold the orders row count (an estimate within 50%).
    const [stats] = await c.query("SELECT n_rows FROM mysql.innodb_table_stats WHERE database_name = 'shop' AND table_name = 'orders'");
    expect(Number((stats as { n_rows: number }[])[0]?.n_rows)).toBeGreaterThan((manifest.tables.orders ?? 0) * 0.5);
    // NULL and timestamps read as PostgreSQL would: a timestamp round-trips to the CSV's text.
    const [ts] = await c.query("SELECT DATE_FORMAT(MIN(created_at), '%Y-%m-%dT%H:%i:%sZ') AS t, SUM(status IS NULL) AS nulls FROM orders");
    expect((ts as { t: string }[])[0]?.t).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await loadTables(c)).toEqual([]);
  }, 120_000);

  it('refuses tables that hold rows without --replace (exit 1, nothing changed)', async () => {
    const before = await snapshot(c);
    const r = await runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', url, '--out', join(work, 'refused'), '--quiet'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tables tenants, accounts, orders in 127\.0\.0\.1:\d+\/shop already have rows/);
    expect(r.stderr).toMatch(/--replace/);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(await snapshot(c)).toEqual(before);
  }, 60_000);

  /** Runs a seed-2 `--replace` load paused at `phase`, sends `sig` there, and returns its exit and stderr with the new tables seen mid-load. */
  const interruptAt = async (phase: string, sig: NodeJS.Signals = 'SIGINT'): Promise<{ code: number | null; stderr: string; mid: string[] }> => {
    let child: ChildProcess | null = null;
    let stderr = '';
    let mid: string[] = [];
    const paused = new Promise<void>((resolve) => {
      const check = (): void => {
        if (stderr.includes(`test pause at ${phase}`)) resolve();
      };
      const wait = (): void => {
        if (child === null) {
          setTimeout(wait, 20);
          return;
        }
        child.stderr?.on('data', (b: Buffer) => {
          stderr += b.toString();
          check();
        });
      };
      wait();
    });
    const run = runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--seed', '2', '--to', url, '--out', join(work, `stop-${phase}`), '--replace', '--quiet'],
      { env: { PRODSHAPE_TEST_PAUSE_AT: phase }, onChild: (ch) => (child = ch), timeoutMs: 90_000 });
    await Promise.race([paused, run.then((x) => { throw new Error(`exited before the pause: ${x.stderr}`); })]);
    mid = await loadTables(c);
    (child as ChildProcess | null)?.kill(sig);
    const r = await run;
    return { code: r.code, stderr, mid };
  };

  for (const phase of ['copy', 'indexes', 'swap']) {
    it(`SIGINT during the load (${phase}) exits 4 and leaves the previous tables as they were`, async () => {
      const before = await snapshot(c);
      const r = await interruptAt(phase);
      expect(r.mid.length, 'the load builds tables of its own').toBeGreaterThan(0);
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(/nothing was swapped into MySQL\/MariaDB/);
      expect(await snapshot(c)).toEqual(before);
      expect(await loadTables(c)).toEqual([]);
    }, 120_000);
  }

  it('a load killed with SIGKILL leaves its tables beside the previous ones; the next load drops them', async () => {
    const before = await snapshot(c);
    const r = await interruptAt('copy', 'SIGKILL');
    expect(r.code).toBeNull();
    expect(await snapshot(c)).toEqual(before);
    expect(r.mid.length).toBeGreaterThan(0);
    expect(await loadTables(c)).toEqual(expect.arrayContaining(r.mid));
    // The killed client's connections end when the server sees the closed socket, and its lock goes with them.
    // The same seed as the previous tables: after the next load they hold the same rows again.
    const next = await runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--to', url, '--out', join(work, 'after-kill'), '--replace', '--quiet'], { timeoutMs: 90_000 });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/generate: leftover table: dropped prodshape_load_[0-9a-f]{8}_n\d_/);
    expect(await loadTables(c)).toEqual([]);
    expect(await snapshot(c)).toEqual(before);
  }, 120_000);

  it('--replace swaps in the new dataset', async () => {
    const before = await snapshot(c);
    const out = join(work, 'replaced');
    const r = await runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--seed', '3', '--to', url, '--out', out, '--replace', '--quiet'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { tables: Record<string, number> };
    const after = await snapshot(c);
    for (const t of TABLES) expect(after.tables[t]).toMatch(new RegExp(`^${manifest.tables[t]} rows`));
    expect(after.tables.orders).not.toEqual(before.tables.orders);
    expect(after.indexes).toEqual(before.indexes);
    expect(await loadTables(c)).toEqual([]);
  }, 120_000);

  it('refuses a public host before connecting (exit 1), without the password', async () => {
    const r = await runCli(['generate', '--scenario', 'saas-orders', '--scale', SCALE, '--to', `mysql://app:${PASSWORD}@8.8.8.8:3306/shop`, '--out', join(work, 'remote'), '--quiet'], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outside loopback and private networks/);
    expect(r.stderr).toMatch(/--allow-remote/);
    expect(`${r.stdout}${r.stderr}`).not.toContain(PASSWORD);
  });

  it('multi-row INSERTs store the same rows as LOAD DATA', async () => {
    const otherUrl = `mysql://app:${PASSWORD}@127.0.0.1:${server.port}/other`;
    await generate(SAAS, { to: otherUrl, scale: 0.02, seed: 5, mysqlMethod: 'insert' });
    await generate(SAAS, { to: url, scale: 0.02, seed: 5, replace: true });
    const o = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root', database: 'other' });
    try {
      expect((await snapshot(o)).tables).toEqual((await snapshot(c)).tables);
    } finally {
      await o.end();
    }
  }, 120_000);
});
