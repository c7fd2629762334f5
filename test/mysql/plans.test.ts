/**
 * `prodshape plans snapshot|check --db mysql://…` on a throwaway MariaDB,
 * through the built CLI: fingerprints per tenant bucket, a planted plan flip
 * (an index on `status` chosen while `pending` is rare; after most orders
 * become pending and ANALYZE TABLE, a full scan) that `check` reports with
 * exit 2 naming the query, and a bypass corpus refused with exit 1 while no
 * row changes, with plain EXPLAIN and with `--analyze` (where statements that
 * plan harmlessly but would take a user lock, sleep, read a file or move a
 * sequence when executed are refused too). The EXPLAIN user has every privilege on the database: what
 * stops the writes is the server's READ ONLY transaction, the one-statement
 * prepared protocol and the derived-table check, not missing grants.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/data/index.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { mariadbBinaries, startMariadb, tearDown, type MariadbTestServer } from '../helpers/mariadb-server.js';

const found = mariadbBinaries();
const PASSWORD = 'Plans-Pw-9913';

/** saas-orders' data section with an index on orders.status, and `plans:`. */
const scenarioText = async (plans: { name: string; sql: string; params?: string[] }[]): Promise<string> => {
  const base = await readFile(join(PACKAGE_ROOT, 'scenarios/saas-orders.yaml'), 'utf8');
  const data = base.replace(/\n {4}- accounts\(tenant_id\)\n/, '\n    - accounts(tenant_id)\n    - orders(status)\n');
  if (data === base) throw new Error('the saas-orders scenario changed: no accounts(tenant_id) index line');
  const list = plans.map((p) => `  - name: ${p.name}\n    sql: ${JSON.stringify(p.sql)}\n    params: ${JSON.stringify(p.params ?? [])}`).join('\n');
  return plans.length === 0 ? data : `${data.trimEnd()}\n\nplans:\n${list}\n`;
};

/** Statements that must never be EXPLAINed or ANALYZEd (`{work}` is the test's temp dir). */
const CORPUS = [
  { name: 'chain', sql: 'SELECT 1; DELETE FROM orders' },
  { name: 'for-update', sql: 'SELECT * FROM orders WHERE tenant_id = 1 FOR UPDATE' },
  { name: 'outfile', sql: "SELECT * FROM orders INTO OUTFILE '{work}/leak.csv'" },
  { name: 'set', sql: 'SET GLOBAL max_connections = 1' },
  { name: 'call', sql: 'CALL zapp()' },
  { name: 'do-sleep', sql: 'DO SLEEP(30)' },
  { name: 'sleep-derived', sql: 'SELECT * FROM (SELECT SLEEP(30) AS z) AS s' },
  { name: 'cte-delete', sql: 'WITH x AS (SELECT 1) DELETE FROM orders' },
  { name: 'update', sql: 'UPDATE orders SET total = 0' },
  { name: 'writing-function', sql: 'SELECT * FROM (SELECT zap() AS z) AS s' },
];

describe.skipIf(found.bin === null)(`plans snapshot|check on MariaDB (built CLI)${found.skip === null ? '' : ` (skipped: ${found.skip})`}`, () => {
  let server: MariadbTestServer;
  let url: string;
  let root: mysql.Connection;
  let work: string;
  let data: string;

  const checksum = async (): Promise<string> => {
    const [r] = await root.query('CHECKSUM TABLE orders, accounts, tenants');
    return JSON.stringify(r);
  };

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(join(tmpdir(), 'ps-mysql-plans-'));
    server = await startMariadb(found.bin!);
    root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    for (const sql of ['CREATE DATABASE shop', `CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`, "GRANT ALL ON *.* TO 'app'@'127.0.0.1'", 'USE shop']) await root.query(sql);
    url = `mysql://app:${PASSWORD}@127.0.0.1:${server.port}/shop`;
    data = join(work, 'data');
    const scenario = join(work, 'flip.yaml');
    await writeFile(scenario, await scenarioText([]));
    await generate(scenario, { to: url, out: data, scale: 0.1 });
    // A stored function and a procedure that delete rows: the server must refuse them inside EXPLAIN.
    await root.query('CREATE FUNCTION zap() RETURNS INT MODIFIES SQL DATA BEGIN DELETE FROM orders WHERE id < 100; RETURN 1; END');
    await root.query('CREATE PROCEDURE zapp() BEGIN DELETE FROM orders; END');
    // A function that only reads (the READ ONLY transaction lets it run) but takes a user lock, and a sequence.
    await root.query("CREATE FUNCTION peek() RETURNS INT READS SQL DATA BEGIN RETURN GET_LOCK('prodshape-held', 0); END");
    await root.query('CREATE SEQUENCE ticket_seq');
  }, 120_000);
  afterAll(() => tearDown(server, work, root));

  it('snapshots per tenant bucket, then check exits 2 naming the query when ANALYZE TABLE flips a plan', async () => {
    const scenario = join(work, 'plans.yaml');
    await writeFile(scenario, await scenarioText([
      { name: 'pending-orders', sql: "SELECT id, total FROM orders WHERE status = 'pending'" },
      { name: 'tenant-orders', sql: 'SELECT * FROM orders WHERE tenant_id = ? ORDER BY created_at DESC LIMIT 10', params: ['{tenant}'] },
    ]));
    const file = join(work, 'plans.json');
    const common = ['--scenario', scenario, '--file', file, '--db', url, '--data', data];
    const snap = await runCli(['plans', 'snapshot', ...common], { timeoutMs: 60_000 });
    expect(snap.code, snap.stderr).toBe(0);
    expect(`${snap.stdout}${snap.stderr}`).not.toContain(PASSWORD);
    const written = JSON.parse(await readFile(file, 'utf8')) as { server_version: string; plans: { query: string; bucket: string; shape: string }[] };
    expect(written.server_version).toMatch(/^MariaDB 10\.\d+$/);
    expect(written.plans.map((p) => `${p.query} ${p.bucket}`)).toEqual(['pending-orders fixed', 'tenant-orders biggest', 'tenant-orders median', 'tenant-orders empty']);
    const pending = written.plans.find((p) => p.query === 'pending-orders');
    // 3% of the orders are pending: the optimizer reads them through the status index.
    expect(pending?.shape).toBe('ref using orders_status_idx on orders');

    const same = await runCli(['plans', 'check', ...common], { timeoutMs: 60_000 });
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/all 4 plans match/);

    // The flip: 90% of the orders become pending; ANALYZE TABLE refreshes the statistics.
    await root.query("UPDATE orders SET status = 'pending' WHERE id % 10 <> 0");
    await root.query('ANALYZE TABLE orders');
    const flipped = await runCli(['plans', 'check', ...common], { timeoutMs: 60_000 });
    expect(flipped.code, flipped.stdout + flipped.stderr).toBe(2);
    expect(flipped.stdout).toMatch(/CHANGED\s+pending-orders/);
    expect(flipped.stdout).toMatch(/- ref using orders_status_idx on orders/);
    expect(flipped.stdout).toMatch(/\+ ALL on orders/);
    expect(flipped.stderr).toMatch(/1 plan changed: pending-orders/);
    expect(flipped.stderr).not.toMatch(/tenant-orders/);
  }, 120_000);

  it('refuses a bypass corpus with exit 1, and no row changes', async () => {
    const corpus = CORPUS.map((c) => ({ ...c, sql: c.sql.replace('{work}', work) }));
    const scenario = join(work, 'corpus.yaml');
    await writeFile(scenario, await scenarioText(corpus));
    const before = await checksum();
    const started = Date.now();
    const r = await runCli(['plans', 'snapshot', '--scenario', scenario, '--file', join(work, 'corpus.json'), '--db', url, '--timeout', '1s'], { timeoutMs: 60_000 });
    const elapsedMs = Date.now() - started;
    expect(r.code, r.stdout + r.stderr).toBe(1);
    for (const [i, p] of corpus.entries()) expect(r.stderr, p.name).toContain(`plans[${i}].sql (${p.name}): refused: `);
    expect(r.stderr).toMatch(/\(for-update\): refused: the server refused it in a READ ONLY transaction/);
    expect(r.stderr).toMatch(/\(writing-function\): refused: the server refused it in a READ ONLY transaction/);
    expect(r.stderr).toMatch(/\(sleep-derived\): refused: it ran past the statement timeout/);
    // SLEEP(30) was stopped by the 1 s timeout (a bound with 10x room for start-up and a busy machine).
    expect(elapsedMs).toBeLessThan(20_000);
    expect(await checksum()).toBe(before);
    expect(existsSync(join(work, 'leak.csv'))).toBe(false);
    const [mc] = await root.query('SELECT @@GLOBAL.max_connections AS n');
    expect(Number((mc as { n: number }[])[0]?.n)).toBeGreaterThan(1);
    expect(existsSync(join(work, 'corpus.json'))).toBe(false);
  }, 120_000);

  it('ANALYZEs a plain SELECT with --analyze, and refuses the corpus and what only ANALYZE would execute (exit 1), no row or lock changed', async () => {
    const one = join(work, 'one.yaml');
    await writeFile(one, await scenarioText([{ name: 'one', sql: 'SELECT COUNT(*) FROM orders WHERE tenant_id = ?', params: ['{tenant}'] }]));
    const ok = await runCli(['plans', 'snapshot', '--scenario', one, '--file', join(work, 'one.json'), '--db', url, '--data', data, '--analyze'], { timeoutMs: 30_000 });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/one\s+biggest .* on orders/);

    // Each passes the plain EXPLAIN (the server plans it without executing it; a READ ONLY transaction allows a shared lock) and only ANALYZE would run it.
    const onlyAnalyze = [
      { name: 'user-lock', sql: "SELECT GET_LOCK('prodshape-held', 0) AS l FROM orders LIMIT 1" },
      { name: 'reading-function', sql: 'SELECT peek() AS p FROM orders LIMIT 1' },
      { name: 'sleep', sql: 'SELECT SLEEP(5) AS z FROM orders LIMIT 1' },
      { name: 'sequence', sql: 'SELECT NEXTVAL(ticket_seq) AS n' },
      { name: 'file', sql: "SELECT LOAD_FILE('/etc/hostname') AS f" },
      { name: 'share-lock', sql: 'SELECT id FROM orders WHERE tenant_id = 1 LOCK IN SHARE MODE' },
    ];
    const corpus = [...CORPUS.map((c) => ({ ...c, sql: c.sql.replace('{work}', work) })), ...onlyAnalyze];
    const scenario = join(work, 'analyze-corpus.yaml');
    await writeFile(scenario, await scenarioText(corpus));
    const before = await checksum();
    const [seq0] = await root.query('SELECT NEXT VALUE FOR ticket_seq AS n');
    const r = await runCli(['plans', 'snapshot', '--scenario', scenario, '--file', join(work, 'analyze.json'), '--db', url, '--timeout', '1s', '--analyze'], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    for (const [i, p] of corpus.entries()) expect(r.stderr, p.name).toContain(`plans[${i}].sql (${p.name}): refused: `);
    expect(r.stderr).toMatch(/\(user-lock\): refused: not ANALYZEd: it calls get_lock\(\), whose effects a rolled-back transaction does not undo/);
    expect(r.stderr).toMatch(/\(reading-function\): refused: not ANALYZEd: it calls the stored function peek\(\)/);
    expect(r.stderr).toMatch(/\(sleep\): refused: not ANALYZEd: it calls sleep\(\)/);
    expect(r.stderr).toMatch(/\(file\): refused: not ANALYZEd: it calls load_file\(\)/);
    expect(r.stderr).toMatch(/\(share-lock\): refused: not ANALYZEd: it is a locking read \(LOCK IN SHARE MODE\)/);
    expect(await checksum()).toBe(before);
    // No user lock is held, the sequence did not move (one more value than the test's own read), no file was written.
    const [lock] = await root.query("SELECT IS_FREE_LOCK('prodshape-held') AS free");
    expect(Number((lock as { free: number }[])[0]?.free)).toBe(1);
    const [seq1] = await root.query('SELECT NEXT VALUE FOR ticket_seq AS n');
    expect(Number((seq1 as { n: number }[])[0]?.n)).toBe(Number((seq0 as { n: number }[])[0]?.n) + 1);
    expect(existsSync(join(work, 'leak.csv'))).toBe(false);
    expect(existsSync(join(work, 'analyze.json'))).toBe(false);
  }, 120_000);
});
