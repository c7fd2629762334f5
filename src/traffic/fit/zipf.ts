/**
 * Fitting a Zipf exponent to id popularity: given how often each id was
 * requested, the maximum-likelihood `s` of p(k) = k^-s / H(N, s) over the
 * ranks k = 1…N of the ids seen (N = distinct ids), with its goodness of fit:
 *   - `ks`: the largest gap between the observed and the fitted CDF over ranks;
 *   - `r2`: R² of the straight line through log(count) against log(rank);
 *   - `quality`: good (ks ≤ 0.03), fair (ks ≤ 0.08) or poor — judgement thresholds.
 * The log-likelihood is concave in s (ln H is log-sum-exp of linear terms), so
 * a golden-section search finds the maximum. Ranks come from the observed
 * counts: ids seen only once or twice make the tail's order noisy, which is
 * why `singletons` is reported beside the fit.
 */

/** A fitted exponent and how well it fits. */
export interface ZipfFit {
  /** Maximum-likelihood exponent. */
  s: number;
  /** Distinct ids (the support N of the fit). */
  ids: number;
  /** Requests counted. */
  samples: number;
  /** Fraction of ids seen exactly once. */
  singletons: number;
  /** Share of requests that went to the most requested id, and to the top 1% of ids. */
  topShare: number;
  top1PctShare: number;
  /** Kolmogorov–Smirnov distance between observed and fitted rank CDFs. */
  ks: number;
  /** R² of log(count) against log(rank). */
  r2: number;
  quality: 'good' | 'fair' | 'poor';
}

/** Fewest requests and distinct ids for a fit to mean anything. */
export const ZIPF_MIN_SAMPLES = 50;
export const ZIPF_MIN_IDS = 5;

const S_MAX = 6;

/** Fits from counts in any order (zeros ignored). Null when there is too little data. */
export const fitZipf = (countsIn: Iterable<number>): ZipfFit | null => {
  const counts = Float64Array.from([...countsIn].filter((c) => c > 0)).sort().reverse();
  const n = counts.length;
  let m = 0;
  for (const c of counts) m += c;
  if (n < ZIPF_MIN_IDS || m < ZIPF_MIN_SAMPLES) return null;
  const lnK = new Float64Array(n);
  let a = 0;
  for (let k = 0; k < n; k++) {
    lnK[k] = Math.log(k + 1);
    a += (counts[k] as number) * (lnK[k] as number);
  }
  // ln H(N, s) with a shift by the largest term (k = 1, whose term is 1) for stability.
  const lnH = (s: number): number => {
    let h = 0;
    for (let k = 0; k < n; k++) h += Math.exp(-s * (lnK[k] as number));
    return Math.log(h);
  };
  const ll = (s: number): number => -s * a - m * lnH(s);
  let lo = 0;
  let hi = S_MAX;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = ll(x1);
  let f2 = ll(x2);
  while (hi - lo > 1e-5) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = ll(x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = ll(x1);
    }
  }
  const s = (lo + hi) / 2;
  // Goodness of fit: KS over ranks, and the log-log line.
  const h = Math.exp(lnH(s));
  let cumObs = 0;
  let cumFit = 0;
  let ks = 0;
  let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  let singles = 0;
  for (let k = 0; k < n; k++) {
    const c = counts[k] as number;
    if (c === 1) singles++;
    cumObs += c / m;
    cumFit += Math.exp(-s * (lnK[k] as number)) / h;
    ks = Math.max(ks, Math.abs(cumObs - cumFit));
    const x = lnK[k] as number;
    const y = Math.log(c);
    sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y;
  }
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  const r2 = vx > 0 && vy > 0 ? (cov * cov) / (vx * vy) : 0;
  const top1 = Math.max(1, Math.floor(n / 100));
  let topSum = 0;
  for (let k = 0; k < top1; k++) topSum += counts[k] as number;
  return {
    s, ids: n, samples: m, singletons: singles / n,
    topShare: (counts[0] as number) / m, top1PctShare: topSum / m,
    ks, r2, quality: ks <= 0.03 ? 'good' : ks <= 0.08 ? 'fair' : 'poor',
  };
};
