/**
 * Tenant sizes: Zipf shares with largest-remainder rounding. The log-log
 * rank/size slope is -s within ±0.03, totals are exact, the minimum holds,
 * every size is its quota rounded down or up, and sizes are scattered over
 * tenant ids (no correlation between id and size).
 */
import { describe, expect, it } from 'vitest';
import { apportion, zipfShares } from '../../src/data/zipf.js';
import { planData } from '../../src/data/plan.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { olsSlope, spearman, tenantScenario } from './helpers.js';

const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);

describe('Zipf apportionment', () => {
  for (const s of [0.6, 0.8, 1.0, 1.2]) {
    it(`has a log-log rank/size slope of -${s} ± 0.03 over 10,000 tenants`, () => {
      const n = 10_000;
      const total = 20_000_000;
      const sizes = apportion(zipfShares(n, s), total, 1);
      expect(sum(sizes)).toBe(total);
      // Fit over the ranks whose sizes are big enough that rounding is negligible (and the minimum does not bind).
      const x: number[] = [];
      const y: number[] = [];
      sizes.forEach((v, k) => {
        if (v >= 50) {
          x.push(Math.log(k + 1));
          y.push(Math.log(v - 1));
        }
      });
      expect(x.length).toBeGreaterThan(1000);
      expect(Math.abs(olsSlope(x, y) + s)).toBeLessThan(0.03);
    });
  }

  it('gives exact totals, the minimum, and each tenant its quota rounded down or up', () => {
    for (const [n, total, min, s] of [[2000, 184_000, 1, 0.8], [7, 100, 3, 1.5], [1000, 1000, 1, 1], [500, 123_457, 0, 0], [3, 2, 0, 1]] as const) {
      const shares = zipfShares(n, s);
      const sizes = apportion(shares, total, min);
      expect(sum(sizes)).toBe(total);
      sizes.forEach((v, k) => {
        const quota = (shares[k] ?? 0) * (total - min * n);
        expect(v).toBeGreaterThanOrEqual(min);
        expect(v - min).toBeGreaterThanOrEqual(Math.floor(quota));
        expect(v - min).toBeLessThanOrEqual(Math.ceil(quota));
        expect(Number.isInteger(v)).toBe(true);
      });
      // Sizes never increase with rank.
      for (let k = 1; k < n; k++) expect(sizes[k] ?? 0).toBeLessThanOrEqual(sizes[k - 1] ?? 0);
    }
  });

  it('refuses a minimum larger than the total', () => {
    expect(() => apportion(zipfShares(10, 1), 5, 1)).toThrow(RangeError);
  });

  it('reproduces the article at --scale 1: ~2,000 tenants, biggest ~10,000 orders, median ~40', () => {
    const spec = parseScenario(tenantScenario({ tenants: 2000, rows: 184_000, s: 0.8, min: 1 })).data;
    const plan = planData(spec!, 1, 1);
    const counts = Array.from(plan.byName.get('orders')?.counts ?? []).sort((a, b) => a - b);
    expect(sum(counts)).toBe(184_000);
    const max = counts[counts.length - 1] ?? 0;
    const median = ((counts[999] ?? 0) + (counts[1000] ?? 0)) / 2;
    expect(max).toBeGreaterThan(9000);
    expect(max).toBeLessThan(11_000);
    expect(median).toBeGreaterThanOrEqual(35);
    expect(median).toBeLessThanOrEqual(45);
    expect(max / median).toBeGreaterThan(200);
  });

  it('scatters sizes over tenant ids with a seeded permutation', () => {
    const spec = parseScenario(tenantScenario({ tenants: 10_000, rows: 1_000_000, s: 1, rho: 0 })).data;
    const a = planData(spec!, 1, 1);
    const counts = a.byName.get('orders')?.counts ?? new Float64Array(0);
    const ids = Array.from({ length: counts.length }, (_, t) => t);
    // |Spearman(id, size)| has sd ≈ 1/√n = 0.01: 0.05 is five of them.
    expect(Math.abs(spearman(ids, counts))).toBeLessThan(0.05);
    // The biggest tenant is not tenant 1, and another seed puts it elsewhere.
    const argmax = (c: Float64Array): number => c.indexOf(Math.max(...c));
    const b = planData(spec!, 2, 1);
    expect(argmax(counts)).not.toBe(argmax(b.byName.get('orders')?.counts ?? new Float64Array(0)));
    // Same seed, same permutation.
    expect(planData(spec!, 1, 1).byName.get('orders')?.counts).toEqual(counts);
  });
});
