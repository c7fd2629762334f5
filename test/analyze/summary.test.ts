import { describe, expect, it } from 'vitest';
import { analyzeRunDir } from '../../src/analyze/index.js';
import { reportSchemaErrors } from '../helpers/schema.js';
import { tenantRecord, window, writeRunDir } from '../helpers/rundir.js';

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('report summary from windows', () => {
  it('folds windows into summary, endpoints and a per-second timeline that fits the schema', async () => {
    const windows = [
      // second 0: 100 fast list-orders (1..100 ms) and 50 dashboards at 5 ms
      window(0, 'list-orders', range(100, (i) => i + 1)),
      window(0, 'dashboard', range(50, () => 5)),
      // second 2: 10 list-orders at 500 ms, 2 of them 5xx; nothing in second 1
      window(2, 'list-orders', range(10, () => 500), { errors: { '5xx': 2 }, completed_in_window: 7, ok_in_window: 5 }),
    ];
    const dir = writeRunDir({
      meta: { duration_s: 3 },
      windows,
      tenants: [tenantRecord('t-big', 10_000, 'list-orders', range(40, () => 300), 'top1'), tenantRecord('t-small', 40, 'list-orders', range(40, () => 2))],
    });
    const r = await analyzeRunDir(dir);
    expect(reportSchemaErrors(r)).toEqual([]);
    expect(r.summary).toMatchObject({ requests: 160, errors: 2, dropped: 0, duration_s: 3 });
    expect(r.summary.offered_rps).toBeCloseTo(160 / 3, 2);
    expect(r.timeline.map((t) => t.t_s)).toEqual([0, 1, 2]);
    expect(r.timeline[1]).toMatchObject({ offered_rps: 0, p99_ms: null, errors: 0 });
    expect(r.timeline[2]).toMatchObject({ offered_rps: 10, achieved_rps: 5, errors: 2 });
    const lo = r.endpoints.find((e) => e.name === 'list-orders');
    // p50 of {1..100} ∪ {500 x10}: the 55th of 110 values = 55 ms (HDR: 3 significant digits)
    expect(lo?.p50_ms).toBeCloseTo(55, 0);
    expect(lo?.max_ms).toBeCloseTo(500, 0);
    expect(r.tenants.slowest.map((t) => t.tenant)).toEqual(['t-big', 't-small']);
    expect(r.tenants.slowest[0]).toMatchObject({ rows: 10_000, requests: 40 });
  });
});
