/**
 * Generate-and-load benchmark against MariaDB/MySQL: the two ways the sink
 * can send rows, side by side with a hand `LOAD DATA` of the same CSV through
 * the `mariadb` client. Run from the package root after `npm run build`:
 *
 *   npm run build && npx tsx bench/generate-mysql.ts [--trials N] [--scale X]
 *
 * Starts a throwaway MariaDB (test/helpers/mariadb-server.ts), writes the
 * saas-orders CSV once (`generate --format csv`, not timed), then alternates,
 * N times each (default 3), each into a fresh database, each a fresh process:
 *   - `infile`: `generate --to mysql://…` (LOAD DATA LOCAL INFILE fed from a
 *     stream while the rows are made; indexes, RENAME swap, ANALYZE TABLE);
 *   - `insert`: the same through the library with `mysqlMethod: 'insert'`
 *     (one multi-row INSERT per 8,192-row chunk, one transaction per table);
 *   - `hand`: `mariadb --local-infile` running CREATE TABLE, LOAD DATA LOCAL
 *     INFILE of the CSV files (the same column conversions), ADD INDEX and
 *     ANALYZE TABLE: the floor, with no generation and no swap.
 * Prints the medians and the ratios to `hand`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { prepareDataset } from '../src/data/index.js';
import { mysqlAddIndexes, mysqlCreateTable, mysqlLoadData } from '../src/data/sinks/mysql-schema.js';
import { mariadbBinaries, startMariadb, stopMariadb } from '../test/helpers/mariadb-server.js';
import { CLI, ROOT, median, runMeasured } from './generate-proc.js';

const arg = (name: string, fallback: number): number => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : fallback;
};
const TRIALS = arg('--trials', 3);
const SCALE = arg('--scale', 1);
const SCENARIO = join(ROOT, 'scenarios/saas-orders.yaml');

const found = mariadbBinaries();
if (found.bin === null) throw new Error(found.skip);
const server = await startMariadb(found.bin);
const work = mkdtempSync(join(tmpdir(), 'ps-bench-mysql-'));
const root = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
const urlOf = (db: string): string => `mysql://root@127.0.0.1:${server.port}/${db}`;
let n = 0;
const freshDb = async (): Promise<string> => {
  const db = `bench_${++n}`;
  await root.query(`CREATE DATABASE ${db}`);
  return db;
};

// The CSV files, once (not timed).
const csvDir = join(work, 'csv');
execFileSync(process.execPath, [CLI, 'generate', '--scenario', SCENARIO, '--scale', String(SCALE), '--out', csvDir, '--quiet'], { stdio: 'inherit' });
const ds = await prepareDataset(SCENARIO, { scale: SCALE });
const handSql = (): string => {
  const lines = ds.tables.map((t) => `${mysqlCreateTable(t, t.name, ds.spec.indexes)};`);
  for (const t of ds.tables) {
    // The files have a header line; the sink's stream has none.
    const load = mysqlLoadData(t, t.name, ds.spec.indexes).replace(`'prodshape:${t.name}'`, `'${join(csvDir, `${t.name}.csv`)}'`).replace("LINES TERMINATED BY '\\n'", "LINES TERMINATED BY '\\n' IGNORE 1 LINES");
    lines.push(`${load};`);
  }
  for (const t of ds.tables) {
    const ix = mysqlAddIndexes(t.name, t.name, ds.spec.indexes);
    if (ix !== null) lines.push(`${ix};`);
  }
  lines.push(`ANALYZE TABLE ${ds.tables.map((t) => t.name).join(', ')};`);
  return `SET SESSION time_zone = '+00:00', SESSION unique_checks = 0, SESSION foreign_key_checks = 0, SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';\n${lines.join('\n')}\n`;
};
const handFile = join(work, 'hand.sql');
writeFileSync(handFile, handSql());

const libScript = (db: string): string =>
  `const m = await import(${JSON.stringify(join(ROOT, 'dist/data/index.js'))}); await m.generate(${JSON.stringify(SCENARIO)}, { to: ${JSON.stringify(urlOf(db))}, scale: ${SCALE}, mysqlMethod: 'insert' });`;

const runs: Record<'infile' | 'insert' | 'hand', number[]> = { infile: [], insert: [], hand: [] };
const rowsOf = async (db: string): Promise<number> => {
  const [r] = await root.query(`SELECT (SELECT COUNT(*) FROM ${db}.orders) + (SELECT COUNT(*) FROM ${db}.accounts) + (SELECT COUNT(*) FROM ${db}.tenants) AS n`);
  return Number((r as { n: number }[])[0]?.n);
};
const check = (what: string, r: { code: number | null; stderr: string }): void => {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
};
for (let k = 0; k < TRIALS; k++) {
  const a = await freshDb();
  const infile = await runMeasured(process.execPath, [CLI, 'generate', '--scenario', SCENARIO, '--scale', String(SCALE), '--to', urlOf(a), '--out', join(work, `o${k}`), '--quiet']);
  check('infile', infile);
  runs.infile.push(infile.wallS);
  const b = await freshDb();
  const insert = await runMeasured(process.execPath, ['--input-type=module', '-e', libScript(b)]);
  check('insert', insert);
  runs.insert.push(insert.wallS);
  const c = await freshDb();
  const hand = await runMeasured('sh', ['-c', `mariadb --local-infile=1 -h 127.0.0.1 -P ${server.port} -u root ${c} < ${handFile}`]);
  check('hand', hand);
  runs.hand.push(hand.wallS);
  const counts = [await rowsOf(a), await rowsOf(b), await rowsOf(c)];
  if (new Set(counts).size !== 1) throw new Error(`row counts differ: ${counts.join(', ')}`);
  console.log(`trial ${k + 1}: ${counts[0]} rows; infile ${infile.wallS.toFixed(2)} s, insert ${insert.wallS.toFixed(2)} s, hand LOAD DATA ${hand.wallS.toFixed(2)} s`);
}
const hand = median(runs.hand);
console.log(`\nmedians over ${TRIALS} trials (scale ${SCALE}):`);
for (const [name, xs] of Object.entries(runs)) console.log(`  ${name.padEnd(7)} ${median(xs).toFixed(2)} s  (${(median(xs) / hand).toFixed(2)}x hand LOAD DATA)`);
await root.end();
await stopMariadb(server);
rmSync(work, { recursive: true, force: true });
