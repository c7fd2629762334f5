/**
 * `replay --out-prometheus URL` against a real Prometheus (Debian's 2.42,
 * `--web.enable-remote-write-receiver`): the run's per-second offered and
 * achieved rates, errors and p50/p95/p99, per endpoint and for all of them,
 * read back from the server sample by sample, equal the run's own report
 * (its timelines, from windows.ndjson), at the run's time zero + t_s; the
 * per-tenant-class series equal the run's own windows (counts summed from
 * windows.ndjson here; the quantiles of the windows' histograms decoded with
 * the analysis's own functions), and each break of the report reads back as
 * `prodshape_break` 1 at its start and 0 a second later. A bad or remote URL
 * is refused before any load; a receiver that does not answer is a warning,
 * and the run stands.
 *
 * Load group (vitest.config.ts): it sends real load (a few seconds at 60 rps).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { buildSeries } from '../../src/analyze/series.js';
import { latencyStats } from '../../src/analyze/hist.js';
import type { WindowRecord } from '../../src/run/format.js';
import { prometheusBinary, startPrometheus, type TestPrometheus } from '../helpers/prometheus-server.js';

const bin = prometheusBinary();

interface Report {
  timeline: { t_s: number; offered_rps: number; achieved_rps: number; errors: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null }[];
  endpoint_timeline: Record<string, { offered_rps: number[]; achieved_rps: number[]; errors: number[]; p50_ms: (number | null)[]; p95_ms: (number | null)[]; p99_ms: (number | null)[] } | null>;
  breaks: { kind: string; endpoint: string | null; t_s: number | null; summary: string }[];
}

/** Raw samples of every series a selector matches over the last 10 minutes, by their labels. */
const rawSeries = async (prom: URL, selector: string): Promise<Array<{ metric: Record<string, string>; values: Array<[number, number]> }>> => {
  const body = new URLSearchParams({ query: `${selector}[10m]`, time: String(Date.now() / 1000) });
  const r = await (await fetch(new URL('/api/v1/query', prom), { method: 'POST', body })).json() as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
  return r.data.result.map((x) => ({ metric: x.metric, values: x.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]) }));
};

/** Raw samples of a selector over the last 10 minutes: `[epoch ms, value]`. */
const rawSamples = async (prom: URL, selector: string): Promise<Array<[number, number]>> => {
  const body = new URLSearchParams({ query: `${selector}[10m]`, time: String(Date.now() / 1000) });
  const r = await (await fetch(new URL('/api/v1/query', prom), { method: 'POST', body })).json() as { data: { result: Array<{ values: Array<[number, string]> }> } };
  expect(r.data.result.length, selector).toBe(1);
  return (r.data.result[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)]);
};

describe.skipIf(bin.skip !== null)(`replay --out-prometheus into a real Prometheus${bin.skip === null ? '' : ` (skipped: ${bin.skip})`}`, () => {
  let server: Server | null = null;
  let prom: TestPrometheus | null = null;
  let target = '';
  const dir = mkdtempSync(join(tmpdir(), 'prodshape-out-prom-'));
  let n = 0;

  beforeAll(async () => {
    ensureBuilt();
    // /a answers in 2-12 ms; /b fails one request in five.
    server = createServer((req, res) => {
      n++;
      if (req.url?.endsWith('/b') === true && n % 5 === 0) res.writeHead(500).end('no');
      else setTimeout(() => res.end('ok'), 2 + (n % 11));
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const a = server.address();
    target = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
    prom = await startPrometheus(bin.path ?? '', []);
    // 120 tenants (rows 1000/rank, 10 of them empty): every size class has requests, `tenant: uniform` for the empty ones.
    const rows = Array.from({ length: 120 }, (_, i) => `t${i},${i >= 110 ? 0 : Math.round(1000 / (i + 1))}`);
    writeFileSync(join(dir, 'tenants.csv'), `id,rows\n${rows.join('\n')}\n`);
    writeFileSync(join(dir, 'svc.yaml'), `name: svc\ntenants: { csv: ${join(dir, 'tenants.csv')}, id: id, rows: rows }\nendpoints:\n  - { name: a, path: '/t/{tenant}/a', weight: 2 }\n  - { name: b, path: '/t/{tenant}/b', tenant: uniform }\n`);
    writeFileSync(join(dir, 'steady.yaml'), 'name: steady\narrival: poisson\nstages:\n  - { duration: 5s, rate: 60 }\n');
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const replay = (out: string, writeUrl: string, duration = '5s') =>
    runCli(['replay', '--scenario', join(dir, 'svc.yaml'), '--profile', join(dir, 'steady.yaml'), '--target', target, '--out', join(dir, out),
      '--seed', '3', '--duration', duration, '--out-prometheus', writeUrl], { env: { NO_COLOR: '1' } });

  it('writes the run\'s per-second numbers, which read back equal to its report', async () => {
    const r = await replay('run', new URL('/api/v1/write', prom?.url).href);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote \d+ series \(\d+ samples, run="run"\) to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write/);
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8')) as Report;
    const t0 = (JSON.parse(readFileSync(join(dir, 'run', 'run.json'), 'utf8')) as { started_at_ms: number }).started_at_ms;
    const at = (i: number): number => Math.round(t0 + (report.timeline[i]?.t_s ?? i) * 1000);
    const expected = (values: readonly (number | null)[]): Array<[number, number]> =>
      values.flatMap((v, i): Array<[number, number]> => (v === null ? [] : [[at(i), v]]));
    const url = prom?.url ?? new URL('http://127.0.0.1:1');
    const columns = {
      '*': {
        offered_rps: report.timeline.map((x) => x.offered_rps), achieved_rps: report.timeline.map((x) => x.achieved_rps), errors: report.timeline.map((x) => x.errors),
        p50_ms: report.timeline.map((x) => x.p50_ms), p95_ms: report.timeline.map((x) => x.p95_ms), p99_ms: report.timeline.map((x) => x.p99_ms),
      },
      a: report.endpoint_timeline.a,
      b: report.endpoint_timeline.b,
    };
    let compared = 0;
    for (const [endpoint, c] of Object.entries(columns)) {
      expect(c, endpoint).toBeTruthy();
      if (!c) continue;
      const sel = (name: string, extra = ''): string => `${name}{run="run",scenario="svc",endpoint="${endpoint}"${extra}}`;
      for (const [name, values] of [['prodshape_offered_rps', c.offered_rps], ['prodshape_achieved_rps', c.achieved_rps], ['prodshape_errors', c.errors]] as const) {
        const back = await rawSamples(url, sel(name));
        expect(back, `${name} ${endpoint}`).toEqual(expected(values));
        compared += back.length;
      }
      for (const [q, values] of [['0.5', c.p50_ms], ['0.95', c.p95_ms], ['0.99', c.p99_ms]] as const) {
        const back = await rawSamples(url, sel('prodshape_latency_ms', `,quantile="${q}"`));
        expect(back, `p${q} ${endpoint}`).toEqual(expected(values));
        compared += back.length;
      }
    }
    // 3 series x 6 columns, each with a sample per second of a 5 s run (latency only where requests completed).
    expect(compared).toBeGreaterThanOrEqual(3 * 6 * 4);
    // The run had traffic and errors to compare, not zeros only.
    expect(columns.b?.errors.some((e) => e > 0)).toBe(true);
    expect(columns['*'].offered_rps.reduce((s, x) => s + x, 0)).toBeGreaterThan(150);

    // Per tenant class: counts from the raw windows, quantiles from their histograms, per endpoint and for all (`*`).
    const windows = readFileSync(join(dir, 'run', 'windows.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WindowRecord);
    const length = report.timeline.length;
    const rs = buildSeries(windows, ['a', 'b'], length);
    const count = (endpoint: string, cls: string, field: 'completed' | 'errors'): Array<[number, number]> => {
      const v = new Array<number>(length).fill(0);
      for (const w of windows) {
        if (w.tenant_class !== cls || (endpoint !== '*' && w.endpoint !== endpoint)) continue;
        v[w.t_s] = (v[w.t_s] ?? 0) + (field === 'completed' ? w.completed : Object.values(w.errors).reduce((a, x) => a + (x ?? 0), 0));
      }
      return v.map((x, t): [number, number] => [t0 + t * 1000, x]);
    };
    let classSamples = 0;
    const classesSeen = new Set<string>();
    for (const cls of ['top1', 'top10', 'rest', 'empty']) {
      for (const endpoint of ['*', 'a', 'b']) {
        const got = await rawSeries(url, `{__name__=~"prodshape_class_.*",run="run",endpoint="${endpoint}",tenant_class="${cls}"}`);
        const s = endpoint === '*' ? null : rs.byClass.get(endpoint)?.get(cls as WindowRecord['tenant_class']);
        if (endpoint !== '*' && s === undefined) {
          expect(got, `${cls} ${endpoint}: no requests, no series`).toEqual([]);
          continue;
        }
        classesSeen.add(cls);
        const one = (name: string, q?: string) => got.find((g) => g.metric.__name__ === name && g.metric.quantile === q)?.values;
        expect(one('prodshape_class_requests'), `${cls} ${endpoint} requests`).toEqual(count(endpoint, cls, 'completed'));
        const errors = count(endpoint, cls, 'errors');
        if (errors.some(([, x]) => x > 0) || one('prodshape_class_errors') !== undefined) expect(one('prodshape_class_errors'), `${cls} ${endpoint} errors`).toEqual(errors);
        if (s !== null && s !== undefined) {
          for (const [q, k] of [['0.5', 'p50_ms'], ['0.95', 'p95_ms'], ['0.99', 'p99_ms']] as const) {
            const want = s.lat.map((h, t): [number, number | null] => [t0 + t * 1000, latencyStats(h)[k]]).filter((x): x is [number, number] => x[1] !== null);
            expect(one('prodshape_class_latency_ms', q), `${cls} ${endpoint} p${q}`).toEqual(want);
            classSamples += want.length;
          }
        }
      }
    }
    expect([...classesSeen].sort()).toEqual(['empty', 'rest', 'top1', 'top10']);
    expect(classSamples).toBeGreaterThan(20);

    // Every break of the report as an annotation: 1 at its start, 0 a second later (/b's 20% errors make one at least).
    expect(report.breaks.length).toBeGreaterThan(0);
    const marks = await rawSeries(url, 'prodshape_break{run="run"}');
    expect(marks.length, JSON.stringify(report.breaks.map((b) => b.kind))).toBe(new Set(report.breaks.map((b) => `${b.kind}|${b.endpoint ?? '*'}|${b.summary}`)).size);
    for (const b of report.breaks) {
      const m = marks.find((x) => x.metric.kind === b.kind && x.metric.endpoint === (b.endpoint ?? '*') && b.summary.startsWith(x.metric.summary ?? '\u0000'));
      const at = Math.round(t0 + (b.t_s ?? 0) * 1000);
      expect(m?.values, b.summary).toEqual(expect.arrayContaining([[at, 1]]));
      expect(m?.values.find(([t]) => t === at + 1000)?.[1] ?? 0, b.summary).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it('refuses a malformed or remote URL before any load, and warns when the receiver does not answer', async () => {
    const before = n;
    const bad = await replay('bad', '9090');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--out-prometheus: expected a remote-write URL/);
    const remote = await replay('remote', 'http://203.0.113.9:9090/api/v1/write');
    expect(remote.code).toBe(1);
    expect(remote.stderr).toMatch(/--out-prometheus: http:\/\/203\.0\.113\.9:9090\/api\/v1\/write: 203\.0\.113\.9 \(public\)/);
    expect(n).toBe(before);
    const dead = await replay('dead', 'http://127.0.0.1:1/api/v1/write', '1s');
    expect(dead.code, dead.stderr).toBe(0);
    expect(dead.stderr).toMatch(/warning: remote write to http:\/\/127\.0\.0\.1:1\/api\/v1\/write failed: .*the run and its report are complete/);
  }, 60_000);
});
