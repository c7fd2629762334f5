/**
 * The demo's /metrics text, without a server: prodshape's own parser reads it
 * back whole (every name the scenario and the observer's defaults use, label
 * values with quotes, backslashes and newlines, cumulative histogram buckets),
 * and Debian's `promtool check metrics` accepts it. promtool's only complaints
 * allowed are its lint about the `*_total` gauges, names kept from the usual
 * Node.js client defaults. Without promtool that part is skipped with the
 * reason; under PRODSHAPE_REQUIRE_TEST_DEPS=1 it fails instead.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseExposition, seriesKey } from '../../src/core/prom-parse.js';
import { formatExposition } from '../../src/core/prom-text.js';
import { createMetrics } from '../../src/demo/metrics.js';
import { DEFAULT_SERIES } from '../../src/observe/prometheus.js';

const PROMTOOL = process.env.PRODSHAPE_PROMTOOL ?? '/usr/bin/promtool';

/** The reason promtool cannot run, or null; throws under PRODSHAPE_REQUIRE_TEST_DEPS=1. */
const promtoolMissing = (): string | null => {
  const r = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) return null;
  const reason = `no promtool at ${PROMTOOL} (apt-get install prometheus): ${r.error?.message ?? `exit ${String(r.status)}`}`;
  if (process.env.PRODSHAPE_REQUIRE_TEST_DEPS === '1') throw new Error(`promtool is required (PRODSHAPE_REQUIRE_TEST_DEPS=1): ${reason}`);
  return reason;
};
const missing = promtoolMissing();

const ODD = 'a "quoted" \\ back\nslash';

const scrapeDemo = async (): Promise<string> => {
  const m = createMetrics({ backend: 'pglite', pool: () => ({ size: 4, inUse: 3, waiting: 2 }), cacheEntries: () => ({ dashboard: 7, [ODD]: 1 }) });
  for (const s of [0.0005, 0.003, 0.003, 0.2, 20]) m.request('/tenants/:id/orders', 'GET', 200, s);
  m.request(ODD, 'POST', 500, 0.01);
  m.acquire(0.002);
  m.query('pending_orders', 0.004);
  m.cacheHit('dashboard');
  m.cacheMiss(ODD);
  m.action('deploy');
  return m.scrape();
};

describe('demo /metrics exposition', () => {
  it('parses back whole with prodshape\'s parser: names, types, escaped labels, cumulative buckets', async () => {
    const p = parseExposition(await scrapeDemo());
    expect(p.errors).toEqual([]);
    const v = new Map(p.samples.map((s) => [seriesKey(s.name, s.labels), s.value]));
    expect(v.get('app_db_pool_size')).toBe(4);
    expect(v.get('app_db_pool_in_use')).toBe(3);
    expect(v.get('app_db_pool_waiting')).toBe(2);
    expect(v.get('app_demo_info{backend="pglite",pool_size="4"}')).toBe(1);
    expect(v.get('app_cache_entries{cache="dashboard"}')).toBe(7);
    expect(v.get('app_cache_hits_total{cache="dashboard"}')).toBe(1);
    expect(v.get('app_cache_misses_total{cache="dashboard"}')).toBe(0);
    expect(v.get('app_admin_actions_total{action="deploy"}')).toBe(1);
    expect(v.get('app_db_query_seconds_count{query="pending_orders"}')).toBe(1);
    expect(v.get('app_db_pool_acquire_seconds_sum')).toBeCloseTo(0.002, 12);
    expect(v.get('app_http_requests_total{method="GET",route="/tenants/:id/orders",status="200"}')).toBe(5);
    // Buckets are cumulative; +Inf and _count hold the 20 s one above the last bound.
    const bucket = (le: string): number | undefined => v.get(`app_http_request_duration_seconds_bucket{le="${le}",method="GET",route="/tenants/:id/orders"}`);
    expect([bucket('0.001'), bucket('0.0025'), bucket('0.005'), bucket('0.1'), bucket('0.25'), bucket('10'), bucket('+Inf')]).toEqual([1, 1, 3, 3, 4, 4, 5]);
    expect(v.get('app_http_request_duration_seconds_count{method="GET",route="/tenants/:id/orders"}')).toBe(5);
    // A label value with quotes, a backslash and a newline comes back as it went in.
    const odd = p.samples.filter((s) => Object.values(s.labels).includes(ODD)).map((s) => s.name);
    expect(new Set(odd)).toEqual(new Set(['app_cache_entries', 'app_cache_misses_total', 'app_http_requests_total',
      'app_http_request_duration_seconds_bucket', 'app_http_request_duration_seconds_sum', 'app_http_request_duration_seconds_count']));
    expect(p.types.get('app_http_request_duration_seconds')).toBe('histogram');
    expect(p.types.get('app_cache_hits_total')).toBe('counter');
    expect(p.types.get('app_db_pool_in_use')).toBe('gauge');
    // The observer's Node.js defaults are all there.
    const names = new Set(p.samples.map((s) => s.name));
    for (const name of DEFAULT_SERIES.filter((n) => /^(process|nodejs)_/.test(n))) expect(names, name).toContain(name);
    expect(v.get(`nodejs_version_info{major="${process.versions.node.split('.')[0]}",minor="${process.versions.node.split('.')[1]}",patch="${process.versions.node.split('.')[2]}",version="${process.version}"}`)).toBe(1);
  });

  it('writes the format\'s escapes and special values', () => {
    const text = formatExposition([{ name: 'x', help: 'line one\nback \\ "q"', type: 'gauge', samples: [
      { labels: { a: ODD }, value: Infinity }, { labels: { a: '' }, value: -Infinity }, { labels: { a: 'n' }, value: NaN }, { labels: {}, value: 1.5e-7 },
    ] }]);
    expect(text).toBe([
      '# HELP x line one\\nback \\\\ "q"', '# TYPE x gauge',
      'x{a="a \\"quoted\\" \\\\ back\\nslash"} +Inf', 'x{a=""} -Inf', 'x{a="n"} NaN', 'x 1.5e-7', '',
    ].join('\n'));
    const p = parseExposition(text);
    expect(p.errors).toEqual([]);
    expect(p.samples[0]?.labels.a).toBe(ODD);
    expect(Number.isNaN(p.samples[2]?.value)).toBe(true);
  });

  it.skipIf(missing !== null)(`passes promtool check metrics${missing === null ? '' : ` (skipped: ${missing})`}`, async () => {
    const text = await scrapeDemo();
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
    const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
    // Exit 3 is lint only; 1 is a parse error.
    expect(r.status === 0 || r.status === 3, complaints.join('\n')).toBe(true);
    const allowed = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;
    expect(complaints.filter((l) => !allowed.test(l))).toEqual([]);
    // promtool does read it: a broken line makes it fail.
    const broken = spawnSync(PROMTOOL, ['check', 'metrics'], { input: `${text}app_db_pool_size{ 1\n`, encoding: 'utf8', timeout: 30_000 });
    expect(broken.status).toBe(1);
  });
});
