/**
 * Small statistics used by the detectors: medians, a binomial tail test,
 * isotonic (monotone) regression, Spearman correlation. Pure functions.
 */
import { lnGamma } from '../core/gamma.js';

/** Median of the finite numbers in `xs`, or null when there are none. */
export const median = (xs: readonly (number | null)[]): number | null => quantile(xs, 0.5);

/** Quantile q ∈ [0, 1] (linear interpolation) of the finite numbers in `xs`, or null. */
export const quantile = (xs: readonly (number | null)[], q: number): number | null => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const pos = (v.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = v[lo] ?? 0;
  const b = v[hi] ?? a;
  return a + (b - a) * (pos - lo);
};

/** ln Γ(x) for x > 0 (core/gamma.ts). */
export const logGamma = lnGamma;

const logBinomPmf = (k: number, n: number, p: number): number =>
  logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);

/**
 * P(X ≥ k) for X ~ Binomial(n, p): the p-value of seeing `k` or more
 * "exceedances" in `n` trials when each has probability `p`. Only the upper
 * tail above the mean is computed exactly (that is where tests look); for
 * k ≤ n·p it returns 1 (never significant).
 */
export const binomialUpperTail = (k: number, n: number, p: number): number => {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (k <= n * p) return 1;
  let sum = 0;
  for (let i = k; i <= n; i++) {
    const term = Math.exp(logBinomPmf(i, n, p));
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return Math.min(1, sum);
};

/**
 * Isotonic regression (pool adjacent violators): the non-decreasing sequence
 * closest to `ys` in least squares. Used to read "latency vs load" as a
 * monotone curve before looking for its knee.
 */
export const isotonicIncreasing = (ys: readonly number[]): number[] => {
  const blocks: { sum: number; n: number }[] = [];
  for (const y of ys) {
    blocks.push({ sum: y, n: 1 });
    while (blocks.length >= 2) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a === undefined || b === undefined || a.sum / a.n <= b.sum / b.n) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, n: a.n + b.n });
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.n).fill(b.sum / b.n));
};

const ranks = (xs: readonly number[]): number[] => {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x);
  const r = new Array<number>(xs.length).fill(0);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.x === order[i]?.x) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]?.i ?? 0] = avg;
    i = j + 1;
  }
  return r;
};

/** Spearman rank correlation of paired samples, or null with fewer than 3 pairs or no variance. */
export const spearman = (xs: readonly number[], ys: readonly number[]): number | null => {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  const rx = ranks(xs.slice(0, n));
  const ry = ranks(ys.slice(0, n));
  const mx = rx.reduce((s, v) => s + v, 0) / n;
  const my = ry.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] ?? 0) - mx;
    const dy = (ry[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
};

/** Centered moving average over `width` points (shrinking at the edges). */
export const movingAverage = (xs: readonly number[], width: number): number[] => {
  const h = Math.floor(width / 2);
  return xs.map((_, i) => {
    let s = 0;
    let n = 0;
    for (let j = Math.max(0, i - h); j <= Math.min(xs.length - 1, i + h); j++) {
      s += xs[j] ?? 0;
      n++;
    }
    return n === 0 ? 0 : s / n;
  });
};
