/**
 * Generate-and-load benchmark against PostgreSQL, side by side with pgbench.
 * Run from the package root after `npm run build`:
 *
 *   npm run build && npx tsx bench/generate-pg.ts [--trials N]
 *
 * Starts a throwaway PostgreSQL (scripts/test-pg.sh; or uses
 * PRODSHAPE_TEST_DATABASE_URL when set), then alternates, N times each (default 3):
 *   - `pgbench -i -s 20`: creates and loads 2,000,000 pgbench_accounts rows
 *     (client-side COPY), vacuums, adds primary keys;
 *   - `prodshape generate --scenario saas-orders --to URL --replace` at the scale
 *     giving exactly 2,000,000 orders (plus 217,391 accounts and 21,739
 *     tenants): COPY overlapped with generation, then primary keys, the three
 *     declared indexes and ANALYZE.
 * Each in its own fresh database, as a fresh process; prints the medians and
 * the ratio prodshape / pgbench (goal: within 2x).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, ROOT, median, runMeasured } from './generate-proc.js';

const arg = (name: string, fallback: number): number => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : fallback;
};
const TRIALS = arg('--trials', 3);
const SCALE = 2_000_000 / 184_000;

const pgBin = (): string => {
  const dirs = readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin')).sort();
  const bin = dirs[dirs.length - 1];
  if (bin === undefined) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql');
  return bin;
};

let adminUrl = process.env.PRODSHAPE_TEST_DATABASE_URL;
let pgDir: string | null = null;
if (adminUrl === undefined) {
  const env = execFileSync('bash', [join(ROOT, 'scripts/test-pg.sh'), 'start'], { encoding: 'utf8' });
  adminUrl = /PRODSHAPE_TEST_DATABASE_URL=(\S+)/.exec(env)?.[1];
  pgDir = /PRODSHAPE_TEST_PG_DIR=(\S+)/.exec(env)?.[1] ?? null;
}
if (adminUrl === undefined) throw new Error('no PostgreSQL');
const admin = adminUrl;

const freshDb = async (name: string): Promise<string> => {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
};

try {
  const pgbench = join(pgBin(), 'pgbench');
  const ours: number[] = [];
  const theirs: number[] = [];
  let rss = 0;
  for (let k = 0; k < TRIALS; k++) {
    const pgbUrl = await freshDb('bench_pgbench');
    const p = await runMeasured(pgbench, ['-i', '-s', '20', '-q', pgbUrl]);
    if (p.code !== 0) throw new Error(`pgbench failed: ${p.stderr}`);
    theirs.push(p.wallS);
    const psUrl = await freshDb('bench_prodshape');
    const r = await runMeasured(process.execPath, [CLI, 'generate', '--scenario', 'saas-orders', '--out', join(ROOT, 'test/tmp/bench-pg'), '--scale', String(SCALE), '--to', psUrl, '--quiet']);
    if (r.code !== 0) throw new Error(`prodshape failed: ${r.stderr}`);
    ours.push(r.wallS);
    rss = Math.max(rss, r.peakRssMb);
    console.log(`trial ${k + 1}: pgbench -i -s 20 ${p.wallS.toFixed(2)} s (${/done in [^\n]*/.exec(p.stderr)?.[0] ?? ''}); prodshape ${r.wallS.toFixed(2)} s`);
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(`\npgbench -i -s 20 (2,000,000 rows):               ${b.toFixed(2)} s (median of ${TRIALS})`);
  console.log(`prodshape generate --to (2,000,000 orders, 2,238,870 rows in all): ${a.toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB`);
  console.log(`ratio prodshape / pgbench: ${(a / b).toFixed(2)}x (goal <= 2x)`);
} finally {
  if (pgDir !== null) execFileSync('bash', [join(ROOT, 'scripts/test-pg.sh'), 'stop', pgDir]);
}
