/**
 * Kneedle (Satopaa et al. 2011; docs/algorithms.md §5) for a convex, increasing
 * curve such as offered rate → p99: normalise x and y to [0, 1], take the
 * difference curve d = x_n − y_n, and accept a local maximum of d as the knee
 * once d later drops below `d_max − S · mean(Δx_n)` (before another local
 * maximum appears). The first knee found is returned.
 *
 * Kneedle lands early on M/M/1-like curves and depends on where the sweep
 * stops (docs/algorithms.md §5, the caveat), so the analysis reports it next to the
 * absolute rules, never alone.
 */

export interface KneeResult {
  /** x of the knee (same unit as the input x). */
  x: number;
  /** y at the knee. */
  y: number;
  /** Index into the (sorted) input. */
  index: number;
}

/**
 * Finds the knee of a convex increasing curve. `xs` must be strictly
 * increasing; `sensitivity` is Kneedle's S (default 1). Returns null when the
 * curve is flat, too short (< 4 points) or has no knee.
 */
export const kneedle = (xs: readonly number[], ys: readonly number[], sensitivity = 1): KneeResult | null => {
  const n = Math.min(xs.length, ys.length);
  if (n < 4) return null;
  const x0 = xs[0] ?? 0;
  const x1 = xs[n - 1] ?? 0;
  const yMin = Math.min(...ys.slice(0, n));
  const yMax = Math.max(...ys.slice(0, n));
  if (!(x1 > x0) || !(yMax > yMin)) return null;
  const xn = xs.slice(0, n).map((x) => (x - x0) / (x1 - x0));
  const yn = ys.slice(0, n).map((y) => (y - yMin) / (yMax - yMin));
  const d = xn.map((x, i) => x - (yn[i] ?? 0));
  let meanDx = 0;
  for (let i = 1; i < n; i++) meanDx += (xn[i] ?? 0) - (xn[i - 1] ?? 0);
  meanDx /= n - 1;
  let candidate = -1;
  let threshold = Infinity;
  for (let i = 1; i < n; i++) {
    const prev = d[i - 1] ?? 0;
    const cur = d[i] ?? 0;
    const next = i + 1 < n ? (d[i + 1] ?? 0) : -Infinity;
    if (cur >= prev && cur >= next && cur > 0) {
      candidate = i;
      threshold = cur - sensitivity * meanDx;
      continue;
    }
    if (candidate >= 0 && cur < threshold) {
      return { x: xs[candidate] ?? 0, y: ys[candidate] ?? 0, index: candidate };
    }
  }
  return null;
};
