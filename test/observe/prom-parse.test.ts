import { describe, expect, it } from 'vitest';
import { formatExposition } from '../../src/core/prom-text.js';
import { histogram } from '../../src/demo/instruments.js';
import { parseExposition, seriesKey } from '../../src/core/prom-parse.js';
import { parseSelector, selectSeries, selectorsFor } from '../../src/observe/prometheus.js';
import { resolveScrapeUrl } from '../../src/scenario/scrape-url.js';

describe('Prometheus text parser', () => {
  it('reads labelled histograms intact', () => {
    const h = histogram('http_request_duration_seconds', 'h', [0.1, 1]);
    h.observe({ route: '/a' }, 0.2);
    h.observe({ route: '/b' }, 0.05);
    const p = parseExposition(formatExposition([
      { name: 'app_db_pool_in_use', help: 'in use', type: 'gauge', samples: [{ labels: { pool: 'main' }, value: 3 }, { labels: { pool: 'replica' }, value: 1 }] },
      h.family(),
    ]));
    expect(p.errors).toEqual([]);
    expect(p.types.get('http_request_duration_seconds')).toBe('histogram');
    const v = Object.fromEntries(p.samples.map((s) => [seriesKey(s.name, s.labels), s.value]));
    expect(v['app_db_pool_in_use{pool="main"}']).toBe(3);
    expect(v['http_request_duration_seconds_bucket{le="0.1",route="/a"}']).toBe(0);
    expect(v['http_request_duration_seconds_bucket{le="0.1",route="/b"}']).toBe(1);
    expect(v['http_request_duration_seconds_count{route="/a"}']).toBe(1);
    expect(v['http_request_duration_seconds_sum{route="/a"}']).toBeCloseTo(0.2);
  });

  it('handles escapes, special values, timestamps, exemplars and a last line without newline', () => {
    const p = parseExposition('# HELP x help\\n text\nx{path="C:\\\\DIR",msg="say \\"hi\\"\\n"} +Inf 1395066363000\ny NaN\nz -1.5e3 # {trace_id="a"} 1\nw{a="}{"} 2 # {t="b"} 3\nlast 7');
    expect(p.errors).toEqual([]);
    const [x, y, z, w, last] = p.samples;
    expect(w).toMatchObject({ labels: { a: '}{' }, value: 2, timestampMs: null });
    expect(x?.labels).toEqual({ path: 'C:\\DIR', msg: 'say "hi"\n' });
    expect(x?.value).toBe(Infinity);
    expect(x?.timestampMs).toBe(1395066363000);
    expect(Number.isNaN(y?.value)).toBe(true);
    expect(z?.value).toBe(-1500);
    expect(last).toMatchObject({ name: 'last', value: 7 });
  });

  it('reports bad lines without losing the good ones', () => {
    const p = parseExposition('good 1\nbad{ 2\nworse abc\n9bad 1\ngood2 2\n');
    expect(p.samples.map((s) => s.name)).toEqual(['good', 'good2']);
    expect(p.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('keeps pool gauges, named series, prefixes and defaults only', () => {
    const p = parseExposition('app_pool_in_use{pool="a"} 2\napp_pool_in_use{pool="b"} 1\napp_pool_size 10\ncache_hits_total 5\ncache_misses_total 1\nother 3\nprocess_resident_memory_bytes 100\nq{quantile="0.5"} NaN\n');
    const sel = selectorsFor({ in_use: 'app_pool_in_use', size: 'app_pool_size' }, ['cache_*', 'q']);
    expect(selectSeries(p, sel)).toEqual({
      'app_pool_in_use{pool="a"}': 2, 'app_pool_in_use{pool="b"}': 1, app_pool_size: 10, cache_hits_total: 5, cache_misses_total: 1, process_resident_memory_bytes: 100,
    });
    expect(selectSeries(p, [parseSelector('app_pool_in_use{pool="b"}')])).toEqual({ 'app_pool_in_use{pool="b"}': 1 });
  });

  it('resolves the scrape URL against the target', () => {
    expect(resolveScrapeUrl('/metrics', new URL('http://127.0.0.1:8080/api/'))?.toString()).toBe('http://127.0.0.1:8080/metrics');
    expect(resolveScrapeUrl('http://127.0.0.1:9100/metrics', null)?.toString()).toBe('http://127.0.0.1:9100/metrics');
    expect(resolveScrapeUrl('/metrics', null)).toBeNull();
  });
});
