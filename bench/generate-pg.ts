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
 *   - the same 2,000,000 orders alone (a scenario with only tenants' ids and
 *     orders, no declared indexes): like for like with pgbench's one table
 *     and one primary key.
 * Each in its own fresh database, as a fresh process; prints the medians and
 * the ratios prodshape / pgbench (goal: within 2x).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, ROOT, median, runMeasured } from './generate-proc.js';

const arg = (name: string, fallback: number): number => {
  const k = process.argv.indexOf(name);
  return k >= 0 ? Number(process.argv[k + 1]) : fallback;
};
const TRIALS = arg('--trials', 3);
const SCALE = 2_000_000 / 184_000;
const work = mkdtempSync(join(tmpdir(), 'ps-bench-pg-'));
const ORDERS_ONLY = join(work, 'orders-only.yaml');
writeFileSync(ORDERS_ONLY, `name: orders-only
data:
  now: 2025-06-01T00:00:00Z
  tenant_table: tenants
  tables:
    tenants:
      rows: 21739
      columns:
        id: { id: sequential }
    orders:
      rows: 2000000
      per_tenant: { zipf: 0.8, min: 1 }
      columns:
        id: { id: sequential }
        tenant_id: { ref: tenants }
        customer_id: { number: uniform, min: 1, max: 217391 }
        status: { choice: { pending: 0.03, paid: 0.90, refunded: 0.07 } }
        created_at: { timestamp: { from: signup, to: now, growth: 5% } }
        total: { number: lognormal, median: 40, sigma: 1.0, decimals: 2, min: 0.5 }
`);

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
  const oursAlone: number[] = [];
  const theirs: number[] = [];
  let rss = 0;
  for (let k = 0; k < TRIALS; k++) {
    const pgbUrl = await freshDb('bench_pgbench');
    const p = await runMeasured(pgbench, ['-i', '-s', '20', '-q', pgbUrl]);
    if (p.code !== 0) throw new Error(`pgbench failed: ${p.stderr}`);
    theirs.push(p.wallS);
    const psUrl = await freshDb('bench_prodshape');
    const r = await runMeasured(process.execPath, [CLI, 'generate', '--scenario', 'saas-orders', '--out', join(work, 'saas'), '--scale', String(SCALE), '--to', psUrl, '--quiet']);
    if (r.code !== 0) throw new Error(`prodshape failed: ${r.stderr}`);
    ours.push(r.wallS);
    rss = Math.max(rss, r.peakRssMb);
    const aloneUrl = await freshDb('bench_prodshape_alone');
    const o = await runMeasured(process.execPath, [CLI, 'generate', '--scenario', ORDERS_ONLY, '--out', join(work, 'alone'), '--to', aloneUrl, '--quiet']);
    if (o.code !== 0) throw new Error(`prodshape (orders alone) failed: ${o.stderr}`);
    oursAlone.push(o.wallS);
    console.log(`trial ${k + 1}: pgbench -i -s 20 ${p.wallS.toFixed(2)} s (${/done in [^\n]*/.exec(p.stderr)?.[0] ?? ''}); prodshape saas-orders ${r.wallS.toFixed(2)} s; orders alone ${o.wallS.toFixed(2)} s`);
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(`\npgbench -i -s 20 (2,000,000 rows):               ${b.toFixed(2)} s (median of ${TRIALS})`);
  console.log(`prodshape generate --to (2,000,000 orders, 2,238,870 rows in all): ${a.toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB`);
  console.log(`ratio prodshape / pgbench: ${(a / b).toFixed(2)}x (goal <= 2x)`);
  const c = median(oursAlone);
  console.log(`prodshape, the 2,000,000 orders alone (primary key, ANALYZE): ${c.toFixed(2)} s, ratio ${(c / b).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
  if (pgDir !== null) execFileSync('bash', [join(ROOT, 'scripts/test-pg.sh'), 'stop', pgDir]);
}
