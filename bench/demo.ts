/**
 * The demo service's planted bugs, measured on each backend (embedded PGlite,
 * and PostgreSQL when DATABASE_URL or PRODSHAPE_TEST_DATABASE_URL is set):
 * start-up (first load and cached), data skew (biggest vs p90 vs median
 * tenant), cold vs warm dashboard, pool queueing under a burst, the plan
 * before and after /admin/migrate, and the capacity of the scenario's mix.
 *
 *   npx tsx bench/demo.ts [--scale X]     (default: each backend's, 3 on PGlite and 10 on PostgreSQL)
 *
 * Uses a fresh cache directory under the system temp dir (so the first load is
 * measured) and a fresh database on the PostgreSQL server (dropped afterwards).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createRng } from '../src/core/rng.js';
import { loadScenario } from '../src/scenario/scenario.js';
import { startDemo, type Demo } from '../src/demo/index.js';
import { DEMO_SCENARIO_FILE, measureCapacityRps, mixSampler } from '../src/demo/first-run.js';
import { PENDING_ORDERS_PLAN } from '../src/demo/sql.js';
import type { ManifestTenant } from '../src/data/manifest.js';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : undefined;

const bestMs = async (url: string, n = 9): Promise<number> => {
  await (await fetch(url)).arrayBuffer();
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await (await fetch(url)).arrayBuffer();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};

const timedMs = async (url: string, init?: RequestInit): Promise<number> => {
  const t0 = performance.now();
  await (await fetch(url, init)).arrayBuffer();
  return performance.now() - t0;
};

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] }
const shape = (n: PlanNode): string => n['Node Type'] + (n['Index Name'] ? `[${n['Index Name']}]` : '') + (n.Plans ? `(${n.Plans.map(shape).join(',')})` : '');
const removed = (n: PlanNode): number => (n['Rows Removed by Filter'] ?? 0) + (n.Plans ?? []).reduce((s, c) => s + removed(c), 0);

const explain = async (demo: Demo, tenant: string): Promise<string> => {
  const rows = await demo.db.withConnection((c) => c.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${PENDING_ORDERS_PLAN}`, [Number(tenant)]));
  const raw = rows[0]?.['QUERY PLAN'];
  const top = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode; 'Execution Time': number }[])[0]!;
  return `${shape(top.Plan)}: ${top['Execution Time'].toFixed(1)} ms, ${removed(top.Plan)} rows removed by filter`;
};

const bench = async (label: string, databaseUrl: string | null, embedded: 'postgres' | 'pglite' = 'postgres'): Promise<void> => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'prodshape-bench-demo-'));
  try {
    let t0 = performance.now();
    const opts = { port: 0, databaseUrl, embedded, cacheDir, log: () => undefined, ...(scale === undefined ? {} : { scale }) };
    const first = await startDemo(opts);
    const firstS = (performance.now() - t0) / 1000;
    await first.close();
    t0 = performance.now();
    const demo = await startDemo(opts);
    const cachedS = (performance.now() - t0) / 1000;
    const m = demo.dataset.manifest;
    const sorted = [...m.tenants].sort((a, b) => b.rows - a.rows);
    const pick = (q: number): ManifestTenant => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const [big, p90, median] = [sorted[0]!, pick(0.1), pick(0.5)];
    console.log(`\n== ${label}, scale ${m.scale ?? '?'}: ${m.tables.orders} orders, ${m.tenants.length} tenants`);
    console.log(`start: first (generate + load) ${firstS.toFixed(1)} s, cached ${cachedS.toFixed(1)} s`);
    const orders = (t: ManifestTenant): string => `${demo.url}/tenants/${t.id}/orders?status=pending&limit=10`;
    const o = { big: await bestMs(orders(big)), p90: await bestMs(orders(p90)), median: await bestMs(orders(median)) };
    console.log(`skew, pending orders (best of 9): biggest (${big.rows} rows) ${o.big.toFixed(1)} ms, 90th percentile (${p90.rows}) ${o.p90.toFixed(1)} ms, median (${median.rows}) ${o.median.toFixed(1)} ms: ${(o.big / o.median).toFixed(1)}x`);
    const dash = (t: ManifestTenant): string => `${demo.url}/tenants/${t.id}/dashboard`;
    await timedMs(`${demo.url}/admin/deploy`, { method: 'POST' });
    const cold = { big: await timedMs(dash(big)), median: await timedMs(dash(median)) };
    const warm = { big: await bestMs(dash(big)), median: await bestMs(dash(median)) };
    console.log(`dashboard: biggest cold ${cold.big.toFixed(1)} ms / warm ${warm.big.toFixed(2)} ms (${(cold.big / warm.big).toFixed(0)}x); median cold ${cold.median.toFixed(1)} ms / warm ${warm.median.toFixed(2)} ms`);
    // A burst of 16 cold dashboards of big tenants on a pool of 4.
    await timedMs(`${demo.url}/admin/deploy`, { method: 'POST' });
    let maxWaiting = 0;
    const sampler = setInterval(() => {
      maxWaiting = Math.max(maxWaiting, demo.db.poolStats().waiting);
    }, 1);
    t0 = performance.now();
    const burst = await Promise.all(sorted.slice(0, 16).map((t) => timedMs(dash(t))));
    clearInterval(sampler);
    burst.sort((a, b) => a - b);
    console.log(`pool ${demo.db.poolSize}: 16 concurrent cold dashboards done in ${(performance.now() - t0).toFixed(0)} ms; fastest ${burst[0]!.toFixed(0)} ms, slowest ${burst[15]!.toFixed(0)} ms; up to ${maxWaiting} waiting`);
    const scenario = await loadScenario(DEMO_SCENARIO_FILE);
    const capacity = await measureCapacityRps(demo.url, mixSampler(scenario, m, createRng(1, 'bench')), { concurrency: demo.db.poolSize, rounds: 5 });
    console.log(`capacity of the scenario's mix (4 closed loops, warm big dashboards after the burst): ~${capacity.toFixed(0)} requests/s`);
    console.log(`plan before migrate, biggest: ${await explain(demo, big.id)}`);
    t0 = performance.now();
    const mig = (await (await fetch(`${demo.url}/admin/migrate`, { method: 'POST' })).json()) as { imported_rows: number };
    console.log(`migrate (${mig.imported_rows} rows + index + ANALYZE): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`plan after migrate, biggest:  ${await explain(demo, big.id)}`);
    console.log(`pending orders after migrate: biggest ${(await bestMs(orders(big), 5)).toFixed(1)} ms, 90th percentile ${(await bestMs(orders(p90), 5)).toFixed(1)} ms`);
    await fetch(`${demo.url}/admin/reset`, { method: 'POST' });
    await demo.close();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
};

await bench('embedded PostgreSQL server', null);
await bench('embedded PGlite', null, 'pglite');
const admin = process.env.DATABASE_URL ?? process.env.PRODSHAPE_TEST_DATABASE_URL;
if (admin !== undefined) {
  const name = `bench_demo_${process.pid}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  try {
    await bench('PostgreSQL', u.toString());
  } finally {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
} else {
  console.log('\n(PostgreSQL skipped: set DATABASE_URL or PRODSHAPE_TEST_DATABASE_URL)');
}
