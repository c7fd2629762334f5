/** SLO specs: parsing (units, endpoints, errors), pass/fail on measured runs, and the p99 threshold the saturation rule uses. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { analyzeRunDir } from '../../src/analyze/index.js';
import { p99ThresholdMs, parseSlo, parseSlos } from '../../src/scenario/slo.js';
import { window, writeRunDir } from '../helpers/rundir.js';

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('parseSlo', () => {
  it('reads percentiles, max, mean, errors and dropped with units', () => {
    expect(parseSlo('p99<300ms')).toMatchObject({ endpoint: null, metric: 'percentile', percentile: 99, op: '<', threshold: 300 });
    expect(parseSlo('list-orders:p95<100ms')).toMatchObject({ endpoint: 'list-orders', percentile: 95, threshold: 100 });
    expect(parseSlo(' p99.9 <= 1.5s ')).toMatchObject({ percentile: 99.9, op: '<=', threshold: 1500 });
    expect(parseSlo('p50<800us')).toMatchObject({ threshold: 0.8 });
    expect(parseSlo('p90<250')).toMatchObject({ threshold: 250 }); // bare numbers are ms
    expect(parseSlo('errors<1%')).toMatchObject({ metric: 'errors', threshold: 0.01 });
    expect(parseSlo('errors<0.005')).toMatchObject({ metric: 'errors', threshold: 0.005 });
    expect(parseSlo('dashboard:dropped<0.1%')).toMatchObject({ endpoint: 'dashboard', metric: 'dropped', threshold: 0.001 });
    expect(parseSlo('max<5s')).toMatchObject({ metric: 'max', threshold: 5000 });
    expect(parseSlo('mean<50ms')).toMatchObject({ metric: 'mean' });
    // Endpoint names may hold ':' themselves (the scenario allows it).
    expect(parseSlo('api:v2:p99<300ms')).toMatchObject({ endpoint: 'api:v2' });
  });

  it('rejects what it cannot read, saying what was expected', () => {
    for (const bad of ['p99>300ms', 'latency<3s', 'p99<', 'p100<1s', 'p99<5%', 'errors<5ms', 'errors<3', '']) {
      const r = parseSlo(bad);
      expect(typeof r, bad).toBe('string');
    }
    expect(parseSlo('p99>300ms')).toMatch(/expected \[endpoint:\]metric<threshold/);
  });

  it('parseSlos lists every problem, names unknown endpoints and drops duplicates', () => {
    expect(() => parseSlos([{ text: 'p99<1s', source: { file: null, field: '--slo' } }], [])).not.toThrow();
    try {
      parseSlos([
        { text: 'p99<1s', source: { file: null, field: '--slo' } },
        { text: 'nope:p99<1s', source: { file: null, field: '--slo' } },
        { text: 'p99<<1s', source: { file: 'run.json', field: 'slo[1]' } },
      ], ['list-orders']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const err = e as InputError;
      expect(err.exitCode).toBe(1);
      expect(err.problems).toHaveLength(2);
      expect(err.message).toMatch(/no endpoint "nope" \(it has: list-orders\)/);
      expect(err.message).toMatch(/run\.json: slo\[1\]/);
    }
    expect(parseSlos([{ text: 'p99<1s', source: { file: null, field: 'a' } }, { text: 'p99 < 1s', source: { file: null, field: 'b' } }], [])).toHaveLength(1);
  });

  it('p99ThresholdMs prefers the endpoint\'s own p99 SLO over the global one', () => {
    const slos = parseSlos(['p99<300ms', 'a:p99<100ms', 'b:p95<50ms'].map((text) => ({ text, source: { file: null, field: '--slo' } })), ['a', 'b']);
    expect(p99ThresholdMs(slos, 'a')).toBe(100);
    expect(p99ThresholdMs(slos, 'b')).toBe(300);
    expect(p99ThresholdMs(slos, null)).toBe(300);
    expect(p99ThresholdMs([], 'a')).toBeNull();
  });
});

describe('SLO evaluation on a run', () => {
  // list-orders: 1..100 ms plus 10 requests at 500 ms with 5 errors; dashboard: 5 ms.
  const dir = (): string => writeRunDir({
    meta: { duration_s: 2, slo: ['p99<300ms'] },
    windows: [
      window(0, 'list-orders', range(100, (i) => i + 1)),
      window(1, 'list-orders', range(10, () => 500), { errors: { '5xx': 5 } }),
      window(0, 'dashboard', range(50, () => 5)),
    ],
  });

  it('judges --slo specs instead of run.json\'s, marking each pass or fail with the measured value', async () => {
    const own = await analyzeRunDir(dir());
    expect(own.slo.map((s) => s.spec)).toEqual(['p99<300ms']);
    const r = await analyzeRunDir(dir(), { slo: ['p99<300ms', 'dashboard:p95<10ms', 'list-orders:p50<100ms', 'errors<1%'] });
    const by = Object.fromEntries(r.slo.map((s) => [s.spec, s]));
    expect(Object.keys(by)).toEqual(['p99<300ms', 'dashboard:p95<10ms', 'list-orders:p50<100ms', 'errors<1%']);
    expect(by['p99<300ms']).toMatchObject({ pass: false, unit: 'ms' });
    expect(by['p99<300ms']!.actual!).toBeCloseTo(500, 0);
    expect(by['dashboard:p95<10ms']).toMatchObject({ pass: true });
    expect(by['dashboard:p95<10ms']!.actual!).toBeCloseTo(5, 1);
    expect(by['list-orders:p50<100ms']).toMatchObject({ pass: true });
    expect(by['errors<1%']).toMatchObject({ pass: false, unit: 'ratio', actual: 0.03125 });
    expect(by['errors<1%']!.message).toMatch(/3\.125% exceeds < 1%/);
    expect(r.verdict.status).toBe('fail');
    expect(r.verdict.text).toMatch(/^FAIL: 2 of 4 SLOs failed/);
    // Given --slo, run.json's are not judged: a run whose own spec is bad can still be reported.
    const replaced = await analyzeRunDir(writeRunDir({ meta: { slo: ['p99<<300ms'] }, windows: [window(0, 'a', [1, 2, 3])] }), { slo: ['errors<1%'] });
    expect(replaced.slo.map((s) => s.spec)).toEqual(['errors<1%']);
  });

  it('fails a check that has no data rather than passing it', async () => {
    const r = await analyzeRunDir(writeRunDir({ meta: { endpoints: ['idle'] }, windows: [window(0, 'busy', [1, 2, 3])] }), { slo: ['idle:p99<1s'] });
    expect(r.slo[0]).toMatchObject({ pass: false, actual: null });
    expect(r.slo[0]!.message).toMatch(/no completed requests/);
  });

  it('a bad --slo is an input error (exit 1), not a failed check', async () => {
    await expect(analyzeRunDir(dir(), { slo: ['p99>1s'] })).rejects.toMatchObject({ exitCode: 1, code: 'PS_SLO' });
  });
});
