/**
 * Observer costs. Run: `npx tsx bench/observe.ts` (with PRODSHAPE_TEST_DATABASE_URL
 * set, e.g. after `eval "$(bash scripts/test-pg.sh start)"`, for the PostgreSQL part).
 *
 *  1. Parsing a large /metrics page (the demo's Node.js process metrics plus a
 *     labelled histogram, ~10k series): prodshape's parser
 *     against parse-prometheus-text-format, ms per page.
 *  2. Scrape round trip against a local /metrics server: p50/p99 ms.
 *  3. PostgreSQL: one pg_stat_activity poll, one pg_stat_statements snapshot with
 *     ~1,000 distinct statements, plain EXPLAIN vs EXPLAIN ANALYZE of a small query,
 *     and a closed loop of primary-key SELECTs for 5 s without and with the
 *     observer running (what the observer costs the target).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatExposition } from '../src/core/prom-text.js';
import { histogram } from '../src/demo/instruments.js';
import { createProcessMetrics } from '../src/demo/process-metrics.js';
import pg from 'pg';
import { parseExposition } from '../src/core/prom-parse.js';
import { scrapeOnce, selectorsFor } from '../src/observe/prometheus.js';
import { pollActivity } from '../src/observe/activity.js';
import { takeSnapshot } from '../src/observe/statements.js';
import { runExplain } from '../src/observe/explain.js';
import { createObservers } from '../src/observe/index.js';
import { parseScenario } from '../src/scenario/scenario.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const time = async (n: number, f: () => unknown): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
};
const line = (name: string, xs: number[]): void => console.log(`${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(3)} ms  p99 ${pct(xs, 99).toFixed(3)} ms  (n=${xs.length})`);

const processMetrics = createProcessMetrics();
// The usual client-library default buckets, seconds.
const h = histogram('http_request_duration_seconds', 'h', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
for (let r = 0; r < 200; r++) for (const m of ['GET', 'POST']) h.observe({ route: `/r${r}`, method: m, status: '200' }, Math.random());
const page = async (): Promise<string> => formatExposition([
  ...(await processMetrics.families()), h.family(),
  { name: 'app_db_pool_in_use', help: 'g', type: 'gauge', samples: [{ labels: {}, value: 3 }] },
]);
const text = await page();
const series = parseExposition(text).samples.length;
console.log(`/metrics page: ${series} series, ${(text.length / 1024).toFixed(0)} KiB`);
line('parse (prodshape)', await time(200, () => parseExposition(text)));
// The library ships no types: loaded by a computed name.
const other = 'parse-prometheus-text-format';
const { default: parsePrometheusTextFormat } = (await import(other)) as { default: (t: string) => object[] };
line('parse (parse-prometheus-text-format)', await time(200, () => parsePrometheusTextFormat(text)));

const server = createServer((_req, res) => void page().then((t) => res.end(t)));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
const sel = selectorsFor({ in_use: 'app_db_pool_in_use' }, ['http_request_duration_seconds*']);
line('scrape round trip (fetch + parse + select)', await time(200, () => scrapeOnce(url, 1000, sel)));
server.close();

const dbUrl = process.env.PRODSHAPE_TEST_DATABASE_URL;
if (dbUrl === undefined) {
  console.log('PRODSHAPE_TEST_DATABASE_URL not set: PostgreSQL part skipped');
} else {
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  const name = `bench_obs_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(dbUrl);
  u.pathname = `/${name}`;
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    await c.query('CREATE TABLE items (id int PRIMARY KEY, tenant_id int, name text)');
    await c.query("INSERT INTO items SELECT g, g % 100, 'item ' || g FROM generate_series(1, 100000) g");
    await c.query('CREATE INDEX ON items (tenant_id)');
    await c.query('ANALYZE items');
    // ~1,000 distinct statements (constants are normalised away, so vary the structure)
    for (let i = 0; i < 40; i++) for (let j = 0; j < 25; j++) await c.query(`SELECT ${'id, '.repeat(i)}name FROM items WHERE id = $1${' AND id > $2'.repeat(j)}`, j === 0 ? [1] : [1, 0]);
    const v = Number((await c.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v);
    line('pg_stat_activity poll', await time(100, () => pollActivity(c)));
    const snap = await takeSnapshot(c, v);
    line(`pg_stat_statements snapshot (${snap.counters.size} entries)`, await time(50, () => takeSnapshot(c, v)));
    const sql = 'SELECT * FROM items WHERE tenant_id = $1 ORDER BY id DESC LIMIT 10';
    line('EXPLAIN (plain, in a read-only tx)', await time(50, () => runExplain(c, sql, ['7'], { analyze: false })));
    line('EXPLAIN (ANALYZE, BUFFERS)', await time(50, () => runExplain(c, sql, ['7'], { analyze: true })));

    const loop = async (ms: number): Promise<number> => {
      const w = new pg.Client({ connectionString: u.toString() });
      await w.connect();
      let n = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await w.query('SELECT name FROM items WHERE id = $1', [(n % 100000) + 1]);
        n++;
      }
      await w.end();
      return n / (ms / 1000);
    };
    const before = await loop(5000);
    process.env.PS_BENCH_DB = u.toString();
    const scenario = parseScenario(`name: b\nobserve:\n  postgres: { url: "\${PS_BENCH_DB}" }\nplans:\n  - name: q\n    sql: ${sql}\n    params: ["7"]\n`);
    const t0 = Date.now();
    const ctx = {
      runDir: mkdtempSync(join(tmpdir(), 'prodshape-bench-')), startedAtMs: t0, nowMs: () => Date.now() - t0, target: null,
      scenario, manifest: null, signal: new AbortController().signal, log: () => undefined,
    };
    const [obs] = createObservers(scenario);
    await obs!.start(ctx);
    const withObs = await loop(5000);
    const s0 = performance.now();
    await obs!.stop();
    const stopMs = performance.now() - s0;
    const after = await loop(5000);
    const without = (before + after) / 2;
    console.log(`closed loop of pk SELECTs: ${before.toFixed(0)}/s and ${after.toFixed(0)}/s without the observer (before, after), ${withObs.toFixed(0)}/s with it (${(((without - withObs) / without) * 100).toFixed(1)}% less than their mean); stop took ${stopMs.toFixed(0)} ms`);
  } finally {
    await c.end();
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}
