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

  it('says why a chart is missing', () => {
    expect(plain.error_timeline).toEqual({});
    const html = renderHtml(plain);
    expect(html).not.toContain('id="chart-errors"');
    expect(html).toMatch(/id="chart-errors-empty">[^<]*no request failed/);
  });
});
