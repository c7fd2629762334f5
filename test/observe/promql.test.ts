/**
 * PromQL as an observer's source, against a real Prometheus (Debian's 2.42)
 * scraping four real test-service instances with a pool each: the query_range
 * results, turned into scrape records, give the pool detector the sums over
 * the four instances (4 × pool size) and keep the per-instance series.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaugeValue } from '../../src/core/prom-parse.js';
import { registerSecret, clearSecrets } from '../../src/core/secrets.js';
import { poolEpisodes, poolSeries } from '../../src/analyze/detect/pool.js';
import { distinctLabel, parseMatrix, PromqlError, queryRange, rangeToScrapes, readWindow } from '../../src/observe/promql.js';
import { remoteWrite, RemoteWriteError } from '../../src/observe/remote-write.js';
import { prometheusBinary, startPrometheus, waitScraped, type TestPrometheus } from '../helpers/prometheus-server.js';

const bin = prometheusBinary();

/** What each instance exports: in-use, waiting and size of its own pool. */
const INSTANCES = [
  { inUse: 10, waiting: 2 },
  { inUse: 9, waiting: 0 },
  { inUse: 10, waiting: 1 },
  { inUse: 8, waiting: 0 },
];
const POOL_SIZE = 10;

const listen = (handler: Parameters<typeof createServer>[1]): Promise<Server> => new Promise((res) => {
  const s = createServer(handler);
  s.listen(0, '127.0.0.1', () => res(s));
});
const portOf = (s: Server): number => {
  const a = s.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
};

describe.skipIf(bin.skip !== null)(`PromQL query_range against a real Prometheus${bin.skip === null ? '' : ` (skipped: ${bin.skip})`}`, () => {
  const services: Server[] = [];
  let prom: TestPrometheus | null = null;
  let windowStartS = 0;

  beforeAll(async () => {
    for (const inst of INSTANCES) {
      services.push(await listen((_req, res) => {
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(`# TYPE pool_in_use gauge\npool_in_use ${inst.inUse}\n# TYPE pool_waiting gauge\npool_waiting ${inst.waiting}\n# TYPE pool_size gauge\npool_size ${POOL_SIZE}\n`);
      }));
    }
    windowStartS = Date.now() / 1000;
    prom = await startPrometheus(bin.path ?? '', services.map((s) => `127.0.0.1:${portOf(s)}`));
    await waitScraped(prom, INSTANCES.length);
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    for (const s of services) s.close();
    clearSecrets();
  });

  it('gives the pool detector the sums over four instances (4 × pool size) and keeps each instance', async () => {
    const server = prom?.url ?? new URL('http://127.0.0.1:1');
    const endS = Date.now() / 1000;
    const w = { startS: windowStartS, endS, stepS: 1 };
    const records = await readWindow(server, [
      { name: 'pool_in_use', expr: 'pool_in_use{job="svc"}' },
      { name: 'pool_waiting', expr: 'pool_waiting{job="svc"}' },
      { name: 'pool_size', expr: 'pool_size{job="svc"}' },
      { name: 'pool_in_use_total', expr: 'sum(pool_in_use{job="svc"})' },
    ], w, windowStartS, { timeoutMs: 5000 });
    // The samples after every instance was scraped (Prometheus's lookback keeps earlier ones partial).
    const full = records.filter((r) => Object.keys(r.values).filter((k) => k.startsWith('pool_size{')).length === INSTANCES.length);
    expect(full.length).toBeGreaterThanOrEqual(2);
    const sumInUse = INSTANCES.reduce((a, i) => a + i.inUse, 0);
    const sumWaiting = INSTANCES.reduce((a, i) => a + i.waiting, 0);
    for (const r of full) {
      expect(gaugeValue(r.values, 'pool_in_use')).toBe(sumInUse);
      expect(gaugeValue(r.values, 'pool_waiting')).toBe(sumWaiting);
      expect(gaugeValue(r.values, 'pool_size')).toBe(INSTANCES.length * POOL_SIZE);
      // The server-side sum agrees with the sum of the per-instance series.
      expect(gaugeValue(r.values, 'pool_in_use_total')).toBe(sumInUse);
      // Each instance's series is kept, with the value it exported.
      for (const [i, s] of services.entries()) {
        expect(r.values[`pool_in_use{instance="127.0.0.1:${portOf(s)}",job="svc"}`]).toBe(INSTANCES[i]?.inUse);
      }
    }
    const series = poolSeries({ in_use: 'pool_in_use', waiting: 'pool_waiting', size: 'pool_size' }, full);
    expect(series.samples.every((s) => s.size === INSTANCES.length * POOL_SIZE && s.in_use === sumInUse)).toBe(true);
    // Waiting > 0 in every sample: one saturated episode over the whole window.
    expect(poolEpisodes(series.samples, 2)).toHaveLength(1);
    const perInstance = await queryRange(server, 'pool_size{job="svc"}', w, { timeoutMs: 5000 });
    expect(distinctLabel(perInstance, 'instance')).toHaveLength(INSTANCES.length);
  });

  it('reads back from the server, step by step, the series a remote write sent (snappy block over 64 KiB)', async () => {
    const server = prom?.url ?? new URL('http://127.0.0.1:1');
    const endMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
    // 6,000 samples every 100 ms (~100 KB encoded: two snappy literal chunks), values not on a simple grid.
    const samples: Array<[number, number]> = Array.from({ length: 6000 }, (_, i) => [endMs - (5999 - i) * 100, Math.round(Math.sin(i / 7) * 1e6) / 1e3]);
    const other: Array<[number, number]> = samples.map(([t], i) => [t, i % 13]);
    await remoteWrite(new URL('/api/v1/write', server), [
      { labels: { __name__: 'prodshape_test_latency_ms', endpoint: 'GET /a', quantile: 'p99' }, samples },
      { labels: { __name__: 'prodshape_test_latency_ms', endpoint: 'GET /b', quantile: 'p99' }, samples: other },
    ], { timeoutMs: 10_000 });
    const w = { startS: (endMs - 599_900) / 1000, endS: endMs / 1000, stepS: 0.1 };
    const back = await queryRange(server, 'prodshape_test_latency_ms', w, { timeoutMs: 10_000 });
    const byEndpoint = new Map(back.map((s) => [s.labels.endpoint, s.points]));
    expect([...byEndpoint.keys()].sort()).toEqual(['GET /a', 'GET /b']);
    expect(byEndpoint.get('GET /a')).toEqual(samples.map(([t, v]) => [t / 1000, v]));
    expect(byEndpoint.get('GET /b')).toEqual(other.map(([t, v]) => [t / 1000, v]));
  });

  it('reports a remote write the receiver refuses (a sample from 1970: out of bounds) with its status and text', async () => {
    const server = prom?.url ?? new URL('http://127.0.0.1:1');
    const err = await remoteWrite(new URL('/api/v1/write', server), [{ labels: { __name__: 'prodshape_test_old' }, samples: [[1000, 1]] }], { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteWriteError);
    expect(String((err as Error).message)).toMatch(/HTTP 4\d\d /);
  });

  it('reports a bad query as the API error, and never shows the URL password', async () => {
    const url = new URL(prom?.url.href ?? 'http://127.0.0.1:1');
    url.username = 'ops';
    url.password = 's3cret-pw';
    registerSecret('s3cret-pw');
    const now = Date.now() / 1000;
    const err = await queryRange(url, 'sum(', { startS: now - 5, endS: now, stepS: 1 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromqlError);
    expect(String((err as Error).message)).toMatch(/HTTP 400 .*parse error/);
    expect(String((err as Error).message)).not.toContain('s3cret-pw');
  });
});

describe('PromQL results as scrape records (no server)', () => {
  it('never follows a redirect', async () => {
    const s = await listen((_req, res) => { res.statusCode = 302; res.setHeader('location', 'http://10.0.0.1/'); res.end(); });
    const err = await queryRange(new URL(`http://127.0.0.1:${portOf(s)}`), 'up', { startS: 0, endS: 1, stepS: 1 }, { timeoutMs: 2000 }).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(PromqlError);
    expect(String((err as Error).message)).toMatch(/302 redirect .* not followed/);
  });

  it('drops NaN points, __name__, and points before time zero; merges queries by timestamp', () => {
    const a = parseMatrix({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'x', instance: 'a' }, values: [[99, '1'], [100, '2'], [101, 'NaN']] }] } });
    expect(a).toEqual([{ labels: { instance: 'a' }, points: [[99, 1], [100, 2]] }]);
    const recs = rangeToScrapes([{ name: 'x', series: a }, { name: 'y', series: [{ labels: {}, points: [[100, 5], [101, 6]] }] }], 100);
    expect(recs.map((r) => [r.t_s, r.values])).toEqual([[0, { 'x{instance="a"}': 2, y: 5 }], [1, { y: 6 }]]);
    expect(() => parseMatrix({ status: 'error', error: 'bad' })).toThrow(/bad/);
  });
});
