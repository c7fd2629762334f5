/**
 * Tenant ages (docs/algorithms.md §2): signups growing at g per month with churn c,
 * over a horizon of H months, give ages with a truncated exponential density
 * of rate λ = ln(1+g) − ln(1−c): most tenants are young, a few are years old.
 * Older tenants tend to be bigger: Zipf ranks are handed out in descending
 * order of a normal-scores key correlated ρ with age, so Spearman(age, size)
 * ≈ (6/π)·asin(ρ/2) while sizes stay exactly Zipf.
 */
import type { AgeModel } from '../scenario/data-spec.js';
import type { Rng } from '../core/rng.js';
import { normalQuantile } from './stats.js';

/** λ per month of the age distribution. */
export const ageRatePerMonth = (m: AgeModel): number => Math.log(1 + m.growthPerMonth) - Math.log(1 - m.churnPerMonth);

/** Inverse CDF: the age in months at quantile u ∈ [0, 1). */
export const ageQuantileMonths = (u: number, m: AgeModel): number => {
  const lambda = ageRatePerMonth(m);
  const h = m.horizonMonths;
  if (Math.abs(lambda * h) < 1e-9) return u * h;
  return -Math.log1p(-u * -Math.expm1(-lambda * h)) / lambda;
};

/** CDF of the age distribution at `ageMonths`. */
export const ageCdf = (ageMonths: number, m: AgeModel): number => {
  const lambda = ageRatePerMonth(m);
  const h = m.horizonMonths;
  if (ageMonths <= 0) return 0;
  if (ageMonths >= h) return 1;
  if (Math.abs(lambda * h) < 1e-9) return ageMonths / h;
  return Math.expm1(-lambda * ageMonths) / Math.expm1(-lambda * h);
};

/** Draws `n` ages (months) independently, one per tenant index. */
export const drawAgesMonths = (rng: Rng, n: number, m: AgeModel): Float64Array => {
  const ages = new Float64Array(n);
  for (let t = 0; t < n; t++) ages[t] = ageQuantileMonths(rng(), m);
  return ages;
};

/**
 * Zipf rank of each tenant (0 = largest), correlated `rho` with `ages`
 * (rho > 0: older tenants get better ranks). With rho = 0 this is a seeded
 * random permutation of ranks over tenant ids.
 */
export const rankBySizeKey = (ages: Float64Array, rho: number, rng: Rng): Uint32Array => {
  const n = ages.length;
  const byAge = Array.from({ length: n }, (_, t) => t).sort((a, b) => (ages[a] ?? 0) - (ages[b] ?? 0) || a - b);
  const key = new Float64Array(n);
  const noise = Math.sqrt(1 - rho * rho);
  byAge.forEach((t, r) => {
    key[t] = rho * normalQuantile((r + 1) / (n + 1));
  });
  for (let t = 0; t < n; t++) key[t] = (key[t] ?? 0) + noise * normalQuantile(rng());
  const order = Array.from({ length: n }, (_, t) => t).sort((a, b) => (key[b] ?? 0) - (key[a] ?? 0) || a - b);
  const rank = new Uint32Array(n);
  order.forEach((t, r) => {
    rank[t] = r;
  });
  return rank;
};
