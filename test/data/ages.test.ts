/**
 * Tenant ages follow the truncated exponential of docs/algorithms.md §2 (KS test at
 * 1%), older tenants are bigger with the configured rank correlation, and
 * each row's created_at lies between its tenant's signup and now, ascending
 * within the tenant, with recent activity denser.
 */
import { describe, expect, it } from 'vitest';
import { ageCdf, ageQuantileMonths, ageRatePerMonth } from '../../src/data/ages.js';
import { planData } from '../../src/data/plan.js';
import { parseScenario } from '../../src/scenario/scenario.js';
import { DEFAULT_AGES } from '../../src/scenario/data-spec.js';
import { datasetOf, spearman, tableText, tenantScenario } from './helpers.js';

/** Kolmogorov–Smirnov statistic of a sample against a CDF. */
const ksStatistic = (sample: ArrayLike<number>, cdf: (x: number) => number): number => {
  const xs = Float64Array.from(sample).sort();
  const n = xs.length;
  let d = 0;
  xs.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  });
  return d;
};

describe('tenant ages', () => {
  it('match the model of docs/algorithms.md §2 (8%/mo growth, 2%/mo churn, 60 months)', () => {
    expect(ageRatePerMonth(DEFAULT_AGES)).toBeCloseTo(0.0972, 4);
    expect(ageQuantileMonths(0.5, DEFAULT_AGES)).toBeCloseTo(7.1, 1);
    expect(1 - ageCdf(36, DEFAULT_AGES)).toBeCloseTo(0.027, 3);
    for (const u of [0.01, 0.3, 0.77, 0.999]) expect(ageCdf(ageQuantileMonths(u, DEFAULT_AGES), DEFAULT_AGES)).toBeCloseTo(u, 9);
  });

  for (const [n, seed] of [[2000, 1], [20_000, 7]] as const) {
    it(`have an empirical CDF within the KS 1% critical value (n = ${n}, seed ${seed})`, () => {
      const plan = planData(parseScenario(tenantScenario({ tenants: n, rows: n * 10, s: 1 })).data!, seed, 1);
      const ages = plan.tenants?.ageMonths ?? new Float64Array(0);
      expect(ages.length).toBe(n);
      expect(ksStatistic(ages, (a) => ageCdf(a, DEFAULT_AGES))).toBeLessThan(1.63 / Math.sqrt(n));
      // Signups are `now - age`, to the second.
      const signup = plan.tenants?.signupMs ?? new Float64Array(0);
      const now = Date.parse('2025-06-01T00:00:00Z');
      for (let t = 0; t < n; t += 97) expect(Math.abs(now - (signup[t] ?? 0) - (ages[t] ?? 0) * 2_629_746_000)).toBeLessThan(1000);
    });
  }

  for (const rho of [0, 0.6, 0.9]) {
    it(`give Spearman(age, size rank) ≈ (6/π)·asin(ρ/2) for ρ = ${rho}`, () => {
      const n = 10_000;
      const plan = planData(parseScenario(tenantScenario({ tenants: n, rows: 1_000_000, s: 1, rho })).data!, 3, 1);
      const ages = plan.tenants?.ageMonths ?? new Float64Array(0);
      const rank = plan.tenants?.rank ?? new Uint32Array(0);
      const expected = (6 / Math.PI) * Math.asin(rho / 2);
      // Rank 0 is the biggest: correlate age with -rank. The sampling sd is ≈ 1/√n = 0.01.
      expect(Math.abs(spearman(ages, Array.from(rank, (r) => -r)) - expected)).toBeLessThan(0.04);
      // And with the sizes themselves (ties among small tenants weaken it a little).
      const sizes = plan.byName.get('orders')?.counts ?? new Float64Array(0);
      if (rho > 0) expect(spearman(ages, sizes)).toBeGreaterThan(expected - 0.1);
    });
  }
});

describe('row timestamps', () => {
  it('lie between the tenant signup and now, ascend within a tenant, and are denser recently', async () => {
    const ds = await datasetOf(tenantScenario({ tenants: 300, rows: 60_000, s: 1, min: 20 }));
    const signupOf = new Map<string, number>();
    for (const line of (await tableText(ds, 'tenants')).trim().split('\n')) {
      const [id = '', at = ''] = line.split(',');
      signupOf.set(id, Date.parse(at));
    }
    const now = Date.parse('2025-06-01T00:00:00Z');
    let prev = { tenant: '', at: 0 };
    let recentHalf = 0;
    let rows = 0;
    const bad: string[] = [];
    for (const line of (await tableText(ds, 'orders')).trim().split('\n')) {
      const [, tenant = '', at = ''] = line.split(',');
      const t = Date.parse(at);
      const signup = signupOf.get(tenant) ?? NaN;
      if (!(t >= signup && t <= now)) bad.push(`outside [signup, now]: ${line}`);
      if (tenant === prev.tenant && t < prev.at) bad.push(`not ascending: ${line}`);
      prev = { tenant, at: t };
      if (t > (signup + now) / 2) recentHalf++;
      rows++;
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(rows).toBe(60_000);
    // Activity growing 5% a month puts well over half the rows in the later half of each tenant's life.
    expect(recentHalf / rows).toBeGreaterThan(0.55);
  });
});
