/**
 * Small numerical helpers for fitting: log-gamma (Lanczos, g = 7), the
 * regularized upper incomplete gamma function (series / continued fraction),
 * the chi-square survival function, and Pearson correlation.
 */

import { lnGamma } from '../../core/gamma.js';

/** ln Γ (core/gamma.ts). */
export { lnGamma };

const EPS = 1e-14;
const TINY = 1e-300;

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x >= 0. */
export const gammaQ = (a: number, x: number): number => {
  if (x <= 0) return 1;
  const logPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.min(1, Math.exp(logPrefix) * h);
};

/** P(X² >= x) for a chi-square variable with `dof` degrees of freedom. */
export const chiSquareSurvival = (x: number, dof: number): number => gammaQ(dof / 2, x / 2);

/** Pearson correlation of two equal-length series; null when either is constant or they are too short. */
export const pearson = (a: readonly number[], b: readonly number[]): number | null => {
  const n = Math.min(a.length, b.length);
  if (n < 3) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // A series constant up to rounding has no correlation to speak of.
  const flat = (v: number, m: number): boolean => v <= 1e-20 * Math.max(1e-300, m * m * n);
  return flat(saa, ma) || flat(sbb, mb) ? null : sab / Math.sqrt(saa * sbb);
};

/** A p-value for people: `= 0.42`, `< 0.001`. */
export const pText = (p: number): string => (p < 0.001 ? '< 0.001' : `= ${p.toPrecision(2)}`);
