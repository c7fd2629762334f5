/**
 * The Prometheus server observer without a Prometheus: long windows read in
 * pieces Prometheus accepts (a loopback server that answers query_range and
 * records what it was asked), a server that does not answer (recorded and
 * warned, never thrown), `report DIR --prometheus`'s window and the capacity math over gauges summed across
 * instances (divided by the instance count the series name).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityFrom, poolByInstance, type Observed } from '../../src/observe/findings.js';
import { createMetaSink } from '../../src/observe/meta.js';
import { createPromqlObserver, readServerPool, rereadPrometheus } from '../../src/observe/promql-server.js';
import { InputError } from '../../src/core/errors.js';
import { window, writeRunDir } from '../helpers/rundir.js';
import { PROMQL_POOL_NAMES } from '../../src/scenario/scenario.js';

/** A query_range endpoint: one series per query, instance "a", value = step index; records each (start, end, step). */
const asked: Array<{ query: string; start: number; end: number; step: number }> = [];
let server: Server | null = null;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const f = new URLSearchParams(body);
      const q = { query: f.get('query') ?? '', start: Number(f.get('start')), end: Number(f.get('end')), step: Number(f.get('step')) };
      asked.push(q);
      const values: Array<[number, string]> = [];
      for (let t = q.start; t <= q.end + 1e-9; t += q.step) values.push([t, String(Math.round(t - 1000))]);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'x', instance: 'a' }, values }] } }));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const a = server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
});
afterAll(() => {
  server?.close();
});

describe('reading a run\'s window from a Prometheus server', () => {
  it('reads a long window in pieces of at most 10,000 steps, contiguous, one record per step', async () => {
    asked.length = 0;
    const read = await readServerPool(new URL(base), { in_use: 'pool_in_use' }, 1000, 1000, 25_000);
    expect(asked.map((q) => [q.start - 1000, q.end - 1000, q.step])).toEqual([[0, 10_000, 1], [10_001, 20_001, 1], [20_002, 25_000, 1]]);
    expect(read.records).toHaveLength(25_001);
    expect(read.records.every((r, i) => r.t_s === i && r.values[`${PROMQL_POOL_NAMES.in_use}{instance="a"}`] === i)).toBe(true);
    expect(read.instances).toEqual(['a']);
  });

  it('records a server that does not answer in observe.json and promql.ndjson, and warns once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodshape-promql-obs-'));
    try {
      const meta = createMetaSink(1);
      const lines: string[] = [];
      const obs = createPromqlObserver({ url: 'http://127.0.0.1:1', spec: { url: 'x', stepMs: 1000, pool: { waiting: 'w' } }, meta, settleMs: 0 });
      const t0 = Date.now();
      await obs.start({ runDir: dir, startedAtMs: t0, nowMs: () => Date.now() - t0, target: null, scenario: null, manifest: null, signal: new AbortController().signal, log: (l) => lines.push(l) });
      await obs.stop();
      const written = JSON.parse(readFileSync(join(dir, 'observe.json'), 'utf8')) as { prometheus_server: { error: string | null; queries: unknown; pool: unknown }; warnings: string[] };
      expect(written.prometheus_server.error).toMatch(/ECONNREFUSED/);
      expect(written.prometheus_server.queries).toEqual({ waiting: 'w' });
      expect(written.prometheus_server.pool).toEqual({ waiting: PROMQL_POOL_NAMES.waiting });
      expect(written.warnings).toEqual([expect.stringMatching(/^query_range on http:\/\/127\.0\.0\.1:1\/ failed: .*prodshape report DIR --prometheus URL/) as unknown]);
      expect(lines.filter((l) => l.includes('query_range on'))).toHaveLength(1);
      const recs = readFileSync(join(dir, 'promql.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean });
      expect(recs).toEqual([expect.objectContaining({ ok: false, t_s: 0 })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report DIR --prometheus (rereadPrometheus)', () => {
  it('reads the window of run.json with the queries of the run\'s scenario, keeping observe.json\'s other fields', async () => {
    const dir = writeRunDir({ meta: { started_at_ms: 5_000_000, duration_s: 12.4 }, windows: [window(0, 'a', [5])] });
    try {
      writeFileSync(join(dir, 'scenario.yaml'), 'name: s\nendpoints: [{ name: a, path: /a }]\nobserve:\n  prometheus_server:\n    url: "${PROM_URL}"\n    step: 2s\n    pool: { size: pool_size }\n');
      writeFileSync(join(dir, 'observe.json'), JSON.stringify({ prometheus: null, postgres: null, instances: 3, warnings: ['query_range on x failed: old', 'kept'] }));
      asked.length = 0;
      const m = await rereadPrometheus(dir, new URL(base));
      expect(asked).toEqual([{ query: 'pool_size', start: 5000, end: 5014, step: 2 }]);
      expect(m.instances).toEqual(['a']);
      const written = JSON.parse(readFileSync(join(dir, 'observe.json'), 'utf8')) as { instances: number; warnings: string[]; prometheus_server: { url: string; step_ms: number } };
      expect(written).toMatchObject({ instances: 3, warnings: ['kept'], prometheus_server: { url: `${base}/`, step_ms: 2000 } });
      expect(readFileSync(join(dir, 'promql.ndjson'), 'utf8').trim().split('\n')).toHaveLength(8);
      // A run whose scenario names no server: exit 1, naming the flag.
      writeFileSync(join(dir, 'scenario.yaml'), 'name: s\nendpoints: [{ name: a, path: /a }]\n');
      const e = await rereadPrometheus(dir, new URL(base)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(/--prometheus: the run's scenario .* has no observe\.prometheus_server/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('capacity over a Prometheus server\'s gauges', () => {
  /** Four instances of pool 5 at 25 ms per request: 400 rps in all is 10 busy over the service, 2.5 per instance. */
  const observed = (instances: string[] | null, serverMeta = true): Observed => {
    const pool = { in_use: PROMQL_POOL_NAMES.in_use, size: PROMQL_POOL_NAMES.size };
    const per = ['i1', 'i2', 'i3', 'i4'];
    return {
      meta: {
        prometheus: serverMeta ? null : { url: 'x', interval_ms: 1000, pool },
        prometheus_server: serverMeta ? { url: 'x', step_ms: 1000, queries: {}, pool, instances, error: null } : null,
        postgres: null, instances: 1, warnings: [],
      },
      scrapes: Array.from({ length: 10 }, (_, t) => ({
        t_s: t, ok: true, error: null, duration_ms: 0,
        values: Object.fromEntries(per.flatMap((i) => [[`${pool.in_use}{instance="${i}"}`, 2.5], [`${pool.size}{instance="${i}"}`, 5]])),
      })),
      activity: [], statements: [], plans: [], log: [], events: [],
      offered: new Array<number>(10).fill(400), completed: new Array<number>(10).fill(400), problems: [],
    };
  };

  it('takes the instance count from the series and divides the sums by it', () => {
    const c = capacityFrom(observed(['i1', 'i2', 'i3', 'i4']));
    expect(c?.instances).toBe(4);
    expect(c?.pool_size).toBe(5);
    expect(c?.configured).toBe(20);
    expect(c?.hold_ms).toBeCloseTo(25, 6);
    expect(c?.sentence).toMatch(/4 instances x 5 = 20 are configured/);
    expect(poolByInstance(observed(['i1']))?.map((p) => [p.instance, p.max_in_use, p.size])).toEqual([['i1', 2.5, 5], ['i2', 2.5, 5], ['i3', 2.5, 5], ['i4', 2.5, 5]]);
  });

  it('falls back to --instances when the series carry no instance label, and an explicit count wins', () => {
    expect(capacityFrom(observed(null))?.instances).toBe(1);
    expect(capacityFrom(observed(null))?.configured).toBe(20);
    expect(capacityFrom(observed(null), 2)?.pool_size).toBe(10);
    // The same sums read as one scraped copy's gauges of 4 instances would be 4x the hold time: the server form is what divides.
    expect(capacityFrom(observed(null, false), 4)?.hold_ms).toBeCloseTo(100, 6);
    expect(capacityFrom(observed(['i1', 'i2', 'i3', 'i4']))?.hold_ms).toBeCloseTo(25, 6);
  });
});
