import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createRng } from '../../src/core/rng.js';
import { importK6Results } from '../../src/k6/import.js';
import { parseK6Line, parseK6Time } from '../../src/k6/k6-json.js';
import { decodeHistogram, percentileMs } from '../../src/run/histogram.js';
import { readRecords } from '../../src/run/ndjson.js';
import type { EventRecord, RunMeta, TenantRecord, WindowRecord } from '../../src/run/format.js';
import { finishRun } from '../../src/report/index.js';
import type { Report } from '../../src/analyze/types.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { k6Lines, rfc3339, writeK6File, type SimPoint, type SimRequest } from './k6-results.js';

/** 2024-05-09T12:00:00.250Z: time zero of the synthetic runs (not on a whole second, on purpose). */
const T0 = Date.UTC(2024, 4, 9, 12, 0, 0) + 250;

const META = {
  format: 1, prodshape: '0.1.0', scenario: 'orders-fixture', profile: 'spike-fixture', arrival: 'poisson', speed: 1, rate_scale: 1,
  planned_duration_s: 10, expected_requests: 3000, endpoints: ['list-orders', 'dashboard'], slo: ['p99<300ms'], max_vus: 200,
  expected_latency_ms: 100, skipped_events: [{ at_s: 8, action: 'migrate', reason: 'shell' }], target: 'http://staging:8080',
};

interface Truth { sendMs: number; endMs: number; endpoint: string; tenantClass: string; latencyMs: number; error: string | null }

/**
 * One runner's 10 seconds of traffic: list-orders (5–50 ms) and dashboard
 * (20–220 ms) at 100 and 50 requests/s, 500s on list-orders in second 7,
 * timeouts and refused connections on dashboard in second 8.
 */
const runnerTraffic = (seed: number, tenants: string[]): { requests: SimRequest[]; truth: Truth[] } => {
  const rng = createRng(seed, 'k6-import');
  const requests: SimRequest[] = [];
  const truth: Truth[] = [];
  for (let s = 0; s < 10; s++) {
    for (const [endpoint, perSecond, lo, hi] of [['list-orders', 100, 5, 50], ['dashboard', 50, 20, 220]] as const) {
      for (let i = 0; i < perSecond; i++) {
        const sendMs = T0 + s * 1000 + ((i + rng()) / perSecond) * 1000;
        let latencyMs = lo + rng() * (hi - lo);
        let status = 200;
        let errorCode: number | undefined;
        let error: string | null = null;
        if (endpoint === 'list-orders' && s === 7 && i % 10 === 0) [status, error] = [500, '5xx'];
        if (endpoint === 'dashboard' && s === 8 && i % 10 === 0) [status, errorCode, error, latencyMs] = [0, 1050, 'timeout', 1500];
        if (endpoint === 'dashboard' && s === 8 && i % 10 === 5) [status, errorCode, error, latencyMs] = [0, 1212, 'connect', 0.4];
        const tenant = tenants[i % tenants.length] ?? 'x';
        const tenantClass = i % tenants.length === 0 ? 'top1' : 'rest';
        requests.push({ sendMs, latencyMs, status, ...(errorCode === undefined ? {} : { errorCode }), tags: { endpoint, tenant_class: tenantClass, tenant, name: `/tenants/{tenant}/${endpoint}`, url: `/tenants/{tenant}/${endpoint}` } });
        truth.push({ sendMs, endMs: sendMs + latencyMs, endpoint, tenantClass, latencyMs, error });
      }
    }
  }
  return { requests, truth };
};

/** Nearest-rank percentile of exact values. */
const exactPercentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

const setupPoints = (): SimPoint[] => [
  { metric: 'prodshape_meta', timeMs: T0 - 3, value: 1, tags: { group: '::setup', scenario: 'default', prodshape: JSON.stringify(META) } },
  { metric: 'prodshape_tenant_rows', timeMs: T0 - 2, value: 90_000, tags: { group: '::setup', tenant: 'big', tenant_class: 'top1' } },
  { metric: 'prodshape_tenant_rows', timeMs: T0 - 2, value: 120, tags: { group: '::setup', tenant: 'small-a', tenant_class: 'rest' } },
  { metric: 'vus', timeMs: T0, value: 1, tags: {} },
];

/** Two runners' files: runner 1 plain (current field order, UTC), runner 2 gzipped (older field order, +02:00). */
const twoRunners = (dir: string): { files: string[]; truth: Truth[]; malformedLines: number[] } => {
  const r1 = runnerTraffic(1, ['big', 'small-a', 'small-b']);
  const r2 = runnerTraffic(2, ['big', 'small-c']);
  const deploy: SimRequest = {
    sendMs: T0 + 5000, latencyMs: 42, status: 200,
    tags: { scenario: 'event_1_deploy', prodshape_event: 'deploy', prodshape_event_at: '5', method: 'POST', name: 'action deploy', url: 'action deploy' },
  };
  const dropped: SimPoint[] = Array.from({ length: 30 }, (_, i) => ({ metric: 'dropped_iterations', timeMs: T0 + 6000 + i * 20, value: 1, tags: { scenario: 'traffic' } }));
  const lines1 = k6Lines([...r1.requests, deploy], [...setupPoints(), ...dropped], { globalTags: { instance_id: '1', testrun_name: 'spike' } });
  // Damage runner 1's file the ways real files get damaged: a stray log line, a line cut short, a bad time.
  const malformedLines: number[] = [];
  const insertAt = (at: number, text: string): void => {
    lines1.splice(at, 0, text);
    malformedLines.push(at + 1);
  };
  insertAt(40, 'time="2024-05-09T12:00:01Z" level=warning msg="Request Failed"');
  insertAt(400, (lines1[400] ?? '').slice(0, 60));
  insertAt(4000, JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time: 'yesterday', value: 3, tags: {} } }));
  const f1 = join(dir, 'results-1.json');
  const f2 = join(dir, 'results-2.json.gz');
  writeK6File(f1, lines1);
  writeK6File(f2, k6Lines(r2.requests, [], { order: 'type-first', zoneMin: 120, globalTags: { instance_id: '2', testrun_name: 'spike' } }), true);
  return { files: [f1, f2], truth: [...r1.truth, ...r2.truth], malformedLines };
};

/** Any damage, a torn last line included, fails the test: these files were written by a finished run. */
const readNdjsonAll = <T>(file: string): Promise<T[]> => readRecords<T>(file, (m) => { throw new Error(m); });

const readRun = async (dir: string) => ({
  meta: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunMeta,
  windows: await readNdjsonAll<WindowRecord>(join(dir, 'windows.ndjson')),
  tenants: await readNdjsonAll<TenantRecord>(join(dir, 'tenants.ndjson')),
  events: await readNdjsonAll<EventRecord>(join(dir, 'events.ndjson')),
});

const sum = <T>(xs: T[], f: (x: T) => number): number => xs.reduce((s, x) => s + f(x), 0);

describe('k6 JSON lines', () => {
  it('parses RFC 3339 times with nanoseconds and zone offsets', () => {
    expect(parseK6Time('2017-05-09T14:34:45.625742514+02:00')).toBeCloseTo(Date.UTC(2017, 4, 9, 12, 34, 45) + 625.742514, 5);
    expect(parseK6Time('2021-02-24T13:37:10Z')).toBe(Date.UTC(2021, 1, 24, 13, 37, 10));
    expect(parseK6Time('2021-02-24T13:37:10.5-05:30')).toBe(Date.UTC(2021, 1, 24, 19, 7, 10, 500));
    expect(parseK6Time(rfc3339(T0 + 1.25, -420))).toBeCloseTo(T0 + 1.25, 6);
    expect(parseK6Time('yesterday')).toBeNull();
  });
  it('reads the documented Metric and Point lines', () => {
    expect(parseK6Line('{"type":"Metric","data":{"type":"gauge","contains":"default","tainted":null,"thresholds":[],"submetrics":null},"metric":"vus"}'))
      .toEqual({ type: 'Metric', metric: 'vus', metricType: 'gauge', contains: 'default' });
    expect(parseK6Line('{"type":"Point","data":{"time":"2017-05-09T14:34:45.625742514+02:00","value":5,"tags":null},"metric":"vus"}'))
      .toMatchObject({ type: 'Point', metric: 'vus', value: 5, tags: {} });
    expect(parseK6Line('{"metric":"http_req_duration","type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":459.86,"tags":{"status":"200"},"metadata":{"trace_id":"x"}}}'))
      .toMatchObject({ type: 'Point', metric: 'http_req_duration', value: 459.86, tags: { status: '200' } });
    expect(parseK6Line('{"type":"Point","data":{"time":"2021-02-24T13:37:10Z","value":"x"},"metric":"vus"}')).toEqual({ error: 'data.value is not a number' });
  });
});

describe('importing k6 results', () => {
  it('merges several runners into per-second windows with the right counts, errors and percentiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-imp-'));
    const { files, truth, malformedLines } = twoRunners(dir);
    const out = join(dir, 'run');
    const r = await importK6Results(files, out);

    expect(r.requests).toBe(truth.length);
    expect(r.malformed.count).toBe(3);
    expect(r.malformed.examples.map((e) => e.split(': ')[0])).toEqual(malformedLines.map((l) => `${files[0]}:${l}`));
    expect(r.instances).toEqual(['1', '2']);
    expect(r.warnings.join('\n')).toContain('3 malformed lines skipped');

    const run = await readRun(out);
    // Time zero is the setup point, 3 ms before the first request: second 0 starts there.
    const start = T0 - 3;
    expect(run.meta.started_at_ms).toBe(Math.round(start));
    expect(run.meta).toMatchObject({
      tool: { name: 'k6' }, scenario: 'orders-fixture', profile: 'spike-fixture', arrival: 'k6', workers: 2,
      slo: ['p99<300ms'], max_inflight: 200, planned_duration_s: 10, duration_s: 10, interrupted: false, target: 'http://staging:8080',
    });
    expect(run.meta.endpoints).toEqual(['list-orders', 'dashboard']);

    // Per second × endpoint: requests by send second, completions by end second, errors by class.
    const sec = (ms: number): number => Math.floor((ms - start) / 1000);
    for (const endpoint of ['list-orders', 'dashboard']) {
      for (let t = 0; t <= 11; t++) {
        const ws = run.windows.filter((w) => w.endpoint === endpoint && w.t_s === t);
        const sent = truth.filter((x) => x.endpoint === endpoint && sec(x.sendMs) === t);
        const done = truth.filter((x) => x.endpoint === endpoint && sec(x.endMs) === t);
        expect(sum(ws, (w) => w.sent), `${endpoint} sent at ${t}`).toBe(sent.length);
        expect(sum(ws, (w) => w.completed_in_window), `${endpoint} completed at ${t}`).toBe(done.length);
        expect(sum(ws, (w) => w.ok_in_window)).toBe(done.filter((x) => x.error === null).length);
        for (const cls of ['5xx', 'timeout', 'connect'] as const) {
          expect(sum(ws, (w) => w.errors[cls] ?? 0), `${endpoint} ${cls} at ${t}`).toBe(sent.filter((x) => x.error === cls).length);
        }
        // Each window's histogram holds exactly its requests.
        for (const w of ws) {
          expect(decodeHistogram(w.latency).totalCount).toBe(sent.filter((x) => x.tenantClass === w.tenant_class).length);
        }
      }
    }
    // The 30 dropped iterations of second 6 are all there, spread over that second's windows.
    expect(sum(run.windows, (w) => w.dropped)).toBe(30);
    expect(sum(run.windows.filter((w) => w.t_s === 6), (w) => w.dropped)).toBe(30);
    for (const w of run.windows) expect(w.offered).toBe(w.sent + w.dropped);

    // The deploy hook's request is an event, not traffic.
    expect(run.events).toEqual([expect.objectContaining({ action: 'deploy', kind: 'http', t_s: 5, ok: true, status: 200 })]);
    expect(run.events[0]?.start_ms).toBe(5003);
    expect(run.events[0]?.end_ms).toBe(5045);
    expect(sum(run.windows, (w) => w.sent)).toBe(truth.length);

    // Tenants: rows from setup()'s gauge, requests per tenant and endpoint.
    const big = run.tenants.filter((t) => t.tenant === 'big');
    expect(big.map((t) => t.rows)).toEqual([90_000, 90_000]);
    expect(sum(big, (t) => t.requests)).toBe(truth.filter((x) => x.tenantClass === 'top1').length);
    expect(run.tenants.find((t) => t.tenant === 'small-b')?.rows).toBeNull();

    // The analysis reads it like a native run; per-endpoint percentiles match the exact ones.
    const { reportFile } = await finishRun(out, { print: () => undefined });
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.summary.requests).toBe(truth.length);
    expect(report.summary.dropped).toBe(30);
    expect(report.timeline.length).toBeGreaterThanOrEqual(10);
    for (const e of report.endpoints) {
      const lat = truth.filter((x) => x.endpoint === e.name).map((x) => x.latencyMs);
      for (const [p, key] of [[50, 'p50_ms'], [95, 'p95_ms'], [99, 'p99_ms']] as const) {
        const want = exactPercentile(lat, p);
        expect(Math.abs((e[key] ?? NaN) - want) / want, `${e.name} ${key}: ${e[key]} vs ${want}`).toBeLessThan(0.01);
      }
    }
    expect(report.events).toEqual([expect.objectContaining({ action: 'deploy', ok: true, t_s: 5 })]);
  });

  it('gives the same windows whatever the memory budget (folding is exact)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-fold-'));
    const { files } = twoRunners(dir);
    await importK6Results(files, join(dir, 'roomy'));
    await importK6Results(files, join(dir, 'tight'), { memoryBudgetValues: 64 });
    const a = (await readRun(join(dir, 'roomy'))).windows;
    const b = (await readRun(join(dir, 'tight'))).windows;
    expect(b.map((w) => ({ ...w, latency: '' }))).toEqual(a.map((w) => ({ ...w, latency: '' })));
    a.forEach((w, i) => {
      const ha = decodeHistogram(w.latency);
      const hb = decodeHistogram(b[i]?.latency ?? '');
      expect(hb.totalCount).toBe(ha.totalCount);
      for (const p of [50, 90, 99, 100]) expect(percentileMs(hb, p)).toBe(percentileMs(ha, p));
    });
  });

  it('reads a gzip file whatever its name, and the start of one cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-gz-'));
    const { requests } = runnerTraffic(3, ['a']);
    const lines = k6Lines(requests);
    const named = join(dir, 'results.json');
    writeK6File(named, lines, true);
    const r = await importK6Results([named], join(dir, 'a'));
    expect(r.requests).toBe(requests.length);
    const cut = join(dir, 'cut.gz');
    const gz = gzipSync(`${lines.join('\n')}\n`);
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
    const c = await importK6Results([cut], join(dir, 'b'));
    expect(c.requests).toBeGreaterThan(100);
    expect(c.requests).toBeLessThan(requests.length);
    expect(c.warnings.join('\n')).toMatch(/cut\.gz is cut short after line \d+ \(gzip: unexpected end of file\)/);
  });

  it('reads a hand-written script\'s results: endpoints by name tag, setup requests left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-plain-'));
    const reqs: SimRequest[] = [
      { sendMs: T0, latencyMs: 30, status: 200, tags: { group: '::setup', name: 'https://x/login', url: 'https://x/login' } },
      ...Array.from({ length: 50 }, (_, i) => ({ sendMs: T0 + 100 + i * 20, latencyMs: 10 + i, status: 200, tags: { name: 'https://x/items', url: 'https://x/items' } })),
    ];
    const file = join(dir, 'r.json');
    writeK6File(file, k6Lines(reqs));
    const r = await importK6Results([file], join(dir, 'run'));
    const run = await readRun(join(dir, 'run'));
    expect(r.requests).toBe(50);
    expect(run.meta.endpoints).toEqual(['https://x/items']);
    expect(run.meta.scenario).toBeNull();
    expect(run.windows.every((w) => w.tenant_class === 'none')).toBe(true);
    expect(run.meta.extra?.k6).toMatchObject({ metadata_found: false });
  });

  it('refuses files that hold no k6 requests, and an --out that holds another run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-k6-refuse-'));
    const csv = join(dir, 'results.csv');
    writeFileSync(csv, 'metric_name,timestamp,metric_value\nhttp_reqs,1595325560,1.000000\n');
    await expect(importK6Results([csv], join(dir, 'a'))).rejects.toThrow(/no HTTP requests found \(no http_req_duration points\)/);
    await expect(importK6Results([join(dir, 'missing.json')], join(dir, 'a'))).rejects.toBeInstanceOf(InputError);
    const { files } = twoRunners(dir);
    const other = join(dir, 'native');
    await importK6Results(files, other);
    // Importing again into an earlier k6 import replaces it...
    await expect(importK6Results(files, other)).resolves.toMatchObject({ requests: 3000 });
    // ...but a native run's directory is never overwritten.
    writeFileSync(join(other, 'run.json'), JSON.stringify({ tool: { name: 'prodshape' } }));
    await expect(importK6Results(files, other)).rejects.toThrow(/is not empty and holds no earlier k6 import/);
  });
});
