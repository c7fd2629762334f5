/**
 * report.html's later charts from report.json, without a browser: the rich
 * run carries their data, and a run without errors or tenants (as a k6
 * import without tenant tags writes) gets a sentence saying why each chart is
 * missing instead of an empty frame. The drawing itself is checked in
 * headless Chromium by html.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRunDir, type Report } from '../../src/analyze/index.js';
import { renderHtml } from '../../src/report/html.js';
import { removeSynthRuns, synthRun } from '../analyze/synth.js';
import { richRun } from './fixture.js';

let rich: Report;
let plain: Report;

beforeAll(async () => {
  rich = await analyzeRunDir(richRun());
  plain = await analyzeRunDir(synthRun({
    seed: 5, durationS: 30, rate: () => 50, endpoints: [{ name: 'get', weight: 1 }], serviceMs: (_q, rng) => 5 + rng() * 5,
  }));
}, 60_000);

afterAll(() => removeSynthRuns());

describe('report.html charts beyond the timeline', () => {
  it('errors by class: one column per class that occurred, per second', () => {
    const et = rich.error_timeline ?? {};
    expect(Object.keys(et).sort()).toEqual(['4xx', '5xx', 'timeout']);
    for (const col of Object.values(et)) expect(col?.length).toBe(rich.timeline.length);
    // The columns add up to the timeline's errors, second by second.
    rich.timeline.forEach((row, i) => expect(Object.values(et).reduce((s, col) => s + (col?.[i] ?? 0), 0)).toBe(row.errors));
    // The 5xx burst is where the fixture put it (40-44 s).
    const fives = et['5xx'] ?? [];
    expect(fives.findIndex((n) => n > 0)).toBe(40);
    expect(fives.slice(40, 44).every((n) => n > 0)).toBe(true);
    expect(renderHtml(rich)).toContain('id="chart-errors"');
  });

  it('latency distribution: the HDR percentiles of all and each endpoint on one ladder', () => {
    const d = rich.latency_distribution!;
    expect(d.counts.all).toBe(rich.summary.completed);
    // 10 points a decade of 1/(1 - p), up to what the run's requests resolve.
    expect(d.percentiles).toHaveLength(Math.floor(10 * Math.log10(d.counts.all) + 1e-9) + 1);
    expect(Object.keys(d.endpoints).sort()).toEqual(['dashboard', 'list-orders']);
    // The point at exactly 99% (k = 20) is the run's p99; every line rises.
    expect(d.percentiles[20]).toBeCloseTo(99, 9);
    expect(d.all[20]).toBe(rich.summary.p99_ms);
    expect(d.endpoints.dashboard?.[20]).toBe(rich.endpoints.find((e) => e.name === 'dashboard')?.p99_ms);
    for (const line of [d.all, ...Object.values(d.endpoints)]) {
      const vals = line.filter((v): v is number => v !== null);
      expect(vals.length).toBeGreaterThan(20);
      vals.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(vals[i - 1] ?? 0));
    }
    // An endpoint with fewer requests than the run stops earlier: nulls past its own resolution.
    const dash = d.endpoints.dashboard ?? [];
    expect(dash.filter((v) => v !== null)).toHaveLength(Math.floor(10 * Math.log10(d.counts.endpoints.dashboard ?? 0) + 1e-9) + 1);
    expect(renderHtml(rich)).toContain('id="chart-distribution"');
  });

  it('p99 by tenant size class over time: the skewed class stays above the rest while the load is healthy', () => {
    const tl = rich.tenant_class_timeline!;
    const view = tl.endpoints.dashboard!;
    expect(Object.keys(view.p99_ms).sort()).toEqual(['rest', 'top1', 'top10']);
    expect(view.t_s[1]).toBe(view.bin_s);
    expect(view.t_s.length).toBe(Math.ceil(rich.timeline.length / view.bin_s));
    // Every request of a class is in exactly one bin.
    const byClass = rich.tenants.by_class as { endpoint: string; tenant_class: string; requests: number }[];
    for (const [cls, counts] of Object.entries(view.requests)) {
      expect(counts.reduce((a, b) => a + b, 0), cls).toBe(byClass.find((x) => x.endpoint === 'dashboard' && x.tenant_class === cls)?.requests);
    }
    // Before the ramp saturates (and outside the 15-20 s cold window), dashboard's top 1% pay 60 ms more than the rest
    // (20-30 ms): their p99 is at least twice the rest's in most (over half) such bins with both. Which bins make it is
    // the draws' luck: over seeds 1-10 the share ran 5/7-7/7 with the former generator (alea) and 4/7-7/7 with sfc32.
    const healthy = view.t_s.map((t, i) => ({ t, i })).filter(({ t }) => t >= 25 && t + view.bin_s <= 60);
    const pairs = healthy.map(({ i }) => [view.p99_ms.top1?.[i], view.p99_ms.rest?.[i]] as const)
      .filter((p): p is readonly [number, number] => typeof p[0] === 'number' && typeof p[1] === 'number');
    expect(pairs.length).toBeGreaterThanOrEqual(3);
    expect(pairs.filter(([top, rest]) => top >= 2 * rest).length / pairs.length).toBeGreaterThan(0.5);
    // All endpoints together are charted too; the page shows the skewed endpoint.
    expect(Object.keys(tl.all?.p99_ms ?? {}).sort()).toEqual(['rest', 'top1', 'top10']);
    const html = renderHtml(rich);
    expect(html).toContain('id="chart-classes"');
    expect(html).toMatch(/dashboard, the endpoint of data-skew break #\d/);
  });

  it('says why a chart is missing', () => {
    expect(plain.error_timeline).toEqual({});
    const html = renderHtml(plain);
    expect(html).not.toContain('id="chart-errors"');
    expect(html).toMatch(/id="chart-errors-empty">[^<]*no request failed/);
    // No tenants (as in a k6 import without tenant tags): no class timeline, and the page says so.
    expect(plain.tenant_class_timeline).toEqual({ all: null, endpoints: {} });
    expect(html).not.toContain('id="chart-classes"');
    expect(html).toMatch(/id="chart-classes-empty">No request named a tenant/);
    // The distribution is there: ~1,500 requests resolve past 99.9%, and no percentile finer than 1 - 1/n.
    expect(html).toContain('id="chart-distribution"');
    const n = plain.latency_distribution?.counts.all ?? 0;
    expect(n).toBeGreaterThan(1000);
    expect(plain.latency_distribution?.percentiles.at(-1)).toBeGreaterThanOrEqual(99.9);
    expect(plain.latency_distribution?.percentiles.at(-1)).toBeLessThanOrEqual(100 * (1 - 1 / n));
  });
});
